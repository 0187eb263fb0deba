"""Trust, tried as an attacker would: who may publish facts, pending tokens bound to a chat
and a person, reports that cannot stall the bot, hostile files, and credentials kept out
of everything shown."""
import asyncio
import logging
import os
import threading
from dataclasses import replace

import pytest

from bot.bootstrap import bootstrap
from bot.config import Config, ConfigError, load_config
from bot.reports.fetch import FetchRefused
from bot.reports.worker import ReportWorker
from bot.runner import _Redacting
from bot.sources.event_file import load_event_file
from bot.sources.fields import FileError
from bot.sources.folder import EventFolder
from tests.conftest import FIXTURES, LE_MANS_FILE, dump

REPORT = (FIXTURES / "reports" / "fr_gt4_nogaro.txt").read_text(encoding="utf-8")
FAN, OPERATOR, OTHER_OPERATOR = "telegram:5", "telegram:1", "telegram:2"


@pytest.fixture
def desk_app(tmp_path):
    app = bootstrap(Config(db_path=tmp_path / "trust.db", seed_events=False))
    yield app
    app.close()


def chat(app, name, user, operator=False):
    """The context of `user` typing in the chat `name`, where they are an admin."""
    channel = app.channels.ensure("telegram", name)
    return app.context(is_admin=True, channel=channel, user=user, is_operator=operator)


def ask(app, ctx, command, **args):
    return asyncio.run(app.registry.run_async(ctx, command, args))


def test_a_non_operator_gets_a_preview_and_nothing_is_published_or_kept(desk_app):
    app = desk_app
    ctx = chat(app, "-100", FAN)
    before = dump(app.db)
    shown = ask(app, ctx, "ingest", report=REPORT)
    assert shown.title.startswith("Preview: ") and "nothing published" in shown.title
    assert shown.data == {"preview": True, "facts": shown.data["facts"]} and "confirm" not in shown.data
    assert "operators" in shown.blocks[-1].text
    after = dump(app.db)
    assert {t: rows for t, rows in after.items() if t != "channels"} == \
        {t: rows for t, rows in before.items() if t != "channels"}
    refused = ask(app, ctx, "confirm", token="0123456789abcdef")
    assert refused.error and refused.title.startswith("Only Pitboard's operators can use /confirm")


def test_a_pending_report_is_bound_to_its_chat_and_sender_and_expires(desk_app):
    app = desk_app
    here = chat(app, "-100", OPERATOR, operator=True)
    shown = ask(app, here, "ingest", report=REPORT)
    token = shown.data["confirm"]
    assert len(token) == 16 and token not in REPORT  # random, not a digest of the text
    elsewhere = chat(app, "-200", OPERATOR, operator=True)
    other_person = chat(app, "-100", OTHER_OPERATOR, operator=True)
    fan_here = replace(here, user=FAN, is_operator=False)
    for ctx, says in ((elsewhere, "another chat or another person"), (other_person, "another chat or another person"),
                      (fan_here, "Only Pitboard's operators")):
        refused = ask(app, ctx, "confirm", token=token)
        assert refused.error and says in refused.title
    assert app.db.execute("SELECT count(*) FROM sources WHERE kind = 'report'").fetchone()[0] == 0
    done = ask(app, here, "confirm", token=token)
    assert done.title.startswith("Published ")
    who, when = app.db.execute("SELECT published_by, published_at FROM sources WHERE kind = 'report'").fetchone()
    assert who == OPERATOR and when
    assert ask(app, here, "confirm", token=token).error  # once only

    late = ask(app, here, "ingest", report=REPORT + "\nUne phrase de plus.").data["confirm"]
    app.db.execute("UPDATE pending_reports SET expires_at = '2000-01-01T00:00:00+00:00' WHERE token = ?", [late])
    expired = ask(app, here, "confirm", token=late)
    assert expired.error and "expired" in expired.title
    assert app.db.execute("SELECT count(*) FROM pending_reports").fetchone()[0] == 0


def test_the_terminal_is_an_operator_and_may_confirm_any_report(desk_app):
    app = desk_app
    token = ask(app, chat(app, "-100", OPERATOR, operator=True), "ingest", report=REPORT).data["confirm"]
    done = app.registry.run(app.terminal(), "confirm", {"token": token})  # `pitboard confirm TOKEN`
    assert done.title.startswith("Published ")


def test_auto_publish_is_for_operators_only(tmp_path):
    app = bootstrap(Config(db_path=tmp_path / "auto.db", seed_events=False, report_auto_confidence=0.5))
    try:
        shown = ask(app, chat(app, "-100", FAN), "ingest", report=REPORT)
        assert shown.data["preview"] and app.db.execute("SELECT count(*) FROM quotes").fetchone()[0] == 0
        shown = ask(app, chat(app, "-100", OPERATOR, operator=True), "ingest", report=REPORT)
        assert shown.title.startswith("Published ") and app.db.execute("SELECT count(*) FROM quotes").fetchone()[0]
    finally:
        app.close()


def test_one_person_has_a_bounded_number_of_reports_in_reading(desk_app):
    app = desk_app
    release = asyncio.Event()
    asked = []

    async def slow_fetch(url, allow=None):
        asked.append(url)
        await release.wait()
        raise FetchRefused("example.invalid took longer than 20 s to answer; try another link.")

    app.reports.fetch = slow_fetch
    ctx = chat(app, "-100", FAN)

    async def scenario():
        first = [asyncio.create_task(app.registry.run_async(ctx, "ingest", {"report": f"https://example.invalid/{i}"}))
                 for i in range(2)]
        while len(asked) < 2:
            await asyncio.sleep(0)
        third = await app.registry.run_async(ctx, "ingest", {"report": "https://example.invalid/3"})
        release.set()
        return third, await asyncio.gather(*first)

    third, first = asyncio.run(scenario())
    assert third.error and third.title.startswith("You already have 2 reports being read")
    assert len(asked) == 2 and all("took longer" in m.title for m in first)


def test_a_report_that_overruns_its_deadline_is_stopped_and_the_loop_kept_free(desk_app):
    app = desk_app
    app.reports.worker = ReportWorker(deadline=0.3)
    hostile = "« Alpha Beta Gamma Delta » a déclaré Jean Dupont. " * 60_000  # ~3 MB of quotes to attribute
    ctx = chat(app, "-100", FAN)
    order = []

    async def scenario():
        reading = asyncio.create_task(app.registry.run_async(ctx, "ingest", {"report": hostile}))
        answered = await app.ask_async("/events", app.context())  # another chat, meanwhile
        order.append("events" if not reading.done() else "events after the report")
        slow = await reading
        order.append("report")
        again = await app.registry.run_async(ctx, "ingest", {"report": REPORT})  # a new worker reads the next
        return answered, slow, again

    answered, slow, again = asyncio.run(scenario())
    assert order == ["events", "report"] and not answered.error
    assert slow.error and slow.title == "Reading this report took more than 0.3 seconds; send a shorter text or another link."
    assert again.title.startswith("Preview: ")


@pytest.mark.parametrize("role, stored", [("<@&123456789012345678>", "123456789012345678"), ("987", "987"),
                                          ("none", None)])
def test_a_role_is_a_role_mention_or_id(desk_app, role, stored):
    app = desk_app
    ctx = chat(app, "-100", FAN)
    assert not ask(app, ctx, "settings", role=role).error
    assert app.channels.get(ctx.channel.id).mention_role == stored


@pytest.mark.parametrize("role", ["x" * 5000, "@everyone", "fans", "<@123>", "<#123>"])
def test_anything_else_as_a_role_is_refused(desk_app, role):
    app = desk_app
    ctx = chat(app, "-100", FAN)
    refused = ask(app, ctx, "settings", role=role)
    assert refused.error and "is not a role" in refused.title and len(refused.title) < 200
    assert app.channels.get(ctx.channel.id).mention_role is None


def test_kinds_are_checked_and_given_once(desk_app):
    app = desk_app
    ctx = chat(app, "-100", FAN)
    done = ask(app, ctx, "subscribe", target="all", kinds="pole,pole,finish,pole")
    assert done.data["kinds"] == ["pole", "finish"]
    assert app.channels.subscriptions(ctx.channel.id)[0].kinds == ("finish", "pole")


# --- hostile event files ----------------------------------------------------------------

def test_a_deeply_nested_event_file_gets_a_sentence(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(FileError, match="nests tables or lists too deeply"):
        load_event_file(path)


def test_an_event_file_with_a_bom_is_read(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + LE_MANS_FILE.read_bytes())
    assert load_event_file(path).event.name == "Porsche Carrera Cup Le Mans"


def test_an_oversized_event_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.toml"
    text = LE_MANS_FILE.read_text(encoding="utf-8")
    path.write_text(text + "\n" + "# padding padding padding padding\n" * 80_000)  # ~3 MB, still valid TOML
    with pytest.raises(FileError, match=r"is 2\.\d MB; an event file is at most 2 MB"):
        load_event_file(path)


def test_a_fifo_is_refused_by_import_and_skipped_by_the_watched_folder(tmp_path, cli):
    folder = tmp_path / "events"
    folder.mkdir()
    fifo = folder / "x.toml"
    os.mkfifo(fifo)
    (folder / "race.toml").write_bytes(LE_MANS_FILE.read_bytes())
    refused = cli("import", str(fifo))
    assert refused.code == 1 and "is not a regular file" in refused.err
    done, result, errors = threading.Event(), [], []

    def poll():
        """One poll of the folder, in a thread: a blocking open of the FIFO would hang it."""
        app = bootstrap(Config(db_path=tmp_path / "folder.db", seed_events=False))
        watcher = EventFolder(folder, app.ingest)
        try:
            result.append(asyncio.run(watcher.poll()))
            errors.append(watcher.last_error)
        finally:
            app.close()
            done.set()

    threading.Thread(target=poll, daemon=True).start()
    try:
        assert done.wait(30), "the folder watcher blocked on a FIFO"
    finally:
        if not done.is_set():  # let a stuck reader go, so the test ends with its failure
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert result == [1] and "x.toml: is not a regular file" in errors[0]


# --- credentials ------------------------------------------------------------------------

CONFIG_WITH_SECRETS = """
[[sources]]
name = "reports"
kind = "rss"
url = "https://editor:hunter2@127.0.0.1:9/feed.xml?api_key=SECRETKEY&lang=fr&sig=SIGNATURE"

[[sources]]
name = "f1"
kind = "openf1"
url = "https://bot:pa55word@127.0.0.1:9/v1?token=TOKENVALUE"
session_key = 9158
event = "lemans 2017"
"""


def test_source_urls_are_shown_without_their_credentials(tmp_path, cli, monkeypatch):
    config = tmp_path / "pitboard.toml"
    config.write_text(CONFIG_WITH_SECRETS)
    monkeypatch.setenv("PITBOARD_CONFIG", str(config))
    listed = cli("sources")
    assert listed.code == 0 and "lang=fr" in listed.out and "127.0.0.1:9/feed.xml" in listed.out
    for secret in ("hunter2", "editor", "SECRETKEY", "SIGNATURE", "pa55word", "TOKENVALUE"):
        assert secret not in listed.out + listed.err


def test_log_lines_never_show_a_url_s_credentials():
    formatter = _Redacting("%(message)s", ["123:TOKEN"])
    record = logging.LogRecord("x", logging.WARNING, __file__, 1,
                               "GET https://u:hunter2@feeds.invalid/x?key=K1&access_token=K2&page=2 failed with 123:TOKEN",
                               None, None)
    line = formatter.format(record)
    assert "hunter2" not in line and "K1" not in line and "K2" not in line and "123:TOKEN" not in line
    assert "page=2" in line and "feeds.invalid/x" in line


def test_operators_are_named_in_the_config_or_the_environment(tmp_path):
    config = tmp_path / "pitboard.toml"
    config.write_text("[operators]\ntelegram = [123456789, \"42\"]\n")
    loaded = load_config({}, config)
    assert loaded.operators_of("telegram") == ("123456789", "42") and loaded.operators_of("discord") is None
    assert load_config({"PITBOARD_OPERATORS": "discord:77,telegram:5"}, tmp_path / "none.toml").operators == \
        (("discord", ("77",)), ("telegram", ("5",)))
    for bad in ("[operators]\ntelegram = [\"@someone\"]\n", "[operators]\nslack = [1]\n", "[operators]\ntelegram = 5\n"):
        config.write_text(bad)
        with pytest.raises(ConfigError, match="operators"):
            load_config({}, config)
