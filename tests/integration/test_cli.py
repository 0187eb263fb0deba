"""The `pitboard` command line: answers, JSON contracts, imports and the console."""
import io
import re
import sqlite3

from bot.bootstrap import bootstrap
from bot.store import open_database
from bot.config import Config
from bot.platforms.console import run_console
from tests.conftest import FIXTURES, LE_MANS_FILE, NOW, dump

TOP_TEN = ["Cammish", "Zamparelli", "Rovera", "Güven", "Oliphant", "de Narda", "Hasse-Clot", "Morin", "Beltoise", "McKay"]


def test_results_lemans_in_a_fresh_database(cli, db_path):
    r = cli("results", "lemans")
    assert r.code == 0
    assert "loaded the bundled events" in r.err
    places = [r.out.index(name) for name in TOP_TEN + ["Lapierre", "Misslin", "Lindland"]]
    assert places == sorted(places)
    assert db_path.exists()


def test_results_in_french(cli):
    out = cli("results", "lemans", "--lang", "fr").out
    assert "Classement général" in out and "Classe B" in out and "61 partants" in out


def test_results_json_contract(cli):
    data = cli("results", "lemans", "--json").json()
    assert data["event"]["name"] == "Porsche Carrera Cup Le Mans"
    rows = data["results"]
    assert all({"position", "driver", "class", "status"} <= row.keys() for row in rows)
    assert [r["driver"] for r in rows][:2] == ["Dan Cammish", "Dino Zamparelli"]
    assert [r["driver"] for r in rows if r["class"] == "B"] == ["Christophe Lapierre", "Nicolas Misslin", "Roar Lindland"]


def test_pole_json_contract(cli):
    data = cli("pole", "lemans", "--json").json()
    assert data["driver"] == "Florian Latorre" and data["lap_time_ms"] == 248576


def test_quotes_json_contract_and_driver_option(cli):
    data = cli("quotes", "lemans", "--json", "--driver", "Cammish").json()
    assert data and all(q["speaker"] == "Dan Cammish" and q["text"] for q in data)


def test_options_and_words_for_session_and_class(cli):
    a = cli("results", "le", "mans", "2017", "--session", "race", "--class", "B", "--json").json()
    b = cli("results", "lemans", "race", "class:B", "--json").json()
    assert a == b and len(a["results"]) == 3


def test_safetycar_and_events(cli):
    assert "Safety car from lap 1" in cli("safetycar", "lemans").out
    assert "Porsche Carrera Cup Le Mans 2017" in cli("events").out


def test_global_db_flag_and_env(cli, tmp_path):
    other = tmp_path / "other.db"
    assert cli("--db", str(other), "events").code == 0
    assert other.exists()
    assert cli("events", "--db", str(tmp_path / "third.db")).code == 0


def test_unknown_event_exits_1_with_a_sentence(cli):
    r = cli("results", "monza")
    assert r.code == 1 and r.out == ""
    assert r.err.strip().splitlines()[-1] == "No event “monza”. Type /events to see the ones Pitboard knows."
    j = cli("results", "monza", "--json")
    assert j.code == 1 and j.json()["code"] == "no_event" and j.json()["error"].startswith("No event “monza”")


def test_import_is_idempotent(cli, db_path):
    cli("events")  # creates and seeds the database
    first = cli("import", str(FIXTURES / "test-cup-spa-2024.toml"))
    assert first.code == 0 and "imported test-cup-spa-2024" in first.out
    db = sqlite3.connect(db_path)
    before = dump_conn(db)
    again = cli("import", str(FIXTURES / "test-cup-spa-2024.toml"), str(LE_MANS_FILE))
    assert again.code == 0 and again.out.count("already up to date") == 2
    assert dump_conn(db) == before


def dump_conn(conn):
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'quotes_fts%'")]
    return {t: conn.execute(f"SELECT * FROM [{t}] ORDER BY 1, 2").fetchall() for t in sorted(tables)}


def test_a_changed_file_replaces_what_it_said_before(tmp_path):
    app = bootstrap(Config(db_path=tmp_path / "db.sqlite"))
    text = (FIXTURES / "test-cup-spa-2024.toml").read_text(encoding="utf-8")
    app.import_files([FIXTURES / "test-cup-spa-2024.toml"])
    changed = tmp_path / "spa.toml"
    # A penalty: Cy Cole is disqualified and loses second place.
    changed.write_text(text.replace('{ position = 2, number = 11, driver = "Cy Cole", class = "Am", laps = 25, gap = "+4.512" }',
                                    '{ number = 11, driver = "Cy Cole", class = "Am", laps = 25, status = "DSQ" }'), encoding="utf-8")
    app.import_files([changed])
    ctx = app.context(now=NOW)
    rows = app.ask("/results spa race", ctx).data["results"]
    overall = [(r["position"], r["driver"], r["status"]) for r in rows if r["classification"] == "overall"]
    assert overall == [(1, "Ann Able / Bo Baker", "classified"), (3, "Di Dunn", "classified"),
                       (None, "Cy Cole", "dsq"), (None, "Ed Eve", "dnf")]
    app.close()


def test_a_bad_file_is_refused_and_the_database_is_untouched(cli, db_path, tmp_path):
    cli("events")
    db = sqlite3.connect(db_path)
    before = dump_conn(db)
    bad = tmp_path / "bad.toml"
    bad.write_text((FIXTURES / "test-cup-spa-2024.toml").read_text(encoding="utf-8").replace('best_lap = "138.2"', 'best_lap = "quick"'), encoding="utf-8")
    # The good file comes first: it must not land either, because the batch is one transaction.
    r = cli("import", str(FIXTURES / "test-cup-spa-2024.toml"), str(bad))
    assert r.code == 1 and r.out == ""
    first_line = r.err.strip().splitlines()[0]
    assert first_line.startswith(f"{bad}: sessions[1].classifications[0].results[0].best_lap: 'quick' is not a time")
    assert "Nothing was imported." in r.err
    assert dump_conn(db) == before


def test_a_file_that_conflicts_with_the_store_rolls_back(app, tmp_path):
    before = dump(app.db)
    # Same event id in two files of one batch.
    twin = tmp_path / "twin.toml"
    twin.write_text(LE_MANS_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    import pytest

    from bot.sources.fields import FileError

    with pytest.raises(FileError, match="also the id of"):
        app.import_files([FIXTURES / "test-cup-spa-2024.toml", LE_MANS_FILE, twin])
    assert dump(app.db) == before


def test_console_answers_typed_commands(app):
    stdin = io.StringIO("/results lemans\n\npole lemans\n/results@PitboardBot monza\n/quit\n/events\n")
    stdout = io.StringIO()
    assert run_console(app, app.context(now=NOW), stdin, stdout) == 0
    out = stdout.getvalue()
    assert "Christophe Lapierre" in out and "Florian Latorre takes pole" in out
    assert "No event “monza”" in out
    assert "Events" not in out  # nothing is read after /quit


def test_console_subcommand_reads_stdin(cli, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("/pole lemans\n/safetycar lemans\n"))
    r = cli("console", "--lang", "fr")
    assert r.code == 0
    assert "signe la pole position en 4'08\"576" in r.out and "Voiture de sécurité" in r.out


def test_no_subcommand_prints_help(cli):
    r = cli()
    assert r.code == 0 and "results" in r.out and "import" in r.out


def test_timing_imports_an_al_kamel_classification_into_a_known_event(cli, app):
    from tests.conftest import FIXTURES, dump

    before = dump(app.db)
    wrong = cli("timing", str(FIXTURES / "alkamel" / "classification.csv"), "--event", "nowhere 1999")
    assert wrong.code == 1 and "No event 'nowhere 1999' is known" in wrong.err and dump(app.db) == before
    done = cli("timing", str(FIXTURES / "alkamel" / "classification.csv"), "--event", "lemans")
    assert done.code == 0, done.err
    shown = cli("results", "lemans", "--json").json()  # timing outranks the event file
    overall = [r for r in shown["results"] if r["classification"] == "overall"]
    assert [r["driver"] for r in overall][:2] == ["Anna Martin / Bruno de Luca", "Carl Olsen / Dana Wu / Eli Ross"]
    assert cli("timing", str(FIXTURES / "alkamel" / "lap_analysis.csv"), "--event", "lemans").code == 0
    periods = cli("safetycar", "lemans", "--json").json()
    # Timing's periods replace the event file's; the crash only the event file knows stays.
    assert [(p["kind"], p["start_lap"], p["end_lap"]) for p in periods["incidents"]] == [
        ("crash", 1, None), ("safety_car", 3, 4), ("full_course_yellow", 6, 6)]


def test_a_watched_al_kamel_folder_feeds_results_and_sources_lists_every_kind(cli, tmp_path, monkeypatch, db_path):

    folder = tmp_path / "timing"
    folder.mkdir()
    config = tmp_path / "pitboard.toml"
    config.write_text("""[[sources]]
name = "lemans-timing"
kind = "alkamel"
path = "timing"
event = "lemans 2017"

[[sources]]
name = "reports"
kind = "rss"
url = "http://127.0.0.1:9/feed.xml"

[[sources]]
name = "f1"
kind = "jolpica"
event = "lemans 2017"
round = 5
""", encoding="utf-8")
    monkeypatch.setenv("PITBOARD_CONFIG", str(config))
    assert cli("poll", "lemans-timing").out.strip() == "lemans-timing: 0 facts stored."
    (folder / "race_classification.csv").write_bytes((FIXTURES / "alkamel" / "classification.csv").read_bytes())
    (folder / "weather.csv").write_text("TIME_UTC;AIR_TEMP;TRACK_TEMP;HUMIDITY\n10:00;21;30;55\n", encoding="utf-8")
    rest(folder)
    polled = cli("poll", "lemans-timing")
    assert polled.code == 0 and polled.out.startswith("lemans-timing: ") and "0 facts" not in polled.out
    shown = cli("results", "lemans", "--json").json()
    overall = [r for r in shown["results"] if r["classification"] == "overall"]
    assert overall[0]["drivers"] == ["Anna Martin", "Bruno de Luca"] and overall[0]["number"] == "12"
    text = cli("results", "lemans").out
    assert "Anna Martin" in text and "Carl Olsen" in text
    assert cli("poll", "lemans-timing").out.strip() == "lemans-timing: 0 facts stored."  # read once
    listed = cli("sources").out.splitlines()
    assert [line.split()[0] for line in listed] == ["lemans-timing", "reports", "f1"]
    assert "Al Kamel" in listed[0] and "last error: none" in listed[0] and "last poll never" not in listed[0]
    assert re.search(r"last poll \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC;", listed[0])  # no microseconds
    assert "RSS/Atom" in listed[1] and "Jolpica current round 5" in listed[2] and "last poll never" in listed[2]
    (folder / "broken_classification.csv").write_text("POSITION;NUMBER\n1;12\n", encoding="utf-8")
    rest(folder)
    facts = "SELECT count(*), group_concat(driver) FROM results"
    before = open_database(db_path)[0].execute(facts).fetchone()  # the results view needs Pitboard's connection
    broken = cli("poll", "lemans-timing")
    assert broken.code == 1 and "broken_classification.csv" in broken.err and "Fix the file" in broken.err
    assert open_database(db_path)[0].execute(facts).fetchone() == before


def rest(folder):
    """Date the folder's files a few seconds back: a watched folder reads only files that
    have stopped changing."""
    import os
    import time

    for path in folder.iterdir():
        os.utime(path, (time.time() - 10, time.time() - 10))


def test_status_names_what_is_wrong_and_exits_1_until_the_bot_is_healthy(cli, db_path):
    """`pitboard status`: a held lease without a heartbeat is a stuck bot; a platform not
    connected is a problem; expired deliveries are a note, not a failure."""
    import json as _json
    import os
    import time

    from bot.sources.event_file import load_event_file
    from bot.sources.replay import replay_stages
    from bot.store.lease import acquire_lease
    from bot.store.platform_state import HEARTBEAT
    from tests.conftest import deliveries

    bot = bootstrap(Config(db_path=db_path, seed_events=False))
    console = bot.channels.ensure("console", "console")
    bot.channels.subscribe(console.id, "all", "", ())
    for stage in replay_stages(load_event_file(LE_MANS_FILE))[:3]:
        bot.store([stage.bundle], stage.label)
    queued = deliveries(bot.db)["pending"]
    assert queued > 1
    row = bot.db.execute("SELECT id FROM deliveries LIMIT 1").fetchone()[0]
    bot.repositories.outbox.settle(row, "expired", 0, "expired: test")

    def beat(**platforms):
        bot.repositories.platform_state.set(HEARTBEAT, _json.dumps(
            {"at": time.time(), "pid": os.getpid(), "platforms": platforms, "sources": []}))

    r = cli("status")
    assert r.code == 1 and "Bot: not running" in r.out
    with acquire_lease(db_path, "run"):
        stuck = cli("status", "--json")
        assert stuck.code == 1
        assert "has not said it is alive" in stuck.json()["problems"][0]
        beat(telegram="reconnecting: the network is unreachable", console="connected")
        down = cli("status", "--json").json()
        assert down["problems"] == ["telegram: reconnecting: the network is unreachable"]
        beat(console="connected")
        ok = cli("status")
        assert ok.code == 0 and ok.out.rstrip().endswith("Healthy.")
        assert f"Outbox: 1 expired, {queued - 1} pending" in ok.out
        assert "Note: 1 deliveries expired" in ok.out
    gone = cli("status", "--json").json()  # the bot stopped: its last heartbeat is history
    assert gone["bot"] is None and gone["platforms"] == {} and "console: connected" not in cli("status").out
    bot.close()


def test_status_and_backup_never_make_a_database(cli, tmp_path):
    """A health check pointed at a wrong path says so; it leaves no new database behind."""
    missing = tmp_path / "nowhere.db"
    for args in (("status",), ("backup", str(tmp_path / "copy.db"))):
        r = cli("--db", str(missing), *args)
        assert r.code == 1 and "No database at" in r.err
    assert list(tmp_path.iterdir()) == []


def test_the_readme_s_reading_commands_work_as_written(cli):
    """Every `pitboard` line of the README's "Command line" block that only reads (results,
    pole, safety car, quotes, events, next, help) runs and exits 0 on the bundled event."""
    import re
    import shlex

    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Command line", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    reading = ("results", "pole", "safetycar", "quotes", "events", "next", "help")
    lines = [re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines()]
    commands = [shlex.split(line)[1:] for line in lines if line.startswith("pitboard ") and
                len(line.split()) > 1 and line.split()[1] in reading]
    assert len(commands) >= 8
    for args in commands:
        try:
            done = cli(*args)
        except SystemExit as stop:  # `help import` prints argparse's help and exits
            assert stop.code == 0, args
            continue
        assert done.code == 0, (args, done.err)


def test_a_database_path_in_a_folder_that_does_not_exist_is_refused_not_created(cli, tmp_path):
    missing = tmp_path / "no" / "such" / "folder" / "x.db"
    done = cli("--db", str(missing), "events")
    assert done.code == 1 and "does not exist" in done.err
    assert not (tmp_path / "no").exists()


def test_a_count_outside_its_range_is_refused_not_changed(cli):
    for count in ("0", "100"):
        done = cli("next", count)
        assert done.code == 1 and "from 1 to 25" in done.err, done.err


def test_backup_copies_the_database_whole_and_refuses_bad_targets(cli, app, tmp_path):
    target = tmp_path / "copy.db"
    done = cli("backup", str(target))
    assert done.code == 0 and "Backed up" in done.out
    copy = bootstrap(Config(db_path=target, seed_events=False))
    try:
        from tests.conftest import dump

        assert dump(copy.db) == dump(app.db)
    finally:
        copy.close()
    assert cli("backup", str(tmp_path / "missing" / "x.db")).code == 1
    assert "another file" in cli("backup", str(app.config.db_path)).err


def test_invite_url_and_chatid_tell_an_admin_what_to_use(cli, monkeypatch):
    import base64

    app_id = "80351110224678912"
    monkeypatch.setenv("DISCORD_BOT_TOKEN", base64.b64encode(app_id.encode()).decode().rstrip("=") + ".Gx1.secret")
    done = cli("invite-url")
    assert done.code == 0 and f"client_id={app_id}" in done.out and "permissions=309237763072" in done.out
    assert "secret" not in done.out + done.err and "applications.commands" in done.out
    monkeypatch.delenv("DISCORD_BOT_TOKEN")
    assert cli("invite-url").code == 1
    assert "client_id=123456789012345678" in cli("invite-url", "--application-id", "123456789012345678").out
    shown = cli("--channel", "telegram:-1001234567890", "chatid")
    assert shown.code == 0 and "telegram:-1001234567890" in shown.out and 'address = "-1001234567890"' in shown.out


def test_timing_classes_take_the_event_s_spelling_and_classes_show_in_the_event_s_order(cli, tmp_path):
    """A timing file writing PRO / AM for an event whose classes are "Pro", "Am": two
    tables, not four, shown overall, then Pro, then Am (the event's order, not the alphabet)."""
    from tests.conftest import FIXTURES

    event = (FIXTURES / "test-cup-spa-2024.toml").read_text(encoding="utf-8")
    (tmp_path / "cup.toml").write_text(event, encoding="utf-8")
    assert cli("import", str(tmp_path / "cup.toml")).code == 0
    csv = ("POSITION;NUMBER;STATUS;LAPS;TOTAL_TIME;GAP_FIRST;CLASS;DRIVER_1;\n"
           "1;11;Classified;20;40:00.000;-;AM;Cy Cole;\n"
           "2;7;Classified;20;40:05.000;+5.000;PRO;Ann Able;\n")
    (tmp_path / "classification.csv").write_text(csv, encoding="utf-8")
    assert cli("timing", str(tmp_path / "classification.csv"), "--event", "spa 2024").code == 0
    shown = cli("results", "spa 2024", "--json").json()
    assert list(dict.fromkeys(r["classification"] for r in shown["results"])) == ["overall", "Pro", "Am"]


def test_a_mistyped_command_gets_one_sentence_with_the_closest(capsys):
    import pytest

    from bot.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["resluts", "lemans"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "no command 'resluts'" in err and "Did you mean results" in err
    assert "choose from" not in err and len(err.splitlines()) == 1


def test_the_same_facts_imported_with_the_sources_in_another_order_correct_nothing(cli, app, tmp_path):
    """Two versions of one event file, alike but for the order of their sources: importing
    them in turn makes no "Corrected" post (the readers would see the same text)."""
    from tests.conftest import FIXTURES

    text = (FIXTURES / "test-cup-spa-2024.toml").read_text(encoding="utf-8")
    extra = '[[sources]]\nid = "sheet"\nkind = "timing"\nname = "Another copy of the sheet"\n\n'
    first = text.replace("[[sources]]\n", extra + "[[sources]]\n", 1)
    anchor = text.index("[[sessions]]")
    second = text[:anchor] + extra + text[anchor:]
    (tmp_path / "a.toml").write_text(first, encoding="utf-8")
    (tmp_path / "b.toml").write_text(second, encoding="utf-8")
    assert cli("subscribe", "all").code == 0
    for name in ("a.toml", "b.toml", "a.toml", "b.toml"):
        assert cli("import", str(tmp_path / name)).code == 0
    revisions = [r[0] for r in app.db.execute("SELECT revision FROM updates WHERE key LIKE 'finish:test-cup%'")]
    assert revisions == [1]


def test_a_quoted_event_then_a_class_is_read_as_the_event_and_the_class(cli):
    """`pitboard results "le mnas" B`: the quoted words are the event (typo and all), B the
    class, as with `results lemans B`; a word that is no session goes on to the class."""
    for args in (("results", "le mnas", "B"), ("results", "lemans", "B"), ("results", "le mans", "B")):
        done = cli(*args, "--json")
        assert done.code == 0, (args, done.err)
        assert {r["classification"] for r in done.json()["results"]} == {"B"}, args


def test_no_results_yet_is_an_answer_like_no_quotes_not_a_mistake(cli, tmp_path):
    (tmp_path / "soon.toml").write_text("""format = 1

[series]
id = "winter-cup"
name = "Winter Cup"

[event]
id = "winter-cup-2026"
name = "Winter Cup"
date = 2026-12-20
timezone = "Europe/Paris"

[[sources]]
id = "calendar"
kind = "event_file"
name = "Calendar"

[[sessions]]
id = "race"
kind = "race"
status = "scheduled"
""", encoding="utf-8")
    assert cli("import", str(tmp_path / "soon.toml")).code == 0
    shown = cli("results", "winter cup 2026", "--json")
    assert shown.code == 0 and shown.json()["results"] == [], shown.err
    assert cli("quotes", "winter cup 2026").code == 0


def test_sources_as_json(cli, tmp_path, monkeypatch):
    config = tmp_path / "pitboard.toml"
    config.write_text('[[sources]]\nname = "f1"\nkind = "openf1"\nurl = "http://127.0.0.1:9/v1?token=SECRET"\n'
                      'session_key = 1\nevent = "lemans 2017"\n', encoding="utf-8")
    monkeypatch.setenv("PITBOARD_CONFIG", str(config))
    listed = cli("sources", "--json")
    [source] = listed.json()
    assert listed.code == 0 and source["name"] == "f1" and source["last_poll"] is None and source["failures"] == 0
    assert "SECRET" not in listed.out


def test_every_subcommand_takes_json(cli):
    """`--json` is accepted by every subcommand, the terminal's own included (it was refused
    by console, run, demo, dispatch, timing, sources and poll)."""
    from bot.cli import build_parser
    from bot.commands import build_registry

    subcommands = build_parser(build_registry())._subparsers._group_actions[0].choices
    without = [name for name, sub in subcommands.items() if "--json" not in sub._option_string_actions]
    assert len(subcommands) > 20 and not without


def test_terminal_outcomes_as_json(cli, tmp_path):
    """The terminal's own subcommands print their outcome as one JSON object with --json,
    and a problem as {"error": ...} (exit 1)."""
    done = cli("timing", str(FIXTURES / "alkamel" / "classification.csv"), "--event", "lemans", "--json")
    assert done.code == 0, done.err
    assert {"event_id": "porsche-carrera-cup-le-mans-2017", "session": "race"}.items() <= done.json().items()
    assert done.json()["results"] > 0
    wrong = cli("timing", str(tmp_path / "missing.csv"), "--event", "lemans", "--json")
    assert wrong.code == 1 and "missing.csv" in wrong.json()["error"]
    copy = cli("backup", str(tmp_path / "copy.db"), "--json").json()
    assert copy["backup"] == str(tmp_path / "copy.db") and copy["bytes"] == (tmp_path / "copy.db").stat().st_size
    invite = cli("invite-url", "--application-id", "123456789012345678", "--json").json()
    assert invite["permissions"] == 309237763072 and "client_id=123456789012345678" in invite["url"]
    assert cli("poll", "nothing-so-named", "--json").json()["error"].startswith("No source 'nothing-so-named'")
    assert cli("sources", "--json").json() == []


def test_dispatch_json_prints_one_object_per_post(cli):
    """`pitboard dispatch --json`: each post sent is one line of JSON (channel, id, text, data)."""
    import json

    assert cli("test").code == 0  # a sample post for the console channel, in the outbox
    r = cli("dispatch", "--json")
    posts = [json.loads(line) for line in r.out.splitlines()]
    assert r.code == 0 and posts and all(p["channel"] == "console" and p["text"] and "kind" in p["data"]
                                         for p in posts)


def test_console_answers_as_json(app):
    out = io.StringIO()
    ctx = app.terminal(channel=app.channels.ensure("console", "console"))
    run_console(app.commands, ctx, io.StringIO("/pole lemans\n"), out, as_json=True)
    import json

    assert json.loads(out.getvalue())["driver"] == "Florian Latorre"
