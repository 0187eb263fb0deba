"""Which posts carry a card, for which channels, and that a card is drawn once per language
and revision however many channels get it."""
import asyncio

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.platforms.fake import FakePlatform
from bot.sources.event_file import load_event_file
from bot.sources.replay import replay_stages
from tests.conftest import LE_MANS_FILE, new_store


def _send_race(tmp_path, settings: dict[str, dict], images: bool = True):
    """Store the whole Le Mans race for channels with `settings` (address → changes) and
    send everything; what the fake platform received, by address."""
    app = bootstrap(Config(db_path=new_store(tmp_path / "cards.db", seeded=False), seed_events=False))
    try:
        for address, changes in settings.items():
            channel = app.channels.ensure("fake", address)
            app.channels.configure(channel.id, **changes)
            app.channels.subscribe(channel.id, "all", "", ())
        for stage in replay_stages(load_event_file(LE_MANS_FILE)):
            app.store([stage.bundle], stage.label)
        fake = FakePlatform(images=images)
        dispatcher = app.dispatcher({"fake": fake})

        async def send_all():
            while await dispatcher.run_once():
                pass

        asyncio.run(send_all())
        got: dict[str, list] = {}
        for sent in fake.sent:
            got.setdefault(sent.channel, []).append(sent.message)
        return got
    finally:
        app.close()


def test_finish_and_pole_posts_carry_a_card_for_channels_that_want_one(tmp_path):
    got = _send_race(tmp_path, {"en-1": {"images": True}, "en-2": {"images": True}, "fr": {"images": True, "lang": "fr"},
                                "plain": {}, "hidden": {"images": True, "spoiler_mode": True}})
    carded = {address: [m.data["kind"] for m in messages if m.image] for address, messages in got.items()}
    assert carded["en-1"] == carded["en-2"] == carded["fr"] == ["pole", "finish"]
    assert carded["plain"] == []  # images are off unless a channel turns them on
    finish = {address: next(m for m in messages if m.data["kind"] == "finish") for address, messages in got.items()}
    # One drawing for both English channels; its own for the French one.
    assert finish["en-1"].image is finish["en-2"].image
    assert finish["fr"].image.png != finish["en-1"].image.png
    assert "Dan Cammish" in finish["en-1"].image.alt and "Dan Cammish" in finish["fr"].image.alt
    assert finish["en-1"].image.alt != finish["fr"].image.alt  # each in its own language
    # A spoiler channel's card gives the result away too: it is marked to be hidden.
    assert finish["hidden"].image.spoiler and not finish["en-1"].image.spoiler
    # Other kinds of post never carry one.
    assert all(m.image is None for m in got["en-1"] if m.data["kind"] not in ("pole", "finish"))


def test_a_platform_that_cannot_show_pictures_gets_the_text_alone(tmp_path):
    got = _send_race(tmp_path, {"en": {"images": True}}, images=False)
    assert got["en"] and all(m.image is None for m in got["en"])
