"""Opening the one SQLite database: WAL, foreign keys, current schema."""
from __future__ import annotations

import sqlite3

from pathlib import Path

from sqlite_utils import Database

from bot.store import schema
from bot.store.channels import Channels
from bot.store.outbox import Outbox
from bot.store.pending import PendingReports
from bot.store.platform_state import PlatformState
from bot.store.queries import Queries
from bot.store.places import Places
from bot.store.schedule import Schedule
from bot.store.server_events import ServerEvents
from bot.store.source_state import SourceStates
from bot.store.writer import FactWriter


def open_database(path: str | Path) -> tuple[Database, bool]:
    """Open (creating if needed) the database at `path` and migrate it.

    Returns the database and whether it was created just now, so the caller can seed
    a brand-new store with the bundled events.
    """
    if str(path) == ":memory:":
        db = Database(memory=True)
    else:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = Database(path)
        # WAL lets the dispatcher write while commands read, without "database is locked".
        db.enable_wal()
        # With WAL, NORMAL still survives a killed process (the crash test kills ours); only
        # a power cut can roll back the last commits. FULL would fsync every delivery's
        # state change and cap the dispatcher at a few hundred sends a second.
        db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    # The `results` view unpacks each classification's compressed list with this.
    db.conn.create_function("pitboard_rows", 1, schema.unpack_rows, deterministic=True)
    db.execute("PRAGMA busy_timeout = 5000")
    # 32 MB of page cache (SQLite's default is 2): a fan-out to 100,000 channels reads and
    # writes all over the deliveries' indexes, which then stay in memory.
    db.execute("PRAGMA cache_size = -32000")
    created = "events" not in db.table_names()
    schema.apply(db)
    return db, created


class Store:
    """The repositories over one database. The bootstrap hands each part only the ones it
    uses; nothing outside the store writes SQL."""

    def __init__(self, db: Database):
        self.db = db
        self.queries = Queries(db)
        self.channels = Channels(db)
        self.outbox = Outbox(db)
        self.facts = FactWriter(db)
        self.source_states = SourceStates(db)
        self.pending_reports = PendingReports(db)
        self.platform_state = PlatformState(db)
        self.schedule = Schedule(db)
        self.server_events = ServerEvents(db)
        self.places = Places(db)

    def writes_elsewhere(self) -> int:
        """A number that changes whenever another connection (another process: `pitboard
        import`, a script) commits to the database; this connection's own commits leave it
        as it is. SQLite's `PRAGMA data_version`."""
        return self.db.execute("PRAGMA data_version").fetchone()[0]

    def backup(self, target: str | Path) -> int:
        """Copy the whole database to `target` with SQLite's online backup: consistent even
        while `pitboard run` writes (a file copy of a WAL database may not be). Returns the
        copy's size in bytes. The target is written whole, then moved into place."""
        target = Path(target)
        partial = target.with_name(f".{target.name}.partial")
        partial.unlink(missing_ok=True)
        copy = sqlite3.connect(partial)
        try:
            self.db.conn.backup(copy)
        finally:
            copy.close()
        partial.replace(target)
        return target.stat().st_size

    def close(self) -> None:
        """Release the database."""
        self.db.close()


def open_store(path: str | Path) -> tuple[Store, bool]:
    """The store over the database at `path` (created and migrated if need be), and
    whether it was created just now."""
    db, created = open_database(path)
    return Store(db), created
