"""Result cards end to end: a channel with `images` on gets its finish and pole posts with a
picture, through the real discord.py (multipart, `attachment://`) and python-telegram-bot
(sendPhoto, editMessageMedia) against the fake servers; a correction replaces the card in
place; a channel with images off gets text alone."""
import io

from PIL import Image as PILImage

from tests.conftest import deliveries
from tests.e2e.fake_discord import TEXT, NEWS
from tests.e2e.harness import run
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
    for stage in stages():
        app.store([stage.bundle], stage.label)
        if stage.label == label:
            return


def test_discord_finish_post_carries_the_card_and_its_correction_replaces_it(tmp_path):
    async def scenario():
        async with discord_bot(tmp_path, seed=False) as (fake, app):
            for channel_id, images in ((TEXT, True), (NEWS, False)):
                channel = app.channels.ensure("discord", str(channel_id))
                app.channels.configure(channel.id, images=images)
                app.channels.subscribe(channel.id, "all", "", ("pole", "finish"))
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
                channel = app.channels.ensure("telegram", str(chat))
                app.channels.configure(channel.id, images=images)
                app.channels.subscribe(channel.id, "all", "", ("finish",))
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
            await fake.wait_for(lambda: fake.responses)
            answer = fake.responses[-1]
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
            await fake.wait_for(lambda: fake.responses)
            answer = fake.responses[-1]
            [(name, _, png)] = answer["_files"]
            assert _picture(png) and answer.get("data", answer)["embeds"][0]["image"]["url"] == f"attachment://{name}"
        await fake.stop()

    (tmp_path / "t").mkdir()
    (tmp_path / "d").mkdir()
    run(on_telegram())
    run(on_discord())
