"""`pitboard run`, `pitboard demo` and the channel admin commands, as a user meets them."""
import asyncio
import io
import os
import signal
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import replace

import pytest

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.demo import run_demo
from bot.runner import watch_writes
from tests.conftest import NOW, ROOT


def _env(db_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_BOT_TOKEN", "TELEGRAM_BOT_TOKEN")}
    return {**env, "PITBOARD_DB": str(db_path), "PYTHONPATH": str(ROOT), **extra}


def _read_until(proc, needle: str, timeout: float = 20.0) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    os.set_blocking(proc.stdout.fileno(), False)
    while needle not in seen:
        if time.monotonic() > deadline:
            raise AssertionError(f"{needle!r} never appeared; got:\n{seen}")
        chunk = proc.stdout.read()
        if chunk:
            seen += chunk.decode()
        else:
            time.sleep(0.05)
    return seen


def _status_once_healthy(cli, patience: float = 20.0) -> dict:
    """`pitboard status --json` until it says healthy (the first heartbeat comes just
    after start-up), or the last report when patience runs out. Asked in this process (the
    `cli` fixture): the bot it looks at is the one running in its own, and a `python -m
    bot` for each look would cost most of a second to start."""
    deadline = time.monotonic() + patience
    while True:
        done = cli("status", "--json")
        report = done.json()
        if done.code == 0 or time.monotonic() > deadline:
            assert done.code == 0, report
            return report
        time.sleep(0.2)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_run_without_tokens_starts_the_console_channel_and_answers(db_path, cli, stop):
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_env(db_path),
                            cwd=ROOT)
    try:
        proc.stdin.write(b"/results lemans\n")
        proc.stdin.flush()
        out = _read_until(proc, "Roar Lindland")
        for name in ("Dan Cammish", "Euan McKay", "Christophe Lapierre", "Nicolas Misslin"):
            assert name in out
        report = _status_once_healthy(cli)
        assert report["bot"]["pid"] == proc.pid and report["platforms"] == {"console": "connected"}
        assert report["problems"] == [] and report["heartbeat_age_s"] < 60
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 0
    # Once it has stopped, status says so and exits 1 (a container's health check fails).
    after = cli("status")
    assert after.code == 1
    assert "Bot: not running" in after.out and "start it with `pitboard run`" in after.out
    err = err.decode()
    assert "Pitboard is running" in err and "finishing the sends in flight" in err
    assert err.rstrip().endswith("INFO pitboard: Stopped."), err  # SIGTERM too: the log ends on a clean stop
    assert "(console)" in err  # no token set: the console channel is the platform


def test_what_another_process_commits_wakes_the_running_bot_and_its_own_writes_do_not(app):
    """`[database] watch_interval`: the running bot looks for what other processes commit
    (their posts then go out at once); its own writes, known to it already, are no news."""
    other = bootstrap(Config(db_path=app.config.db_path))  # another process's connection
    try:
        seen = app.repositories.writes_elsewhere()
        app.channels.ensure("console", "own")
        assert app.repositories.writes_elsewhere() == seen

        async def go():
            woken = asyncio.Event()
            watching = asyncio.create_task(watch_writes(app.repositories, woken.set, 0.01))
            await asyncio.sleep(0)  # the watcher takes its first look
            assert not woken.is_set()
            other.channels.ensure("console", "elsewhere")
            try:
                await asyncio.wait_for(woken.wait(), 10)
            finally:
                watching.cancel()

        asyncio.run(go())
        assert app.repositories.writes_elsewhere() != seen
    finally:
        other.close()


def test_demo_shows_the_five_kinds_of_post_in_race_order(tmp_path):
    out = io.StringIO()
    config = replace(Config(), db_path=tmp_path / "pitboard.db")
    with redirect_stdout(out):
        assert run_demo(config, step=0.15) == 0
    text = out.getvalue()
    order = ["Pole position: Florian Latorre", "Safety car — Porsche", "Safety car in — Porsche",
             "Dan Cammish wins — Porsche", "“Gagner cette épreuve", "Christophe Lapierre — Porsche",
             "Corrected: Dan Cammish wins"]
    places = [text.index(s) for s in order]
    assert places == sorted(places)
    assert text.count("Dan Cammish wins — Porsche") == 2  # the post, then its correction, not a second post
    assert f"Demo database: {tmp_path / 'demo.db'}" in text


def test_the_demo_posts_in_the_language_asked_for(tmp_path):
    """`pitboard demo --lang fr` (or PITBOARD_LANG=fr): the posts are in French."""
    out = io.StringIO()
    with redirect_stdout(out):
        assert run_demo(replace(Config(), db_path=tmp_path / "pitboard.db", lang="fr"), step=0.15) == 0
    text = out.getvalue()
    assert "Pole position : Florian Latorre" in text or "Pole position: Florian Latorre" not in text
    assert "Voiture de sécurité — Porsche" in text and "Safety car — Porsche" not in text


def ask(app, line, admin=True, channel=None):
    return app.ask(line, app.context(now=NOW, is_admin=admin, channel=channel))


def test_admin_commands_change_what_a_channel_follows(app):
    ch = app.channels.ensure("discord", "group-1")  # a platform with roles: the settings set one
    assert "Only the channel's admins" in ask(app, "/subscribe all", admin=False, channel=ch).title
    assert ask(app, "/subscribe all", channel=None).title == "This command only works in a channel."
    done = ask(app, "/subscribe porsche-carrera-cup-france kinds:pole,finish", channel=ch)
    assert done.title == "This channel now follows the series Porsche Carrera Cup France (pole, finish)."
    assert ask(app, "/subscribe lemans", channel=ch).data["target_id"] == "porsche-carrera-cup-le-mans-2017"
    assert "Unknown kind of post “laps”" in ask(app, "/subscribe all kinds:laps", channel=ch).title
    assert "No series or event “monza”" in ask(app, "/subscribe monza", channel=ch).title
    settings = ask(app, "/settings language:fr timezone:America/New_York spoiler_delay:15 spoiler:on role:<@&424242> reminders:30",
                   channel=ch)
    assert settings.title == "Réglages de ce salon"
    assert settings.data["lang"] == "fr" and settings.data["spoiler_delay_min"] == 15 and settings.data["mention_role"] == "424242"
    assert "“Mars/Olympus” is not a time zone" in ask(app, "/settings timezone:Mars/Olympus", channel=ch).title
    ch = app.channels.get(ch.id)
    assert ask(app, "/unsubscribe lemans", channel=ch).title == "Ce salon ne suit plus Porsche Carrera Cup Le Mans 2017."
    refused = ask(app, "/unsubscribe all", channel=ch).title
    assert refused.startswith("Ce salon ne suivait pas tous les championnats et épreuves. Il suit : le championnat Porsche")


def test_cli_subscribe_and_settings_act_on_the_console_channel(cli):
    assert cli("subscribe", "all").code == 0
    shown = cli("settings", "--language", "fr", "--json").json()
    assert shown["lang"] == "fr" and shown["follows"] == [{"target_kind": "all", "target_id": "", "kinds": []}]
    assert cli("unsubscribe", "all", "--channel", "telegram:-100123").code == 1  # that chat follows nothing


def test_seed_events_false_keeps_the_bundled_events_out_and_a_file_added_later_is_imported(tmp_path):
    """With `seed_events = false`, the events folder `pitboard run` watches imports only what
    arrives while it runs: the demo race already there is never posted to anyone."""
    import shutil

    from tests.conftest import new_store

    folder = tmp_path / "events"
    folder.mkdir()
    bundled = sorted((ROOT / "data" / "events").glob("*.toml"))
    shutil.copy(bundled[0], folder)
    app = bootstrap(Config(db_path=new_store(tmp_path / "quiet.db"), events_dir=folder, seed_events=False))
    try:
        watcher = app.event_folder()
        assert asyncio.run(watcher.poll()) == 0 and asyncio.run(watcher.poll()) == 0
        assert app.queries.find_event("lemans").event_id is None
        # An event file dropped in while the bot runs is imported at the next look.
        added = folder / "added.toml"
        added.write_text(bundled[0].read_text(encoding="utf-8"), encoding="utf-8")
        assert asyncio.run(watcher.poll()) == 1
        assert app.queries.find_event("lemans").event_id is not None
    finally:
        app.close()


def test_the_console_channel_is_made_once_and_an_unsubscribe_all_survives_the_next_start(tmp_path):
    """`pitboard unsubscribe all`, then `pitboard run`: the console stays unsubscribed. And
    the console channel is made speaking the configured language."""
    from bot.runner import ensure_console_channel
    from tests.conftest import new_store

    app = bootstrap(Config(db_path=new_store(tmp_path / "console.db"), seed_events=False, lang="fr"))
    try:
        channel = ensure_console_channel(app)
        assert channel.lang == "fr" and [s.target_kind for s in app.channels.subscriptions(channel.id)] == ["all"]
        app.channels.unsubscribe(channel.id, "all", "")
        assert ensure_console_channel(app).id == channel.id
        assert app.channels.subscriptions(channel.id) == []
    finally:
        app.close()


def test_the_log_has_timestamps_and_a_level_to_choose(capsys, monkeypatch):
    """Log lines carry the time; `--log-level warning` (or $PITBOARD_LOG_LEVEL) hides the
    info lines; the libraries' chatter only shows at debug."""
    import logging
    import re

    from bot.runner import configure_logging

    try:
        configure_logging([], "info")
        logging.getLogger("bot.test").info("an info line")
        logging.getLogger("apscheduler.scheduler").info("Adding job tentatively")
        monkeypatch.setenv("PITBOARD_LOG_LEVEL", "warning")
        configure_logging([])
        logging.getLogger("bot.test").info("hidden at warning")
        logging.getLogger("bot.test").warning("a warning line")
        err = capsys.readouterr().err
    finally:
        logging.basicConfig(level=logging.WARNING, force=True)
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO bot.test: an info line$", err, re.M), err
    assert "Adding job" not in err and "hidden at warning" not in err and "WARNING bot.test: a warning line" in err


def test_ctrl_c_in_the_console_stops_without_a_traceback(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "bot", "console"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_env(tmp_path / "c.db"), cwd=ROOT)
    try:
        proc.stdin.write(b"/pole lemans\n")
        proc.stdin.flush()
        _read_until(proc, "Florian Latorre")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 130 and "Traceback" not in err.decode() and "Stopped." in err.decode()


def test_demo_into_a_reader_that_leaves_early_stops_at_once_and_quietly(tmp_path):
    """`pitboard demo | head -5`: when the reader goes away the demo stops, without a
    traceback and without waiting out its deadline."""
    env = _env(tmp_path / "x.db")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "demo", "--step", "0.3"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=ROOT)
    try:
        for _ in range(5):
            proc.stdout.readline()
        proc.stdout.close()  # what `head -5` does once it has its lines
        started = time.monotonic()
        err = proc.stderr.read().decode()
        proc.wait(timeout=30)
        took = time.monotonic() - started
    finally:
        proc.kill()
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert took < 20  # not the demo's 50 s deadline


def test_presets_for_a_platform_without_its_token_are_warned_of():
    from bot.channel import ChannelPreset
    from bot.runner import unserved_presets

    presets = (ChannelPreset("telegram", "-100"), ChannelPreset("telegram", "-200"), ChannelPreset("discord", "42"))
    lines = unserved_presets(presets, {"discord": object()})
    assert lines == ["Warning: 2 channel(s) are preset for telegram, which is not running (set $TELEGRAM_BOT_TOKEN "
                     "to start it); their posts wait until it is."]
    assert unserved_presets(presets, {"discord": object(), "telegram": object()}) == []


def test_the_demo_never_deletes_a_file_it_did_not_make(tmp_path):
    """`pitboard demo --db folder/x.db` uses folder/demo.db; a file of that name that is not
    the demo's own is left alone, with a sentence; the demo's own is replaced each time."""
    precious = tmp_path / "demo.db"
    precious.write_text("my notes, not a database", encoding="utf-8")
    config = replace(Config(), db_path=tmp_path / "x.db")
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        assert run_demo(config, step=0.01) == 1
    assert precious.read_text(encoding="utf-8") == "my notes, not a database"
    assert "is not a database `pitboard demo` made" in err.getvalue()
    precious.unlink()
    with redirect_stdout(io.StringIO()):
        assert run_demo(config, step=0.01) == 0 and run_demo(config, step=0.01) == 0  # its own: replaced


def test_the_demo_in_json_prints_json_lines_only(tmp_path, capsys):
    """`pitboard demo --json`: stdout is JSON Lines (each moment, each post); the closing
    hint goes to stderr."""
    import json

    assert run_demo(replace(Config(), db_path=tmp_path / "pitboard.db"), step=0.05, as_json=True) == 0
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    stages = [line["stage"] for line in lines if "stage" in line]
    posts = [line for line in lines if "message_id" in line]
    assert stages[0] == "qualifying ends" and len(posts) >= 6
    assert [p["data"]["kind"] for p in posts][:3] == ["pole", "safety_car", "safety_car_in"]
    assert any(p["corrected"] for p in posts) and "Demo database" in captured.err


def test_the_log_in_json_is_one_object_per_line_without_secrets(capsys):
    """`pitboard run --json`: each log line is a JSON object, its message redacted."""
    import json
    import logging

    from bot.runner import configure_logging

    try:
        configure_logging(["s3cr3t-token"], "info", as_json=True)
        logging.getLogger("pitboard").info("Pitboard is running")
        logging.getLogger("bot.test").warning("asked http://127.0.0.1:9/bots3cr3t-token/getMe")
        err = capsys.readouterr().err
    finally:
        logging.basicConfig(level=logging.WARNING, force=True)
    lines = [json.loads(line) for line in err.splitlines()]
    assert [(x["level"], x["logger"]) for x in lines] == [("info", "pitboard"), ("warning", "bot.test")]
    assert lines[0]["message"] == "Pitboard is running" and lines[0]["time"].endswith("+00:00")
    assert "s3cr3t" not in err and "[redacted]" in lines[1]["message"]
