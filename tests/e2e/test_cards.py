"""Result cards end to end: a channel with `images` on gets its finish and pole posts with a
picture, through the real discord.py (multipart, `attachment://`) and python-telegram-bot
(sendPhoto, editMessageMedia) against the fake servers; a correction replaces the card in
place; a channel with images off gets text alone."""
import io

from PIL import Image as PILImage

from tests.conftest import deliveries
from tests.e2e.fake_discord import TEXT, NEWS
from tests.e2e.harness import follow, run, store_race
from tests.e2e.test_discord import discord_bot, stages
from tests.e2e.test_telegram import CHANNEL, GROUP, telegram


def _picture(png: bytes) -> PILImage.Image:
    """The PNG decoded, checked to be a real picture rather than an empty canvas."""
    picture = PILImage.open(io.BytesIO(png))
    picture.load()
    assert picture.format == "PNG" and picture.width >= 1000 and picture.height >= 300
    colours = picture.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 20  # text, badges, stripes: not a blank canvas
    return picture


def _store_until(app, label):
    """Store the race's moments up to and including `label` (as live sources would)."""
    store_race(app, stages(), label)


def test_discord_finish_post_carries_the_card_and_its_correction_replaces_it(tmp_path):
    async def scenario():
        async with discord_bot(tmp_path, seed=False) as (fake, app):
            for channel_id, images in ((TEXT, True), (NEWS, False)):
                channel = follow(app, "discord", channel_id, ("pole", "finish"), images=images)
            _store_until(app, "chequered flag")
            await fake.wait_for(lambda: deliveries(app.db) == {"sent": 4})
            pole, finish = fake.to(TEXT)
            assert [len(p.body["_files"]) for p in (pole, finish)] == [1, 1]
            name, kind, png = finish.body["_files"][0]
            assert kind == "image/png" and _picture(png)
            embed = finish.body["embeds"][0]
            assert embed["image"] == {"url": f"attachment://{name}"}  # the card shows inside the post
            [attachment] = finish.body["attachments"]
            assert attachment["filename"] == name and "Dan Cammish" in attachment["description"]
            assert all("_files" not in p.body for p in fake.to(NEWS))  # images off: text alone
            for stage in stages():
                if stage.label == "classification final":
                    app.store([stage.bundle], stage.label)
            await fake.wait_for(lambda: any(e.id == finish.id for e in fake.edits))
            edit = next(e for e in fake.edits if e.id == finish.id)
            new_name, _, new_png = edit.body["_files"][0]
            assert new_png != png and _picture(new_png)  # corrected in place: a new card, same post
            assert edit.body["attachments"] == [{"id": 0, "filename": new_name,
                                                 "description": edit.body["attachments"][0]["description"]}]
            assert edit.body["embeds"][0]["title"].startswith("Corrected: ")
            assert len(fake.to(TEXT)) == 2  # no new post
        await fake.stop()

    run(scenario())


def test_telegram_posts_the_card_as_a_photo_and_edits_it_in_place(tmp_path):
    async def scenario():
        async with telegram(tmp_path, seed=False) as (fake, app):
            for chat, images in ((CHANNEL, True), (GROUP, False)):
                channel = follow(app, "telegram", chat, ("finish",), images=images)
            _store_until(app, "chequered flag")
            await fake.wait_for(lambda: deliveries(app.db) == {"sent": 2})
            [photo] = fake.photos
            assert photo.chat_id == CHANNEL and _picture(photo.png)
            assert "Dan Cammish" in photo.caption and len(photo.caption) <= 1024
            texts = [s for s in fake.sent if s.chat_id == CHANNEL and s.text]
            assert texts and "Dan Cammish" in texts[0].text  # the full text follows the photo
            assert not any(p.chat_id == GROUP for p in fake.photos)
            for stage in stages():
                if stage.label == "classification final":
                    app.store([stage.bundle], stage.label)
            await fake.wait_for(lambda: fake.media_edits)
            [edited] = fake.media_edits
            assert edited.message_id == photo.message_id and edited.png != photo.png and _picture(edited.png)
            await fake.wait_for(lambda: any(e.chat_id == CHANNEL and "Corrected" in e.text for e in fake.edits))
            assert len(fake.photos) == 1  # replaced, not posted again
    run(scenario())


def test_results_image_true_answers_with_the_card_on_discord(tmp_path):
    """`/results lemans image:true`: the answer's first embed shows the card, uploaded with
    it (multipart), its description the card's alt text."""
    async def scenario():
        async with discord_bot(tmp_path) as (fake, app):
            await fake.command("results", event="lemans", image="true")
            await fake.wait_for(lambda: any("_files" in r for r in fake.responses))
            # Deferred first (drawing may pass Discord's 3 s), then the answer as a follow-up.
            assert fake.responses[0]["type"] == 5
            answer = next(r for r in fake.responses if "_files" in r)
            data = answer.get("data", answer)  # an interaction's answer, or a follow-up after a deferral
            [(name, _, png)] = answer["_files"]
            assert _picture(png) and data["embeds"][0]["image"]["url"] == f"attachment://{name}"
            assert "Dan Cammish" in data["attachments"][0]["description"]
            assert data["embeds"][0]["title"] == "Porsche Carrera Cup Le Mans 2017 — Race"
        await fake.stop()

    run(scenario())


def test_the_card_button_on_telegram_sends_the_picture_below_the_answer(tmp_path):
    from tests.e2e.test_telegram import PRIVATE

    async def scenario():
        async with telegram(tmp_path) as (fake, app):
            fake.say(PRIVATE, "/results lemans")
            await fake.wait_for(lambda: fake.to(PRIVATE))
            [reply] = fake.to(PRIVATE)
            buttons = {b["text"]: b["callback_data"] for row in reply.reply_markup["inline_keyboard"] for b in row}
            fake.press(reply, buttons["🖼 Card"])
            await fake.wait_for(lambda: fake.photos)
            [photo] = fake.photos
            assert photo.chat_id == PRIVATE and _picture(photo.png) and "Dan Cammish" in photo.caption
            assert fake.edits == []  # the text answer stays as it was
            fake.say(PRIVATE, "/results lemans image:true")
            await fake.wait_for(lambda: len(fake.photos) == 2)
            assert len(fake.to(PRIVATE)) >= 3  # the typed command: the card, then the text answer

    run(scenario())


def test_chart_is_answered_with_a_picture_on_telegram_and_discord(tmp_path):
    """/chart through both platforms: the chart comes as a photo (Telegram) and as the
    answer's embed image (Discord), after a lap analysis is imported."""
    from tests.conftest import FIXTURES
    from tests.e2e.test_telegram import PRIVATE
    from bot.sources.timing_import import timing_bundle

    def with_laps(app):
        app.add_source_facts(timing_bundle(app.queries, FIXTURES / "alkamel" / "lap_chart.csv", "lemans", "race"))

    async def on_telegram():
        async with telegram(tmp_path / "t") as (fake, app):
            with_laps(app)
            fake.say(PRIVATE, "/chart lemans gaps")
            await fake.wait_for(lambda: fake.photos)
            [photo] = fake.photos
            assert _picture(photo.png) and "4 cars" in photo.caption

    async def on_discord():
        async with discord_bot(tmp_path / "d") as (fake, app):
            with_laps(app)
            await fake.command("chart", event="lemans")
            await fake.wait_for(lambda: any("_files" in r for r in fake.responses))
            answer = next(r for r in fake.responses if "_files" in r)
            [(name, _, png)] = answer["_files"]
            assert _picture(png) and answer.get("data", answer)["embeds"][0]["image"]["url"] == f"attachment://{name}"
        await fake.stop()

    (tmp_path / "t").mkdir()
    (tmp_path / "d").mkdir()
    run(on_telegram())
    run(on_discord())


def test_a_refused_card_costs_neither_the_post_nor_the_channel_on_telegram(tmp_path):
    """A chat where the bot may not send photos (Telegram says "not enough rights", words it
    also uses for a chat that is gone): the finish goes out as text and the channel stays."""
    async def scenario():
        async with telegram(tmp_path, seed=False) as (fake, app):
            channel = follow(app, "telegram", CHANNEL, ("finish",), images=True)
            fake.no_photos[CHANNEL] = "Bad Request: not enough rights to send photos to the chat"
            _store_until(app, "chequered flag")
            await fake.wait_for(lambda: deliveries(app.db) == {"sent": 1})
            assert fake.photos == [] and "Dan Cammish" in fake.to(CHANNEL)[-1].text
            assert app.channels.get(channel.id).paused_reason is None

    run(scenario())


def test_a_text_part_failing_after_the_card_sends_the_card_once(tmp_path):
    """The card went out, then the text failed (a 500): the retry sends the text alone."""
    async def scenario():
        async with telegram(tmp_path, seed=False) as (fake, app):
            channel = follow(app, "telegram", CHANNEL, ("finish",), images=True)
            fake.fail(CHANNEL, 500, "Internal Server Error")
            _store_until(app, "chequered flag")
            await fake.wait_for(lambda: deliveries(app.db) == {"sent": 1}, timeout=20)
            assert len(fake.photos) == 1 and len([s for s in fake.to(CHANNEL) if s.text]) == 1

    run(scenario())


def test_behind_a_spoiler_the_card_s_words_give_nothing_away(tmp_path):
    """Spoiler mode: the photo is blurred and its caption does not name the winner; on
    Discord the card is a plain SPOILER_ attachment, never the embed's image."""
    async def on_telegram():
        async with telegram(tmp_path / "t", seed=False) as (fake, app):
            channel = follow(app, "telegram", CHANNEL, ("finish",), images=True, spoiler_mode=True)
            _store_until(app, "chequered flag")
            await fake.wait_for(lambda: fake.photos)
            [photo] = fake.photos
            assert photo.spoiler and "Cammish" not in photo.caption and "hidden" in photo.caption

    async def on_discord():
        async with discord_bot(tmp_path / "d", seed=False) as (fake, app):
            channel = follow(app, "discord", TEXT, ("finish",), images=True, spoiler_mode=True)
            _store_until(app, "chequered flag")
            await fake.wait_for(lambda: deliveries(app.db) == {"sent": 1})
            [post] = fake.to(TEXT)
            name = post.body["_files"][0][0]
            assert name.startswith("SPOILER_") and "image" not in post.body["embeds"][0]
            assert "Cammish" not in post.body["attachments"][0]["description"]
        await fake.stop()

    (tmp_path / "t").mkdir()
    (tmp_path / "d").mkdir()
    run(on_telegram())
    run(on_discord())


def test_a_refused_card_on_discord_sends_the_text_alone(tmp_path):
    """Discord refuses the upload (no Attach Files right: 403 Missing Permissions): the post
    goes out without the card; the channel is not paused."""
    async def scenario():
        async with discord_bot(tmp_path, seed=False) as (fake, app):
            channel = follow(app, "discord", TEXT, ("finish",), images=True)
            fake.fail(TEXT, 403, {"message": "Missing Permissions", "code": 50013})
            _store_until(app, "chequered flag")
            await fake.wait_for(lambda: deliveries(app.db) == {"sent": 1})
            [post] = fake.to(TEXT)
            assert "_files" not in post.body and "image" not in post.body["embeds"][0]
            assert app.channels.get(channel.id).paused_reason is None

    run(scenario())


def test_a_correction_that_fails_once_adds_one_card_only(tmp_path):
    """Images turned on after the post: its correction brings a card. The text edit fails
    once (a 500); the retry edits the text and sends the card: one card, not two."""
    async def scenario():
        async with telegram(tmp_path, seed=False) as (fake, app):
            channel = follow(app, "telegram", CHANNEL, ("finish",))
            _store_until(app, "chequered flag")
            await fake.wait_for(lambda: deliveries(app.db) == {"sent": 1})
            assert fake.photos == []
            app.channels.configure(channel.id, images=True)
            fake.fail(CHANNEL, 500, "Internal Server Error")
            for stage in stages():
                if stage.label == "classification final":
                    app.store([stage.bundle], stage.label)
            await fake.wait_for(lambda: fake.photos and deliveries(app.db) == {"sent": 1}, timeout=20)
            assert len(fake.photos) == 1 and any("Corrected" in e.text for e in fake.edits)

    run(scenario())
