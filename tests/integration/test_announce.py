"""Announcements end to end: facts → updates → outbox → dispatcher → a fake platform."""
import asyncio
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from bot.announce.presets import apply_presets
from bot.ports import Limits
from bot.bootstrap import bootstrap
from bot.channel import ChannelPreset
from bot.config import Config
from bot.ports import SendFailed
from bot.platforms.fake import FakePlatform
from bot.render.text import render_text
from bot.sources.event_file import load_event_file
from bot.sources.replay import replay_stages
from tests import virtual_time
from tests.conftest import LE_MANS_FILE, RACE_TITLES, new_store

SERIES = "porsche-carrera-cup-france"


class Clock:
    """A clock the test moves by hand, for backoff and spoiler delays."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def bare(tmp_path, clock):
    """An app with an empty store, so every fact arrives while channels listen."""
    application = bootstrap(Config(db_path=new_store(tmp_path / "announce.db"), seed_events=False))
    application.announcer.clock = clock
    yield application
    application.close()


@pytest.fixture
def stages():
    return replay_stages(load_event_file(LE_MANS_FILE))


def channel(app, address, target=("series", SERIES), kinds=(), platform="fake", **settings):
    ch = app.channels.ensure(platform, address)
    app.channels.subscribe(ch.id, target[0], target[1], tuple(kinds))
    return app.channels.configure(ch.id, **settings) if settings else ch


def play(app, stages, upto):
    for stage in stages[:upto]:
        app.store([stage.bundle], stage.label)


def dispatch(app, platform, clock, rounds=20):
    dispatcher = app.dispatcher({platform.name: platform}, clock=clock)

    async def go():
        for _ in range(rounds):
            if not await dispatcher.run_once():
                break

    asyncio.run(go())
    return dispatcher


def counts(app):
    return {t: app.db[t].count for t in ("updates", "deliveries")}


def statuses(app):
    return dict(app.db.execute("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall())


def test_each_moment_of_the_race_makes_its_post_once(bare, stages, clock):
    channel(bare, "fans")
    play(bare, stages, 5)
    fake = FakePlatform()
    dispatch(bare, fake, clock)
    play(bare, stages[5:], 1)  # the classification becomes final after the posts went out
    dispatch(bare, fake, clock)
    titles = [m.title for m in fake.posts_to("fans")]
    assert titles == RACE_TITLES
    finish = render_text(fake.posts_to("fans")[3])
    assert "Christophe Lapierre" in finish and "Provisional classification." in finish
    # The final classification corrects the finish post in place.
    assert [e.message.title for e in fake.edits] == ["Corrected: Dan Cammish wins — Porsche Carrera Cup Le Mans 2017"]
    assert fake.edits[0].message_id == fake.sent[3].message_id
    assert "Final classification." in render_text(fake.edits[0].message)
    assert statuses(bare) == {"sent": 7}


def test_a_post_still_waiting_shows_the_newest_facts_instead_of_being_corrected(bare, stages, clock):
    channel(bare, "fans")
    play(bare, stages, 6)
    fake = FakePlatform()
    dispatch(bare, fake, clock)
    assert fake.edits == []
    assert "Final classification." in render_text(fake.posts_to("fans")[3])


def test_a_result_corrected_while_its_post_is_on_the_way_is_then_edited(bare, stages, clock):
    channel(bare, "fans", kinds=("finish",))
    play(bare, stages, 4)
    fake = FakePlatform(latency=0.05)  # the send takes a while: time for the correction to land
    dispatcher = bare.dispatcher({fake.name: fake}, clock=clock)

    async def go():
        sending = asyncio.create_task(dispatcher.run_once())
        await asyncio.sleep(0.01)
        assert statuses(bare) == {"sending": 1}
        play(bare, stages[5:6], 1)  # provisional -> final while the provisional post is in flight
        await sending
        assert statuses(bare) == {"pending": 1}  # kept, as an edit of what was just posted
        await dispatcher.run_once()

    asyncio.run(go())
    assert "Provisional classification." in render_text(fake.sent[0].message)
    assert [e.message_id for e in fake.edits] == [fake.sent[0].message_id]
    assert "Final classification." in render_text(fake.edits[0].message)
    assert len(fake.sent) == 1 and statuses(bare) == {"sent": 1}


def test_repeated_ingest_makes_no_second_update(bare, stages, clock):
    channel(bare, "fans")
    play(bare, stages, 6)
    before = counts(bare)
    play(bare, stages[4:6], 2)  # the same facts again
    bare.import_files([LE_MANS_FILE])  # and once more from the event file itself
    assert counts(bare) == before
    fake = FakePlatform()
    dispatch(bare, fake, clock)
    assert len(fake.sent) == 7 and fake.edits == []


def test_a_feed_that_flips_back_and_forth_posts_once(bare, stages, clock):
    channel(bare, "fans")
    play(bare, stages, 2)  # safety car out
    flip_off = replace(stages[1].bundle, incidents=(), digest="flip-off")
    for bundle in (flip_off, stages[1].bundle, flip_off, replace(stages[1].bundle, digest="flip-on")):
        bare.store([bundle], "flapping feed")
    fake = FakePlatform()
    dispatch(bare, fake, clock)
    assert [m.title.split(" —")[0] for m in fake.posts_to("fans")] == ["Pole position: Florian Latorre",
                                                                                    "Safety car"]


def test_only_matching_channels_get_deliveries(bare, stages, clock):
    channel(bare, "series-fan")
    channel(bare, "event-fan", target=("event", "porsche-carrera-cup-le-mans-2017"))
    channel(bare, "finish-only", target=("all", ""), kinds=("finish",))
    channel(bare, "other-series", target=("series", "formula-1"))
    play(bare, stages, 6)
    fake = FakePlatform()
    dispatch(bare, fake, clock)
    assert len(fake.posts_to("series-fan")) == len(fake.posts_to("event-fan")) == 7
    assert [m.title for m in fake.posts_to("finish-only")] == ["Dan Cammish wins — Porsche Carrera Cup Le Mans 2017"]
    assert fake.posts_to("other-series") == []


def test_retry_after_is_honoured_then_the_post_goes(bare, stages, clock):
    channel(bare, "fans")
    play(bare, stages, 1)
    fake = FakePlatform()
    fake.fail("fans", SendFailed("retry_after", "429 Too Many Requests", retry_after=7))
    dispatch(bare, fake, clock)
    row = bare.db.execute("SELECT status, not_before, last_error, attempts FROM deliveries").fetchone()
    assert row[0] == "pending" and row[1] == pytest.approx(clock.now + 7) and "429" in row[2]
    clock.now += 6.9
    dispatch(bare, fake, clock)
    assert fake.sent == []  # not before the platform said
    clock.now += 0.2
    dispatch(bare, fake, clock)
    assert len(fake.sent) == 1 and statuses(bare) == {"sent": 1}


@pytest.mark.parametrize("failure", [asyncio.TimeoutError(), SendFailed("transient", "502 Bad Gateway"),
                                     ConnectionResetError("connection reset")])
def test_timeouts_and_server_errors_back_off_and_retry(bare, stages, clock, failure):
    channel(bare, "fans")
    play(bare, stages, 1)
    fake = FakePlatform()
    fake.fail("fans", failure, failure)
    waits = []
    for _ in range(3):
        dispatch(bare, fake, clock)
        not_before = bare.db.execute("SELECT not_before FROM deliveries").fetchone()[0]
        waits.append(not_before - clock.now)
        clock.now = max(clock.now, not_before) + 0.01
    assert len(fake.sent) == 1
    assert 0 < waits[0] < waits[1]  # exponential backoff
    assert bare.db.execute("SELECT attempts, last_error FROM deliveries").fetchone()[0] == 3


def test_an_outage_is_waited_out_as_long_as_the_post_is_worth_sending(bare, stages, clock):
    channel(bare, "fans")
    play(bare, stages, 1)  # the pole post: worth sending for 12 hours
    fake = FakePlatform()
    fake.fail("fans", *[SendFailed("transient", "503 Service Unavailable")] * 30)
    for _ in range(30):  # 30 failed tries over 3 hours of outage
        dispatch(bare, fake, clock)
        clock.now += 400
    assert bare.db.execute("SELECT status FROM deliveries").fetchone()[0] == "pending"
    dispatch(bare, fake, clock)  # the platform is back
    assert [m.title for m in fake.posts_to("fans")] == ["Pole position: Florian Latorre"]


def test_a_post_no_longer_worth_sending_is_expired_with_the_reason(bare, stages, clock):
    channel(bare, "fans")
    play(bare, stages, 1)
    fake = FakePlatform()
    fake.fail("fans", *[SendFailed("transient", "503 Service Unavailable")] * 1000)
    for _ in range(14):  # 14 hours of outage
        dispatch(bare, fake, clock)
        clock.now += 3600
    dispatch(bare, fake, clock)
    status, error = bare.db.execute("SELECT status, last_error FROM deliveries").fetchone()
    assert status == "expired" and error == "expired: not sent within 12 h of the pole update (a post that late " \
                                            "would mislead)"
    assert fake.sent == []


def test_a_gone_channel_is_paused_and_the_others_carry_on(bare, stages, clock):
    channel(bare, "kicked")
    channel(bare, "fans")
    play(bare, stages, 1)
    fake = FakePlatform()
    fake.fail("kicked", SendFailed("gone", "403 Forbidden: bot was kicked from the group chat"))
    dispatch(bare, fake, clock)
    kicked = bare.channels.find("fake", "kicked")
    assert kicked.paused_reason.startswith("403 Forbidden")
    assert all(s.paused for s in bare.channels.subscriptions(kicked.id))
    play(bare, stages[1:3], 2)
    dispatch(bare, fake, clock)
    assert len(fake.posts_to("fans")) == 3 and fake.posts_to("kicked") == []
    # Nothing more is queued for the paused channel; its undelivered post is kept, not lost.
    assert bare.db.execute("SELECT count(*) FROM deliveries WHERE channel_id = ?", [kicked.id]).fetchone()[0] == 1
    # An admin subscribing again brings it back, and the kept post goes out.
    bare.channels.subscribe(kicked.id, "series", SERIES)
    dispatch(bare, fake, clock)
    assert [m.title for m in fake.posts_to("kicked")] == ["Pole position: Florian Latorre"]


def test_a_rejected_message_keeps_its_reason_and_is_not_retried(bare, stages, clock):
    channel(bare, "fans")
    play(bare, stages, 1)
    fake = FakePlatform()
    fake.fail("fans", SendFailed("rejected", "400 Bad Request: message is too long"))
    dispatch(bare, fake, clock)
    clock.now += 3600
    dispatch(bare, fake, clock)
    assert fake.sent == []
    assert bare.db.execute("SELECT status, last_error FROM deliveries").fetchone() == (
        "failed", "400 Bad Request: message is too long")


def test_a_correction_whose_post_was_deleted_is_posted_anew(bare, stages, clock):
    channel(bare, "fans")
    play(bare, stages, 4)
    fake = FakePlatform()
    dispatch(bare, fake, clock)
    fake.sent.clear()  # a moderator deleted everything
    play(bare, stages[5:6], 1)
    dispatch(bare, fake, clock)
    corrected = [m.title for m in fake.posts_to("fans") if m.corrected]
    assert corrected == ["Corrected: Dan Cammish wins — Porsche Carrera Cup Le Mans 2017"]


def test_language_spoiler_delay_spoiler_mode_and_role_per_channel(bare, stages, clock):
    channel(bare, "english")
    channel(bare, "french", lang="fr", spoiler_delay_min=10, spoiler_mode=1, mention_role="424242")
    play(bare, stages, 4)
    fake = FakePlatform()
    dispatch(bare, fake, clock)
    assert [m.title for m in fake.posts_to("english")][0] == "Pole position: Florian Latorre"
    french = fake.posts_to("french")
    # The results wait out the delay; the safety-car posts, which give nothing away, do not.
    assert [m.title for m in french] == ["Voiture de sécurité — Porsche Carrera Cup Le Mans 2017",
                                         "Fin de voiture de sécurité — Porsche Carrera Cup Le Mans 2017"]
    assert all(m.mention == "424242" for m in french)
    clock.now += 10 * 60 + 1
    dispatch(bare, fake, clock)
    pole, finish = fake.posts_to("french")[2:]
    assert pole.title == "Pole position — Porsche Carrera Cup Le Mans 2017"  # the title gives nothing away
    grids = [block for block in pole.blocks if hasattr(block, "rows")]
    assert grids and all(block.spoiler for block in grids)  # the grid, P1 included, is hidden too
    text = render_text(finish)
    assert "[spoiler]" in text and "Classement général" in text and "Classe B" in text
    assert all(block.spoiler for block in finish.blocks if hasattr(block, "rows"))
    assert fake.posts_to("english")[-1].mention is None


def test_a_big_fan_out_does_not_starve_a_small_one(bare, stages, clock):
    from tests.e2e.harness import race_bundle

    for i in range(60):
        channel(bare, f"crowd-{i}")
    channel(bare, "lonely", target=("event", "small-cup-2026"))
    play(bare, stages, 3)  # pole, safety car and safety car in for 60 channels: 180 live posts
    bare.store([race_bundle("small-cup", "Small Cup", [("Ann Example",), ("Bea Example",)])], "small cup")
    fake = FakePlatform()  # one send at a time: the order of sends is the order of choice
    dispatcher = bare.dispatcher({"fake": fake}, clock=clock)
    asyncio.run(dispatcher.run_until_idle(poll=0.001))
    order = [s.channel for s in fake.sent]
    assert len(order) == 181 and statuses(bare) == {"sent": 181}
    # The small fan-out's one post is the first of its turn, not the 181st.
    assert order.index("lonely") <= 1, order[:5]


def test_sends_stay_inside_the_platform_limits_without_a_single_429(bare, stages, clock):
    # Telegram's shape on a shorter clock: 10 sends per 0.2 s overall, one per 0.3 s per chat.
    limits = Limits(global_count=10, global_window=0.2, chat_count=1, chat_window=0.3)
    for i in range(40):
        channel(bare, f"fans-{i}")
    play(bare, stages, 2)  # pole, then the safety car: two posts per chat

    async def go():
        # On the loop's virtual clock (tests/virtual_time.py), which the dispatcher paces by
        # and the fake enforces its limits by: every window keeps its length, unwaited.
        loop = asyncio.get_running_loop()
        fake = FakePlatform(limits=limits, latency=0.002, clock=loop.time)
        dispatcher = bare.dispatcher({"fake": fake}, clock=clock, pace=loop.time)
        await dispatcher.run_until_idle(poll=0.005)
        return fake

    fake = virtual_time.run(go())
    assert fake.throttled == 0
    assert len(fake.sent) == 80 and statuses(bare) == {"sent": 80}
    times = [s.at for s in fake.sent]
    assert all(later - earlier >= 0.2 for earlier, later in zip(times, times[10:]))
    for i in range(40):
        pole, safety_car = [s for s in fake.sent if s.channel == f"fans-{i}"]
        assert pole.message.title.startswith("Pole") and safety_car.at - pole.at >= 0.3


def test_reminders_go_out_each_channel_s_minutes_before(bare, clock, tmp_path):
    from datetime import datetime, timedelta, timezone

    start = datetime.fromtimestamp(clock.now, timezone.utc) + timedelta(minutes=90)
    file = tmp_path / "soon.toml"
    file.write_text(LE_MANS_FILE.read_text(encoding="utf-8").replace(
        'status = "final"\nstart = 2017-06-17', f'status = "scheduled"\nstart = {start.isoformat()}'), encoding="utf-8")
    channel(bare, "early", reminders_min=60)
    channel(bare, "late", reminders_min=15)
    channel(bare, "never")
    bare.import_files([file])
    bare.announcer.remind(datetime.fromtimestamp(clock.now, timezone.utc))
    rows = dict(bare.db.execute(
        "SELECT c.address, d.not_before FROM deliveries d JOIN channels c ON c.id = d.channel_id "
        "JOIN updates u ON u.id = d.update_id WHERE u.kind = 'reminder'").fetchall())
    assert rows == {"early": pytest.approx(start.timestamp() - 3600), "late": pytest.approx(start.timestamp() - 900)}
    bare.announcer.remind(datetime.fromtimestamp(clock.now, timezone.utc))  # the job firing twice
    assert bare.db.execute("SELECT count(*) FROM updates WHERE kind = 'reminder'").fetchone()[0] == 1
    clock.now = start.timestamp() - 3599
    fake = FakePlatform()
    dispatch(bare, fake, clock)
    reminders = {s.channel: s.message.title for s in fake.sent if "starts soon" in s.message.title}
    assert reminders == {"early": "Race starts soon — Porsche Carrera Cup Le Mans 2017"}


def test_config_presets_set_up_channels_and_applying_them_again_changes_nothing(bare, stages, clock):
    presets = (
        ChannelPreset("fake", "paris", "Fans in Paris", (("event", "porsche-carrera-cup-le-mans-2017"),), ("pole",),
                      (("lang", "fr"), ("timezone", "Europe/Paris"))),
        ChannelPreset("fake", "everyone"),
    )
    first = apply_presets(bare.channels, presets)
    again = apply_presets(bare.channels, presets)
    assert first == again and [c.address for c in again] == ["paris", "everyone"]
    assert (again[0].lang, again[0].timezone, again[0].name) == ("fr", "Europe/Paris", "Fans in Paris")
    assert [(s.target_kind, s.kinds) for s in bare.channels.subscriptions(again[0].id)] == [("event", ("pole",))]
    assert bare.db["subscriptions"].count == 2
    play(bare, stages, 2)
    fake = FakePlatform()
    dispatch(bare, fake, clock)
    assert [m.title for m in fake.posts_to("paris")] == ["Pole position : Florian Latorre"]
    assert len(fake.posts_to("everyone")) == 2  # pole and safety car


def test_the_daily_digest_goes_once_to_channels_that_opted_in(bare, stages, clock):
    channel(bare, "digest-en", digest=True)
    channel(bare, "digest-fr", digest=True, lang="fr")
    channel(bare, "hidden", digest=True, spoiler_mode=True, spoiler_delay_min=30)
    channel(bare, "no-digest")
    play(bare, stages, 6)
    fake = FakePlatform()
    dispatch(bare, fake, clock)
    now = datetime.fromtimestamp(clock.now, timezone.utc)
    recorded = bare.announcer.digest(now)
    assert bare.announcer.digest(now).new == ()  # the same day again: no second digest
    assert recorded.deliveries == 3
    dispatch(bare, fake, clock)
    digest = fake.posts_to("digest-en")[-1]
    assert digest.title == "Daily digest — Porsche Carrera Cup Le Mans 2017"
    text = render_text(digest)
    for line in ("Posted in the last 24 hours:", "• Pole position: Florian Latorre", "• Dan Cammish wins",
                 "• Christophe Lapierre — Porsche Carrera Cup Le Mans 2017"):
        assert line in text
    assert "Résumé du jour" in fake.posts_to("digest-fr")[-1].title
    assert all(m.data["kind"] != "digest" for m in fake.posts_to("no-digest"))
    # The spoiler channel gets it after its delay, and it names no winner.
    assert all(m.data["kind"] != "digest" for m in fake.posts_to("hidden"))
    clock.now += 31 * 60
    dispatch(bare, fake, clock)
    hidden = render_text(fake.posts_to("hidden")[-1])
    assert "Daily digest" in hidden and "Latorre" not in hidden and " wins" not in hidden


def test_shutdown_lets_the_send_in_flight_finish_and_starts_no_other(bare, stages, clock):
    for i in range(5):
        channel(bare, f"fans-{i}")
    fake = FakePlatform(latency=0.3)

    async def go():
        engine = bare.engine({"fake": fake})
        engine.dispatcher.clock = clock
        engine.start()
        play(bare, stages, 1)  # the pole, to five channels
        while statuses(bare).get("sending") != 1:
            await asyncio.sleep(0.01)
        await engine.shutdown()

    asyncio.run(go())
    assert len(fake.sent) == 1  # the one in flight went out...
    assert statuses(bare) == {"sent": 1, "pending": 4}  # ...was recorded, and the rest wait for the next start
