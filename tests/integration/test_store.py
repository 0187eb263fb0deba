"""The store: schema through migrations, indexes behind every command, hostile text kept literal."""
import pytest

from bot.lookup import AliasIndex
from bot.render.text import render_text
from bot.store import open_database
from bot.store.schema import migrations
from tests.conftest import FIXTURES, NOW, dump

BIG_TABLES = ("results", "sessions", "incidents", "quotes", "events")


def test_the_schema_comes_from_migrations_and_reapplying_is_a_no_op(tmp_path):
    db, created = open_database(tmp_path / "a.db")
    assert created and migrations.pending(db) == []
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    db.close()
    again, created = open_database(tmp_path / "a.db")
    assert not created and [m.name for m in migrations.applied(again)] == [m.name for m in migrations._migrations]


def test_foreign_keys_are_enforced(app):
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError):
        app.db.execute("INSERT INTO sessions (id, event_id, kind, name, status) VALUES ('x', 'no-such-event', 'race', 'R', 'final')")


@pytest.mark.parametrize(
    "line",
    ["/results lemans", "/results le mans 2017 qualifying class:overall", "/pole lemans", "/safetycar lemans",
     "/quotes lemans driver:cammish search:victoire", "/events", "/next", "/results spa race class:Am"],
)
def test_every_command_query_uses_an_index(app, line):
    app.import_files([FIXTURES / "test-cup-spa-2024.toml"])
    app.queries.alias_index()  # the fuzzy index is built once, not per command
    statements: list[str] = []
    app.db.conn.set_trace_callback(statements.append)
    try:
        assert not app.ask(line, app.context(now=NOW)).error
    finally:
        app.db.conn.set_trace_callback(None)
    scans = []
    for sql in statements:
        if not sql.lstrip().upper().startswith("SELECT") or "data_version" in sql:
            continue
        for row in app.db.execute("EXPLAIN QUERY PLAN " + sql):
            detail = row[-1]
            if detail.startswith("SCAN") and any(f"SCAN {t}" in detail or f"SCAN {t[0]} " in detail for t in BIG_TABLES):
                # Walking an index in order, or a full-text MATCH, is not a table scan.
                if not any(ok in detail for ok in ("USING INDEX", "COVERING INDEX", "VIRTUAL TABLE INDEX")):
                    scans.append((sql, detail))
    assert statements and scans == []


def test_hostile_names_are_stored_and_shown_literally(app, tmp_path):
    text = (FIXTURES / "test-cup-spa-2024.toml").read_text(encoding="utf-8")
    hostile = text.replace('driver = "Cy Cole"', 'driver = "<b>Cy</b> & </code> \\u001b[31mCole"').replace(
        "The red flag made it a sprint", "@everyone <@&123> the red flag made it a sprint'); DROP TABLE quotes; --"
    )
    path = tmp_path / "hostile.toml"
    path.write_text(hostile, encoding="utf-8")
    app.import_files([path])
    ctx = app.context(now=NOW)
    out = render_text(app.ask("/results spa race", ctx))
    assert "<b>Cy</b> & </code> " in out and "\x1b" not in out
    quotes = app.ask("/quotes spa", ctx)
    assert quotes.data[0]["text"].startswith("@everyone <@&123> the red flag")
    assert "DROP TABLE quotes" in render_text(quotes)
    assert app.db["quotes"].count == 4  # three from Le Mans, one here: nothing dropped


def _variant(tmp_path, name, *replacements):
    text = (FIXTURES / "test-cup-spa-2024.toml").read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_reimport_drops_sessions_and_sources_the_file_no_longer_has(app, tmp_path):
    app.import_files([FIXTURES / "test-cup-spa-2024.toml"])
    assert [s.name for s, _ in app.queries.upcoming_sessions(NOW)] == ["Race 2"]
    trimmed = _variant(
        tmp_path, "spa.toml",
        ('[[sessions]]\nid = "next-race"\nkind = "race"\nname = "Race 2"\nstart = 2027-07-28T11:00:00\n', ""),
        ('id = "timing"\nkind = "timing"', 'id = "sheet"\nkind = "timing"'),
    )
    app.import_files([trimmed])
    assert app.queries.upcoming_sessions(NOW) == []
    race = app.ask("/results spa race", app.context(now=NOW)).data["results"]
    assert len(race) == 6  # 4 overall + 2 in class Am, not twice that
    assert len(app.ask("/quotes spa", app.context(now=NOW)).data) == 1


def test_upcoming_sessions_compare_instants_not_local_clock_times(app, tmp_path):
    # 10:00 in Los Angeles is 18:00 UTC: after 12:00 UTC, although "10:00" < "12:00".
    path = _variant(tmp_path, "la.toml", ('timezone = "Europe/Brussels"', 'timezone = "America/Los_Angeles"'),
                    ("start = 2027-07-28T11:00:00", "start = 2026-11-24T10:00:00"))
    app.import_files([path])
    upcoming = app.ask("/next", app.context(now=NOW))
    assert [d["name"] for d in upcoming.data] == ["Race 2"]
    assert "10:00 PST" in render_text(upcoming)


def test_a_database_error_mid_import_rolls_everything_back(app):
    from bot.sources.fields import FileError

    before = dump(app.db)
    # Make the store refuse one result row, after the event and sessions were written.
    app.db.execute(
        "CREATE TRIGGER refuse_dunn BEFORE INSERT ON result_lists WHEN pitboard_rows(NEW.rows) LIKE '%\"Di Dunn\"%' "
        "BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
    )
    with pytest.raises(FileError, match="conflicts with what the database already holds"):
        app.import_files([FIXTURES / "test-cup-spa-2024.toml"])
    app.db.execute("DROP TRIGGER refuse_dunn")
    assert dump(app.db) == before


def test_the_lookup_index_is_rebuilt_off_the_loop_only_when_aliases_change(tmp_path):
    """The running bot rebuilds the fuzzy index in a thread when aliases change; other
    writes (posts, results) leave it as it is; a lookup then finds the new event at once."""
    import asyncio
    import threading

    from bot.bootstrap import bootstrap
    from bot.config import Config
    from tests.e2e.harness import race_bundle

    app = bootstrap(Config(db_path=tmp_path / "warm.db"))
    queries = app.queries
    built_in = []
    original = AliasIndex.__init__

    def spy(self, rows):
        built_in.append(threading.current_thread() is threading.main_thread())
        original(self, rows)

    AliasIndex.__init__ = spy
    try:
        first = queries.alias_index()
        assert asyncio.run(queries.warm_alias_index()) is False  # nothing changed
        app.store([race_bundle("zolder-cup", "Zolder Cup", [("Ann Example",)])], "a new event")
        assert asyncio.run(queries.warm_alias_index()) is True
        assert built_in == [True, False]  # the first built where asked, the rebuild in a thread
        assert queries.alias_index() is not first
        assert queries.find_event("zoldr cup").event_id == "zolder-cup-2026"  # no rebuild on the way
        assert built_in == [True, False]
        app.store([race_bundle("zolder-cup", "Zolder Cup", [("Bea Example",)])], "a correction, same aliases")
        assert asyncio.run(queries.warm_alias_index()) is False
    finally:
        AliasIndex.__init__ = original
        app.close()
