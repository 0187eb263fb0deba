"""Small facts a platform keeps between runs (the fingerprint of the last command tree
synced to Discord, so it is synced only when it changed)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlite_utils import Database

HEARTBEAT = "bot.heartbeat"  # the running bot's note: when, its pid, each platform's health
DEMO = "demo"  # a database `pitboard demo` made (and may delete and make again)


def marked(path, key: str) -> bool:
    """Whether the SQLite file at `path` is a Pitboard database holding `key` (read only:
    a file that is not one, or not a database at all, is simply not marked)."""
    import sqlite3

    try:
        from pathlib import Path

        with sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True) as conn:
            return conn.execute("SELECT 1 FROM platform_state WHERE key = ?", [key]).fetchone() is not None
    except sqlite3.Error:
        return False


class PlatformState:
    """Keys and values a platform remembers."""

    def __init__(self, db: Database):
        self.db = db

    def get(self, key: str) -> str | None:
        """The value under `key`, if any."""
        row = self.db.execute("SELECT value FROM platform_state WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set(self, key: str, value: str) -> None:
        """Remember `value` under `key`."""
        self.db.execute(
            "INSERT INTO platform_state (key, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            [key, value, datetime.now(timezone.utc).isoformat()])
