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
from bot.reports.jobs import PRELOAD
from bot.workers import Workers
from bot.runner import _Redacting
from bot.sources.event_file import load_event_file
from bot.sources.fields import FileError
from bot.sources.folder import EventFolder
from tests.conftest import FIXTURES, LE_MANS_FILE, dump, new_store
from tests.loopback import Loopback

REPORT = (FIXTURES / "reports" / "fr_gt4_nogaro.txt").read_text(encoding="utf-8")
FAN, OPERATOR, OTHER_OPERATOR = "telegram:5", "telegram:1", "telegram:2"


@pytest.fixture
def desk_app(tmp_path):
    app = bootstrap(Config(db_path=new_store(tmp_path / "trust.db"), seed_events=False))
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
    app = bootstrap(Config(db_path=new_store(tmp_path / "auto.db"), seed_events=False, report_auto_confidence=0.5))
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
    app.reports.workers = Workers(deadline=0.3, preload=PRELOAD)
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
    ctx = app.context(is_admin=True, channel=app.channels.ensure("discord", "100"), user=FAN)
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
    with pytest.raises(FileError, match=r"is \d\.\d MB; an event file is at most 1 MB"):
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
        app = bootstrap(Config(db_path=new_store(tmp_path / "folder.db"), seed_events=False))
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
url = "https://bot:pa55word@127.0.0.1:9/v1?token=TOKENVALUE&pw=PWVALUE"
session_key = 9158
event = "lemans 2017"
"""


def test_source_urls_are_shown_without_their_credentials(tmp_path, cli, monkeypatch):
    config = tmp_path / "pitboard.toml"
    config.write_text(CONFIG_WITH_SECRETS)
    monkeypatch.setenv("PITBOARD_CONFIG", str(config))
    listed = cli("sources")
    assert listed.code == 0 and "lang=fr" in listed.out and "127.0.0.1:9/feed.xml" in listed.out
    for secret in ("hunter2", "editor", "SECRETKEY", "SIGNATURE", "pa55word", "TOKENVALUE", "PWVALUE"):
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


# --- what the attack review found ------------------------------------------------------------

def test_a_job_that_overruns_is_stopped_alone_and_the_next_one_is_answered():
    """One worker at a time: the second job waits its turn, and its deadline counts from its start."""
    import time as clock

    workers = Workers(deadline=0.5, slots=1)

    async def scenario():
        slow = asyncio.create_task(workers.run(clock.sleep, 30))
        quick = asyncio.create_task(workers.run(len, "abc"))
        results = await asyncio.gather(slow, quick, return_exceptions=True)
        return results, await workers.run(sum, [1, 2, 3])

    (slow, quick), again = asyncio.run(scenario())
    assert type(slow).__name__ == "WorkerTimeout" and quick == 3 and again == 6


def long_report(quotes: int, long_quote: bool = False) -> str:
    """Our own words: a short race report with many quotes (one far too long to read in a list)."""
    said = "".join(f"« Nous avons roulé fort au tour {i} et tout s'est bien passé », a déclaré Jean Dupont.\n"
                   for i in range(quotes))
    if long_quote:
        said += "« " + "Une phrase de plus encore et encore " * 30 + "», a déclaré Paul Martin.\n"
    return ("2024 - GT4 France Nogaro\nNogaro - Jean Dupont signait la pole position devant Paul Martin. "
            "Jean Dupont s'imposait en devançant Paul Martin et Luc Moreau.\n" + said)


def test_only_the_facts_listed_are_published_and_the_listing_says_what_it_left_out(desk_app):
    app = desk_app
    ctx = chat(app, "-100", OPERATOR, operator=True)
    shown = ask(app, ctx, "ingest", report=long_report(30, long_quote=True))
    listed = shown.blocks[0].items
    assert len(listed) == 25 and shown.data["facts"] == 25
    assert any("not listed" in getattr(b, "text", "") and "will not be published" in getattr(b, "text", "")
               for b in shown.blocks)
    assert all("Une phrase de plus" not in value for _, value in listed)  # the long quote is not offered
    done = ask(app, ctx, "confirm", token=shown.data["confirm"])
    assert done.title.startswith("Published ")
    stored = app.queries.quotes("gt4-france-nogaro-2024")
    assert len(stored) == sum(kind.startswith("quote") for kind, _ in listed)  # the listed quotes, no more
    assert not any("Une phrase de plus" in q.text for q in stored)


def test_facts_published_at_once_and_those_confirmed_after_are_both_kept(tmp_path):
    app = bootstrap(Config(db_path=new_store(tmp_path / "parts.db"), seed_events=False, report_auto_confidence=0.85))
    try:
        ctx = chat(app, "-100", OPERATOR, operator=True)
        shown = ask(app, ctx, "ingest", report=REPORT)
        at_once = int(shown.blocks[0].text.split()[1])
        done = ask(app, ctx, "confirm", token=shown.data["confirm"])
        confirmed = int(done.title.split()[1])
        stored = sum(app.db.execute(f"SELECT count(*) FROM {t} WHERE source_id LIKE 'report-%'").fetchone()[0]
                     for t in ("results", "incidents", "quotes"))
        assert at_once and confirmed and stored == at_once + confirmed
    finally:
        app.close()


def test_everyone_together_has_a_bounded_number_of_reports_in_reading(desk_app):
    app = desk_app
    release = asyncio.Event()

    async def slow_fetch(url, allow=None):
        await release.wait()
        raise FetchRefused("example.invalid took longer than 20 s to answer; try another link.")

    app.reports.fetch = slow_fetch

    async def scenario():
        busy = [asyncio.create_task(app.registry.run_async(chat(app, "-100", f"telegram:{i}"), "ingest",
                                                           {"report": "https://example.invalid/x"}))
                for i in range(8)]
        for _ in range(5):
            await asyncio.sleep(0)
        ninth = await app.registry.run_async(chat(app, "-100", "telegram:99"), "ingest",
                                             {"report": "https://example.invalid/x"})
        release.set()
        await asyncio.gather(*busy)
        return ninth

    ninth = asyncio.run(scenario())
    assert ninth.error and ninth.title.startswith("Many reports are being read right now")


def test_a_key_of_many_dotted_parts_is_refused_before_the_toml_reader_spends_minutes_on_it(tmp_path):
    path = tmp_path / "dotted.toml"
    path.write_text(".".join(f"k{i}" for i in range(5000)) + " = 1\n")
    with pytest.raises(FileError, match="more than 30 dotted parts"):
        load_event_file(path)


def test_discord_operators_by_default_are_the_owner_and_the_team_s_accepted_admins_and_developers():
    from types import SimpleNamespace as Data

    import discord

    from bot.platforms.discord_bot import owners

    accepted, invited = discord.TeamMembershipState.accepted, discord.TeamMembershipState.invited
    role = discord.TeamMemberRole
    team = Data(owner_id=1, members=[Data(id=2, membership_state=accepted, role=role.admin),
                                     Data(id=3, membership_state=accepted, role=role.developer),
                                     Data(id=4, membership_state=accepted, role=role.read_only),
                                     Data(id=5, membership_state=invited, role=role.admin)])
    assert owners(Data(team=team, owner=Data(id=999))) == {"1", "2", "3"}  # 999: the team's stand-in user
    assert owners(Data(team=None, owner=Data(id=7))) == {"7"}


def test_the_environment_names_one_platform_s_operators_and_leaves_the_file_s_others(tmp_path):
    config = tmp_path / "pitboard.toml"
    config.write_text("[operators]\ndiscord = [\"111\"]\ntelegram = [5]\n")
    loaded = load_config({"PITBOARD_OPERATORS": "telegram:6"}, config)
    assert loaded.operators_of("discord") == ("111",) and loaded.operators_of("telegram") == ("6",)
    assert load_config({"PITBOARD_OPERATORS": ""}, config).operators_of("telegram") == ("5",)  # empty: unset


def test_another_spelling_of_the_database_path_is_the_same_lease(tmp_path):
    from bot.store.lease import LeaseHeld, acquire_lease

    db = tmp_path / "p.db"
    db.touch()
    (tmp_path / "alias.db").symlink_to(db)
    with acquire_lease(db, "pitboard run"):
        with pytest.raises(LeaseHeld):
            acquire_lease(tmp_path / "alias.db", "pitboard run", patience=0)  # held for good: no waiting it out


def test_a_planted_lock_file_is_neither_followed_nor_a_traceback(tmp_path):
    from bot.store.lease import LeaseUnavailable, acquire_lease

    victim = tmp_path / "victim.conf"
    victim.write_text("precious")
    (tmp_path / "p.db.lock").symlink_to(victim)
    with pytest.raises(LeaseUnavailable, match="Cannot create the lock file"):
        acquire_lease(tmp_path / "p.db", "pitboard run")
    assert victim.read_text() == "precious"
    os.mkfifo(tmp_path / "q.db.lock")
    with pytest.raises(LeaseUnavailable, match="not a regular file"):
        acquire_lease(tmp_path / "q.db", "pitboard run")


@pytest.mark.parametrize("url, secret", [
    ("https://h.invalid/x?lang=en;api_key=S1", "S1"), ("https://h.invalid/v1;token=S2/x", "S2"),
    ("https://h.invalid/p#access_token=S3&x=1", "S3"), ("https://u:S4@h.invalid/", "S4"),
    ("https://h.invalid/x?Signature=S5&page=2", "S5"),
])
def test_credentials_are_hidden_wherever_they_sit_in_a_url(url, secret):
    from bot.redaction import redact_url

    assert secret not in redact_url(url) and "h.invalid" in redact_url(url)


def test_a_report_s_link_is_stored_and_shown_without_its_credentials(tmp_path, cli):
    site = Loopback()

    async def serve():
        from aiohttp import web

        async def page(request):
            return web.Response(text=REPORT, content_type="text/plain")
        return await site.start([web.get("/{p:.*}", page)])

    loop = asyncio.new_event_loop()
    base = loop.run_until_complete(serve())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        result = cli("ingest", "report", f"{base}/race.txt?api_key=KEY123&lang=fr", "--json")
    finally:
        asyncio.run_coroutine_threadsafe(site.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
    assert result.code == 0 and "KEY123" not in result.out + result.err
    app = bootstrap(Config(db_path=tmp_path / "pitboard.db"))
    try:
        row = app.db.execute("SELECT name, url, published_by FROM sources WHERE id LIKE 'report-%'").fetchone()
        assert "KEY123" not in (row[0] + (row[1] or "")) and row[2] == "terminal"
        shown = app.ask("/results nogaro 2024", app.context())
        assert "KEY123" not in str(shown)
    finally:
        app.close()


def test_a_refused_admin_command_leaves_no_channel_behind(cli, app):
    """An admin's command refused for what it asks (an unknown series, a role that is no
    role) leaves no trace; an allowed one makes the channel."""
    before = dump(app.db)["channels"]
    for args in (("settings", "--role", "x" * 5000), ("subscribe", "nosuchseries"), ("settings", "--spoiler", "maybe")):
        refused = cli("--channel", "telegram:-555", *args)
        assert refused.code == 1, args
    assert dump(app.db)["channels"] == before
    assert cli("--channel", "telegram:-555", "subscribe", "all").code == 0
    assert app.channels.find("telegram", "-555") is not None


def test_a_fifo_among_the_bundled_events_is_skipped_at_a_fresh_start(tmp_path, caplog):
    """A new database loads the events folder; a FIFO named like an event file is skipped
    with a warning instead of stopping the start (or blocking it)."""
    folder = tmp_path / "events"
    folder.mkdir()
    (folder / "race.toml").write_bytes(LE_MANS_FILE.read_bytes())
    os.mkfifo(folder / "x.toml")
    with caplog.at_level(logging.WARNING):
        app = bootstrap(Config(db_path=tmp_path / "fresh.db", events_dir=folder))
    try:
        assert app.seeded and app.queries.find_event("lemans").event_id is not None
        assert "x.toml: is not a regular file" in caplog.text
    finally:
        app.close()


def test_a_source_url_with_an_impossible_port_is_refused_with_a_sentence(tmp_path):
    config = tmp_path / "pitboard.toml"
    config.write_text('[[sources]]\nname = "o"\nkind = "openf1"\nurl = "http://127.0.0.1:99999/v1"\n'
                      'session_key = 1\nevent = "lemans 2017"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path=config)
    assert "port that is not a number from 0 to 65535" in str(err.value)


def test_a_refusal_never_deletes_a_new_channel_another_command_is_using(app):
    """Two commands at once in a chat new to the bot: one refused, one allowed. The channel
    made for them stays (the allowed one follows through), whichever finishes first."""
    for refused_first in (True, False):
        address = f"-77{int(refused_first)}"
        made = app.commands.channel_for("telegram", address, create=True)
        same = app.commands.channel_for("telegram", address, create=True)
        allowed = app.context(is_admin=True, channel=made, user="telegram:1")
        refused = app.context(is_admin=True, channel=same, user="telegram:1")
        if refused_first:  # (ask settles each command as it ends)
            assert app.ask("/subscribe nosuchseries", refused).error
            assert app.channels.find("telegram", address) is not None
            assert not app.ask("/subscribe all", allowed).error
        else:
            assert not app.ask("/subscribe all", allowed).error
            assert app.ask("/subscribe nosuchseries", refused).error
        kept = app.channels.find("telegram", address)
        assert kept is not None and [s.target_kind for s in app.channels.subscriptions(kept.id)] == ["all"]
