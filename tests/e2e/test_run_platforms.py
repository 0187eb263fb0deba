"""`pitboard run` as a user starts it, with both platform tokens pointing at loopback fakes:
one process answers on Discord and Telegram, and one race reaches a Discord channel and a
Telegram group, each post exactly once."""
import os
import signal
import subprocess
import sys

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.sources.event_file import load_event_file
from bot.sources.replay import replay_stages
from tests.conftest import LE_MANS_FILE, RACE_TITLES, ROOT, deliveries, new_store
from tests.e2e import fake_discord
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_telegram import FakeTelegram
from tests.e2e.loop_thread import LoopThread, wait
from tests.e2e.test_telegram import text_of

GROUP, PRIVATE, ADMIN = -500, 7, 1
TOP_TEN = ["Dan Cammish", "Dino Zamparelli", "Alessio Rovera", "Ayhancan Güven", "Tom Oliphant", "Joffrey de Narda",
           "Valentin Hasse-Clot", "Philipp Morin", "Vincent Beltoise", "Euan McKay"]


def test_one_process_serves_both_platforms_and_posts_each_update_once_on_each(tmp_path):
    db_path = tmp_path / "run.db"
    new_store(db_path)  # an empty store: every fact arrives later
    (tmp_path / "events").mkdir()  # the bot must not load the bundled race by itself
    config = tmp_path / "pitboard.toml"
    # The fakes keep no send limits, so the bot need not pace itself to the platforms'. The
    # fake Discord has one server: no need to wait 2 s for more before the bot is ready. The
    # race is stored by this process: the bot looks for that every 50 ms, not every 2 s.
    config.write_text('[database]\nevents_dir = "events"\nseed_events = false\nwatch_interval = 0.05\n'
                      '[telegram]\nsend_limits = false\n'
                      '[discord]\nsend_limits = false\nguild_ready_timeout = 0.1\n', encoding="utf-8")
    discord, telegram = FakeDiscord(), FakeTelegram()
    with LoopThread(discord, telegram) as fakes:
        fakes.call(telegram.chat, GROUP, "group", "Porsche fans", admins=(ADMIN,))
        env = dict(os.environ, PITBOARD_DB=str(db_path), PITBOARD_CONFIG=str(config), PYTHONPATH=str(ROOT),
                   TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_API_BASE_URL=telegram.base_url,
                   DISCORD_BOT_TOKEN=discord.token, DISCORD_API_BASE_URL=discord.api_base_url,
                   DISCORD_GATEWAY_URL=discord.gateway_url)
        proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
        try:
            wait(lambda: discord.identified and discord.commands, "the Discord gateway and commands")
            fakes.run(discord.command("subscribe", fake_discord.TEXT, fake_discord.ADMIN, target="all"))
            fakes.call(telegram.say, GROUP, "/subscribe all", user_id=ADMIN)
            app = bootstrap(Config(db_path=db_path, seed_events=False))
            wait(lambda: app.db["subscriptions"].count == 2, "both subscriptions")
            race = replay_stages(load_event_file(LE_MANS_FILE))
            for stage in race[:5]:
                app.store([stage.bundle], stage.label)
            # Every post sent on both (and marked so: the bot is done writing) before the correction.
            wait(lambda: deliveries(app.db) == {"sent": 2 * len(RACE_TITLES)}, "the race's posts")
            app.store([race[5].bundle], race[5].label)  # final classification: a correction on both
            wait(lambda: discord.edits and telegram.edits, "the corrections")
            fakes.run(discord.command("results", event="lemans"))
            wait(lambda: any(r.get("type") == 4 for r in discord.responses), "/results on Discord")
            # Every delivery sent on both (the corrections too): nothing more can go out, no double can come.
            wait(lambda: deliveries(app.db) == {"sent": 2 * len(RACE_TITLES)}, "every delivery sent")
            app.close()
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=30)
        finally:
            proc.kill()
    err = err.decode()
    assert proc.returncode == 0, err
    assert [p.body["embeds"][0]["title"] for p in discord.to(fake_discord.TEXT)] == RACE_TITLES
    assert [text_of(s.text).split("\n")[0] for s in telegram.to(GROUP)[1:]] == RACE_TITLES
    assert [e.id for e in discord.edits] == [discord.to(fake_discord.TEXT)[3].id]
    assert [e.message_id for e in telegram.edits] == [telegram.to(GROUP)[4].message_id]
    answer = next(r for r in discord.responses if r.get("type") == 4)
    shown = answer["data"]["embeds"][0]["description"]
    order = [shown.index(n) for n in TOP_TEN + ["Christophe Lapierre", "Nicolas Misslin", "Roar Lindland"]]
    assert order == sorted(order)
    assert discord.token not in err and telegram.token not in err
