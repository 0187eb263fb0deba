"""Telegram end to end: the real python-telegram-bot polling a fake Bot API on 127.0.0.1,
the real engine and dispatcher behind it."""
import os
import signal
import subprocess
import sys
from contextlib import asynccontextmanager
from html.parser import HTMLParser

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.domain import EventBundle
from bot.ports import TELEGRAM_LIMITS, UNLIMITED
from bot.sources.event_file import load_event_file
from bot.sources.replay import replay_stages
from tests.conftest import FIXTURES, LE_MANS_FILE, RACE_TITLES, ROOT, deliveries, new_store
from tests.e2e.fake_telegram import FakeTelegram
from tests.e2e.harness import race_bundle, running, run
from tests.e2e.loop_thread import LoopThread, wait

PRIVATE, GROUP, SUPERGROUP, CHANNEL = 7, -500, -1001500, -1002600
ADMIN, FAN = 1, 2
TOP_TEN = ["Dan Cammish", "Dino Zamparelli", "Alessio Rovera", "Ayhancan Güven", "Tom Oliphant", "Joffrey de Narda",
           "Valentin Hasse-Clot", "Philipp Morin", "Vincent Beltoise", "Euan McKay"]


def text_of(html_text: str) -> str:
    """What a Telegram user reads: the HTML's text, entities decoded."""
    parser = HTMLParser(convert_charrefs=True)
    chunks = []
    parser.handle_data = chunks.append
    parser.feed(html_text)
    parser.close()
    return "".join(chunks)


@asynccontextmanager
async def telegram(tmp_path, seed=True, operators=(), limits=UNLIMITED):
    """The bot polling a fake Telegram. The fake keeps no send limits, so neither does the
    bot, unless a test about 429s and pacing asks for Telegram's own (TELEGRAM_LIMITS)."""
    fake = FakeTelegram()
    base = await fake.start()
    fake.chat(PRIVATE, "private")
    fake.chat(GROUP, "group", "Porsche fans", admins=(ADMIN,))
    fake.chat(SUPERGROUP, "supergroup", "Le Mans club", admins=(ADMIN,))
    fake.chat(CHANNEL, "channel", "Pitboard news")
    app = bootstrap(Config(db_path=new_store(tmp_path / "telegram.db", seeded=seed), seed_events=seed,
                           operators=(("telegram", tuple(str(o) for o in operators)),)))
    platform = app.platform("telegram", fake.token, base_url=base, poll_timeout=1, limits=limits)
    try:
        async with running(app, "telegram", platform):
            yield fake, app
    finally:
        await fake.stop()
        app.close()


def stages():
    return replay_stages(load_event_file(LE_MANS_FILE))


def test_results_in_a_private_chat_with_buttons_to_switch_class_and_session(tmp_path):
    async def scenario():
        async with telegram(tmp_path) as (fake, app):
            fake.say(PRIVATE, "/results lemans")
            await fake.wait_for(lambda: fake.to(PRIVATE))
            [reply] = fake.to(PRIVATE)
            assert reply.parse_mode == "HTML"
            shown = text_of(reply.text)
            positions = [shown.index(name) for name in TOP_TEN + ["Christophe Lapierre", "Nicolas Misslin", "Roar Lindland"]]
            assert positions == sorted(positions)
            buttons = {b["text"]: b["callback_data"] for row in reply.reply_markup["inline_keyboard"] for b in row}
            assert set(buttons) == {"🖼 Card", "Qualifying", "• Race", "• All classes", "Overall", "Class B"}
            fake.press(reply, buttons["Class B"])
            await fake.wait_for(lambda: fake.edits)
            class_b = text_of(fake.edits[-1].text)
            assert "Christophe Lapierre" in class_b and "Dan Cammish" not in class_b
            fake.press(reply, buttons["Qualifying"])
            await fake.wait_for(lambda: len(fake.edits) == 2)
            assert "Florian Latorre" in text_of(fake.edits[-1].text)
            assert len(fake.answered) == 2  # every button press is acknowledged

    run(scenario())


def test_commands_menu_is_published_in_english_and_french(tmp_path):
    async def scenario():
        async with telegram(tmp_path) as (fake, app):
            names = [c.name for c in app.registry]
            assert [c["command"] for c in fake.commands[""]] == names
            assert [c["command"] for c in fake.commands["fr"]] == names
            english = {c["command"]: c["description"] for c in fake.commands[""]}
            french = {c["command"]: c["description"] for c in fake.commands["fr"]}
            assert english["results"] != french["results"]
            assert all(3 <= len(d) <= 256 for d in [*english.values(), *french.values()])
            fake.say(PRIVATE, "/start")
            await fake.wait_for(lambda: fake.to(PRIVATE))
            assert "/results" in text_of(fake.to(PRIVATE)[0].text)

    run(scenario())


def test_groups_answer_commands_addressed_to_the_bot_and_ignore_other_bots(tmp_path):
    async def scenario():
        async with telegram(tmp_path) as (fake, app):
            fake.say(SUPERGROUP, "/results@OtherBot lemans")
            fake.say(SUPERGROUP, "/weather")  # another bot's command
            fake.say(SUPERGROUP, "/pole@PitboardBot lemans")
            fake.say(SUPERGROUP, "/help@PitboardBot")  # answered after the others were read
            await fake.wait_for(lambda: len(fake.to(SUPERGROUP)) >= 2)
            pole, help_ = fake.to(SUPERGROUP)
            assert "Florian Latorre" in text_of(pole.text) and "4:08.576" in text_of(pole.text)
            assert "/results" in text_of(help_.text)

    run(scenario())


def test_only_group_admins_may_subscribe_and_a_subscribed_group_gets_each_post_once(tmp_path):
    async def scenario():
        async with telegram(tmp_path, seed=False) as (fake, app):
            fake.say(GROUP, "/subscribe all", user_id=FAN)
            await fake.wait_for(lambda: fake.to(GROUP))
            assert text_of(fake.to(GROUP)[0].text) == "Only the channel's admins can use /subscribe."
            assert app.db["subscriptions"].count == 0
            fake.say(GROUP, "/subscribe all", user_id=ADMIN)
            await fake.wait_for(lambda: len(fake.to(GROUP)) == 2)
            assert app.db["subscriptions"].count == 1
            for stage in stages()[:2]:  # the pole, then the safety car: facts land while the bot runs
                app.store([stage.bundle], stage.label)
            app.store([stages()[0].bundle], "the same facts again")
            await fake.wait_for(lambda: deliveries(app.db) == {"sent": 2})  # nothing more can be sent
            posts = [text_of(s.text).split("\n")[0] for s in fake.to(GROUP)[2:]]
            assert posts == ["Pole position: Florian Latorre", "Safety car — Porsche Carrera Cup Le Mans 2017"]

    run(scenario())


def test_a_broadcast_channel_subscribes_and_receives_announcements(tmp_path):
    async def scenario():
        async with telegram(tmp_path, seed=False) as (fake, app):
            fake.post_in_channel(CHANNEL, "/subscribe all kinds:pole")
            await fake.wait_for(lambda: fake.to(CHANNEL))
            assert text_of(fake.to(CHANNEL)[0].text) == "This channel now follows every series and event (pole)."
            app.store([stages()[0].bundle], "qualifying")
            await fake.wait_for(lambda: len(fake.to(CHANNEL)) == 2)
            assert text_of(fake.to(CHANNEL)[1].text).startswith("Pole position: Florian Latorre")
            fake.post_in_channel(CHANNEL, "/results lemans")
            await fake.wait_for(lambda: len(fake.to(CHANNEL)) == 3)

    run(scenario())


def hostile_bundle() -> EventBundle:
    names = ["<b>Bold</b>", "Tom & Jerry", "</code><pre>"]
    quotes = [(names[i % 3], f"Quote {i}: @everyone <i>look</i> & see") for i in range(1, 8)]
    return race_bundle("hostile-cup", "Hostile <Cup>", [(n,) for n in names], quotes=quotes)


def test_hostile_names_are_shown_literally_and_quotes_page_with_buttons(tmp_path):
    async def scenario():
        async with telegram(tmp_path) as (fake, app):
            app.store([hostile_bundle()], "hostile")
            fake.say(PRIVATE, "/results hostile")
            await fake.wait_for(lambda: fake.to(PRIVATE))
            html_text = fake.to(PRIVATE)[0].text
            shown = text_of(html_text)
            for name in ("<b>Bold</b>", "Tom & Jerry", "</code><pre>", "Hostile <Cup>"):
                assert name in shown
            assert "&lt;b&gt;Bold&lt;/b&gt;" in html_text and "Tom &amp; Jerry" in html_text
            fake.say(PRIVATE, "/quotes hostile")
            await fake.wait_for(lambda: len(fake.to(PRIVATE)) == 2)
            page = fake.to(PRIVATE)[1]
            assert "(1/3)" in text_of(page.text) and text_of(page.text).count("Quote ") == 3
            [[forward]] = page.reply_markup["inline_keyboard"]
            fake.press(page, forward["callback_data"])
            await fake.wait_for(lambda: fake.edits)
            second = text_of(fake.edits[-1].text)
            assert "(2/3)" in second and "Quote 4" in second and "Quote 1:" not in second

    run(scenario())


def test_429_then_success_chat_migrated_and_a_kicked_bot(tmp_path):
    async def scenario():
        async with telegram(tmp_path, seed=False, limits=TELEGRAM_LIMITS) as (fake, app):
            for chat in (GROUP, SUPERGROUP, CHANNEL):
                app.channels.subscribe(app.channels.ensure("telegram", str(chat)).id, "all", "", ("pole",))
            fake.fail(GROUP, 400, "Bad Request: group chat was upgraded to a supergroup chat", migrate_to_chat_id=-1009999)
            fake.chat(-1009999, "supergroup", "Porsche fans (super)")
            fake.fail(SUPERGROUP, 429, "Too Many Requests: retry after 1", retry_after=1)
            fake.fail(CHANNEL, 403, "Forbidden: bot was kicked from the channel chat")
            app.store([stages()[0].bundle], "qualifying")
            await fake.wait_for(lambda: fake.to(-1009999) and fake.to(SUPERGROUP), timeout=15)
            # Both live chats' deliveries sent, the kicked channel's kept but paused (never
            # sent to): nothing more can go out, so the counts below are final.
            await fake.wait_for(lambda: deliveries(app.db) == {"sent": 2, "pending": 1}
                                and app.channels.find("telegram", str(CHANNEL)).paused_reason)
            assert len(fake.to(-1009999)) == len(fake.to(SUPERGROUP)) == 1  # once each, after the errors
            assert fake.to(GROUP) == [] and fake.to(CHANNEL) == []
            assert not any(fake.errors.values())  # each queued error was met
            assert app.channels.find("telegram", "-1009999") is not None  # the group's channel followed it
            assert app.channels.find("telegram", str(GROUP)) is None
            kicked = app.channels.find("telegram", str(CHANNEL))
            assert "kicked" in kicked.paused_reason
            assert all(s.paused for s in app.channels.subscriptions(kicked.id))
            rows = dict(app.db.execute("SELECT c.address, d.status FROM deliveries d JOIN channels c ON c.id = d.channel_id"))
            assert rows == {"-1009999": "sent", str(SUPERGROUP): "sent", str(CHANNEL): "pending"}

    run(scenario())


def test_pitboard_run_with_a_telegram_token_answers_and_posts_the_demo_once_each(tmp_path):
    db_path = tmp_path / "run.db"
    new_store(db_path)  # an empty store: every fact arrives later
    with LoopThread(FakeTelegram()) as host:
        fake = host.fakes[0]
        host.call(fake.chat, PRIVATE, "private")
        host.call(fake.chat, GROUP, "group", "Porsche fans", admins=(ADMIN,))
        env = {k: v for k, v in os.environ.items() if k != "DISCORD_BOT_TOKEN"}
        # An empty events folder: the bot must not load the bundled race itself.
        (tmp_path / "events").mkdir()
        config = tmp_path / "pitboard.toml"
        # The fake keeps no send limits, so the bot need not pace itself to Telegram's. The
        # race is stored by this process: the bot looks for that every 50 ms, not every 2 s.
        config.write_text('[database]\nevents_dir = "events"\nseed_events = false\nwatch_interval = 0.05\n'
                          '[telegram]\nsend_limits = false\n', encoding="utf-8")
        env.update(PITBOARD_DB=str(db_path), PITBOARD_CONFIG=str(config), PYTHONPATH=str(ROOT),
                   TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_BASE_URL=fake.base_url)
        proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, cwd=ROOT)
        try:
            host.call(fake.say, GROUP, "/subscribe@PitboardBot all", user_id=ADMIN)
            wait(lambda: fake.to(GROUP), "the subscription's answer")
            # The demo's race, stage by stage, lands in the store while the bot runs.
            app = bootstrap(Config(db_path=db_path, seed_events=False))
            race = stages()
            for stage in race[:5]:
                app.store([stage.bundle], stage.label)
            host.call(fake.say, PRIVATE, "/results lemans")
            wait(lambda: fake.to(PRIVATE), "/results lemans")
            # Every post sent (and marked so: the bot is done writing) before the correction.
            wait(lambda: deliveries(app.db) == {"sent": len(RACE_TITLES)}, "the demo's posts")
            app.store([race[5].bundle], race[5].label)  # the classification becomes final
            wait(lambda: fake.edits, "the correction")
            # Every delivery sent (the correction too): nothing more can go out, no double can come.
            wait(lambda: deliveries(app.db) == {"sent": len(RACE_TITLES)}, "every delivery sent")
            app.close()
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=20)
        finally:
            proc.kill()
        shown = text_of(fake.to(PRIVATE)[0].text)
        for name in TOP_TEN + ["Christophe Lapierre", "Nicolas Misslin", "Roar Lindland"]:
            assert name in shown
        titles = [text_of(s.text).split("\n")[0] for s in fake.to(GROUP)[1:]]
        assert titles == RACE_TITLES
        # The final classification corrected the finish post in place.
        [edit] = fake.edits
        assert edit.message_id == fake.to(GROUP)[4].message_id
        assert text_of(edit.text).startswith("Corrected: Dan Cammish wins")
    assert proc.returncode == 0, err.decode()
    assert fake.token not in err.decode() and "TEST-token" not in err.decode()


def test_admins_can_be_anonymous_or_the_owner_and_french_users_get_french(tmp_path):
    async def scenario():
        async with telegram(tmp_path) as (fake, app):
            fake.chat(-700, "supergroup", "Owners' club", owner=ADMIN)
            fake.say(SUPERGROUP, "/subscribe lemans", anonymous=True)
            fake.say(-700, "/subscribe lemans", user_id=ADMIN)
            await fake.wait_for(lambda: fake.to(SUPERGROUP) and fake.to(-700))
            assert app.db["subscriptions"].count == 2
            fake.say(PRIVATE, "/pole lemans", language="fr")
            await fake.wait_for(lambda: fake.to(PRIVATE))
            assert "4'08\"576" in text_of(fake.to(PRIVATE)[0].text)  # French notation, French words
            assert "pole position" in text_of(fake.to(PRIVATE)[0].text).lower()

    run(scenario())


def test_crafted_or_stale_button_data_runs_nothing(tmp_path):
    async def scenario():
        async with telegram(tmp_path) as (fake, app):
            fake.say(PRIVATE, "/results lemans")
            await fake.wait_for(lambda: fake.to(PRIVATE))
            reply = fake.to(PRIVATE)[0]
            for data in ("l|²|/settings language:fr", "l|0|/subscribe all", "k|0|unknownkey", "zzz", ""):
                fake.press(reply, data, language="fr")
            await fake.wait_for(lambda: len(fake.answered) == 5)
            assert fake.edits == [] and app.db["subscriptions"].count == 0 and len(fake.to(PRIVATE)) == 1

    run(scenario())


def test_a_long_post_interrupted_halfway_is_finished_without_doubling_its_first_part(tmp_path):
    async def scenario():
        async with telegram(tmp_path, seed=False, limits=TELEGRAM_LIMITS) as (fake, app):
            app.channels.subscribe(app.channels.ensure("telegram", str(SUPERGROUP)).id, "all", "", ("finish",))
            fake.fail_after(SUPERGROUP, 1, 429, "Too Many Requests: retry after 1", retry_after=1)
            app.store([long_race()], "a big field")
            # The post finished after the 429: its one delivery sent, nothing more can go out.
            await fake.wait_for(lambda: deliveries(app.db) == {"sent": 1}, timeout=20)
            parts = [text_of(s.text) for s in fake.to(SUPERGROUP)]
            assert len(parts) == len(set(parts)) == 3  # three parts, each once
            shown = "".join(parts)
            assert all(f"Driver {i:03d}" in shown for i in range(1, 301))
            refused_at = next(t for chat, t in fake.refused if chat == SUPERGROUP)
            assert fake.to(SUPERGROUP)[1].at - refused_at >= 0.9  # Telegram's retry_after was honoured
            [[address, message_ids]] = app.db.execute("SELECT c.address, d.message_id FROM deliveries d "
                                                      "JOIN channels c ON c.id = d.channel_id").fetchall()
            assert message_ids.split(",") == [str(s.message_id) for s in fake.to(SUPERGROUP)]

    run(scenario())


def long_race() -> EventBundle:
    return race_bundle("big-cup", "Big Cup", [(f"Driver {i:03d}",) for i in range(1, 301)], status="finished",
                       team="Team number 1", laps=40)


def test_a_correction_of_another_length_adds_or_removes_messages(tmp_path):
    async def scenario():
        fake = FakeTelegram()
        base = await fake.start()
        fake.chat(GROUP, "group", "Porsche fans")
        app = bootstrap(Config(db_path=new_store(tmp_path / "telegram.db", seeded=True)))
        platform = app.platform("telegram", fake.token, base_url=base, poll_timeout=1)
        await platform.start()
        try:
            short = app.ask("/pole lemans", app.context())
            long = app.ask("/results big", app.context()) if app.store([long_race()], "big") else None
            ref = await platform.send(str(GROUP), short, nonce="n1")
            grown = await platform.edit(ref, long)
            ids = grown.message_id.split(",")
            assert len(ids) == 3 and ids[0] == ref.message_id and len(fake.to(GROUP)) == 3
            shrunk = await platform.edit(grown, short)
            assert shrunk.message_id == ref.message_id
            assert fake.deleted == [(GROUP, int(ids[1])), (GROUP, int(ids[2]))]
        finally:
            await platform.stop()
            await fake.stop()
            app.close()

    run(scenario())


def test_pitboard_run_with_a_wrong_token_says_so_without_printing_it(tmp_path):
    with LoopThread(FakeTelegram()) as host:
        fake = host.fakes[0]
        env = {k: v for k, v in os.environ.items() if k != "DISCORD_BOT_TOKEN"}
        env.update(PITBOARD_DB=str(tmp_path / "run.db"), PYTHONPATH=str(ROOT), TELEGRAM_BOT_TOKEN="999:WRONG-secret-x",
                   TELEGRAM_API_BASE_URL=fake.base_url)
        proc = subprocess.run([sys.executable, "-m", "bot", "run"], stdin=subprocess.DEVNULL, capture_output=True,
                              env=env, cwd=ROOT, timeout=60)
    err = proc.stderr.decode()
    assert proc.returncode == 1
    assert "Could not start telegram" in err and "Check its token" in err
    assert "WRONG-secret-x" not in err and "WRONG-secret-x" not in proc.stdout.decode()


def test_a_report_sent_with_ingest_waits_for_the_operator_to_press_publish(tmp_path):
    text = (FIXTURES / "reports" / "fr_gt4_nogaro.txt").read_text(encoding="utf-8")

    async def scenario():
        async with telegram(tmp_path, operators=(ADMIN,)) as (fake, app):
            fake.say(GROUP, "/ingest " + text, user_id=ADMIN)
            await fake.wait_for(lambda: fake.to(GROUP))
            listing = fake.to(GROUP)[0]
            [[button]] = listing.reply_markup["inline_keyboard"]
            assert "facts found" in text_of(listing.text) and button["text"] == "Publish"
            reports = "SELECT count(*) FROM sources WHERE id LIKE 'report-%'"
            assert app.db.execute(reports).fetchone()[0] == 0
            fake.press(listing, button["callback_data"], user_id=FAN)
            await fake.wait_for(lambda: len(fake.answered) == 1)  # answered once the refusal has run
            assert app.db.execute(reports).fetchone()[0] == 0 and fake.edits == []
            fake.press(listing, button["callback_data"], user_id=ADMIN)
            await fake.wait_for(lambda: fake.edits)
            assert text_of(fake.edits[0].text) == "Published 19 facts from the report."
            assert app.db.execute(reports).fetchone()[0] == 1

    run(scenario())


def test_a_report_sent_as_a_file_is_read_and_waits_for_publish(tmp_path):
    data = (FIXTURES / "reports" / "en_gt_monza.txt").read_bytes()

    async def scenario():
        async with telegram(tmp_path, operators=(ADMIN,)) as (fake, app):
            fake.send_file(GROUP, "monza.txt", data, "/ingest", user_id=FAN)
            fake.send_file(GROUP, "monza.txt", data, "/ingest", user_id=ADMIN)
            await fake.wait_for(lambda: len(fake.to(GROUP)) == 2)
            # Updates are handled side by side: the quick refusal may come first.
            refusal, listing = sorted(fake.to(GROUP), key=lambda s: "facts found" in text_of(s.text))
            assert text_of(refusal.text) == "Only the channel's admins can use /ingest."
            assert "facts found" in text_of(listing.text) and "Maria Costa" in text_of(listing.text)
            assert listing.reply_markup["inline_keyboard"][0][0]["text"] == "Publish"

    run(scenario())


def test_pitboard_replay_to_one_telegram_chat_posts_there_only_in_its_language(tmp_path):
    """`pitboard replay … --channel telegram:ID`: the real python-telegram-bot sends the
    replay's posts to that one chat (as it is set: French here), none to the chats that
    follow everything, and the database is left as it was."""
    import json

    from tests.conftest import dump
    from tests.integration.test_replay import OUR_RACE, RESULT

    db_path = tmp_path / "replay.db"
    app = bootstrap(Config(db_path=new_store(db_path, seeded=True), seed_events=False))
    for chat in (PRIVATE, GROUP):
        channel = app.channels.ensure("telegram", str(chat))
        app.channels.subscribe(channel.id, "all", "")
    app.channels.configure(app.channels.find("telegram", str(GROUP)).id, lang="fr")
    before = dump(app.db)
    app.close()
    control, result = tmp_path / "race_control.json", tmp_path / "session_result.json"
    control.write_text(json.dumps(OUR_RACE), encoding="utf-8")
    result.write_text(json.dumps(RESULT), encoding="utf-8")
    with LoopThread(FakeTelegram()) as host:
        fake = host.fakes[0]
        host.call(fake.chat, PRIVATE, "private")
        host.call(fake.chat, GROUP, "group", "Porsche fans", admins=(ADMIN,))
        config = tmp_path / "pitboard.toml"
        config.write_text("[telegram]\nsend_limits = false\n", encoding="utf-8")  # the fake keeps none
        env = {k: v for k, v in os.environ.items() if k != "DISCORD_BOT_TOKEN"}
        env.update(PITBOARD_DB=str(db_path), PYTHONPATH=str(ROOT), TELEGRAM_BOT_TOKEN=fake.token,
                   TELEGRAM_API_BASE_URL=fake.base_url, PITBOARD_CONFIG=str(config))
        done = subprocess.run([sys.executable, "-m", "bot", "replay", str(control), str(result), "--event", "lemans",
                               "--speed", "20000", "--poll", "0.05", "--channel", f"telegram:{GROUP}"],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
        sent_group, sent_private = host.call(fake.to, GROUP), host.call(fake.to, PRIVATE)
    assert done.returncode == 0, done.stderr
    titles = [text_of(s.text).split("\n")[0] for s in sent_group]
    assert titles[0].startswith("Voiture de sécurité virtuelle") and len(titles) == 7, titles
    assert sent_private == [] and "Traceback" not in done.stderr
    reopened = bootstrap(Config(db_path=db_path, seed_events=False))
    try:
        assert dump(reopened.db) == before
    finally:
        reopened.close()


def test_a_report_without_a_heading_about_a_known_race_is_published_onto_it_from_the_chat(tmp_path):
    """A new user's report, pasted with /ingest: no "YEAR - Name" heading, only the race as a
    journalist tells it. It is attached to the known Le Mans race by the drivers it names,
    listed, and published onto that race when the operator presses Publish."""
    text = ("Dan Cammish took the honours in Saturday's Porsche Carrera Cup round at Le Mans, finishing ahead "
            "of Dino Zamparelli and Alessio Rovera after a race that had started behind the safety car. "
            "\u201cWinning here, on this track, in front of this crowd, is something I will never forget,\u201d "
            "said Cammish after the podium ceremony.")

    async def scenario():
        async with telegram(tmp_path, operators=(ADMIN,)) as (fake, app):
            events_before = [e.id for e in app.queries.events()]
            fake.say(GROUP, "/ingest " + text, user_id=ADMIN)
            await fake.wait_for(lambda: fake.to(GROUP))
            listing = fake.to(GROUP)[0]
            assert "facts found" in text_of(listing.text), text_of(listing.text)
            [[button]] = listing.reply_markup["inline_keyboard"]
            fake.press(listing, button["callback_data"], user_id=ADMIN)
            await fake.wait_for(lambda: fake.edits)
            assert text_of(fake.edits[0].text).startswith("Published ")
            assert [e.id for e in app.queries.events()] == events_before  # no event made up
            event_id = app.queries.find_event("lemans 2017").event_id
            assert any(q.text.startswith("Winning here") and q.speaker == "Dan Cammish"
                       for q in app.queries.quotes(event_id))

    run(scenario())
