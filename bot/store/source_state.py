"""What each polled source remembers between polls and restarts: when it may poll again,
how it went last, and the items (articles, file versions) it has read."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlite_utils import Database

# Items are remembered well past any backlog window, then forgotten: an entry that old is
# set aside by its date anyway.
FORGET_AFTER = timedelta(days=90)


@dataclass
class SourceState:
    """What a polled source remembers between polls and restarts."""

    name: str
    items: int = 0
    failures: int = 0
    next_poll: float = 0.0
    last_error: str | None = None
    last_poll: str | None = None


class SourceStates:
    """The sources' states and read items."""

    def __init__(self, db: Database):
        self.db = db

    def load(self, name: str) -> SourceState:
        """The source's state, or a fresh one."""
        row = self.db.execute("SELECT items, failures, next_poll, last_error, last_poll FROM source_state "
                              "WHERE name = ?", [name]).fetchone()
        if row is None:
            return SourceState(name)
        return SourceState(name, row[0] or 0, row[1] or 0, row[2] or 0.0, row[3], row[4])

    def save(self, state: SourceState) -> None:
        """Remember the state for the next poll (and the next start)."""
        self.db["source_state"].upsert({"name": state.name, "items": state.items, "failures": state.failures,
                                        "next_poll": state.next_poll, "last_error": state.last_error,
                                        "last_poll": state.last_poll}, pk="name")

    def all(self) -> list[SourceState]:
        """Every source's state, by name."""
        return [SourceState(*row) for row in self.db.execute(
            "SELECT name, items, failures, next_poll, last_error, last_poll FROM source_state ORDER BY name")]

    def seen(self, source: str, item: str) -> bool:
        """Whether the source has read this item (an article, a file version) before."""
        return self.db.execute("SELECT 1 FROM source_items WHERE source = ? AND item = ?",
                               [source, item]).fetchone() is not None

    def mark_seen(self, source: str, items: list[str]) -> None:
        """Remember the items as read, so they are never read again; forget old ones."""
        now = datetime.now(timezone.utc)
        self.db["source_items"].insert_all(({"source": source, "item": item, "seen_at": now.isoformat()}
                                            for item in items), pk=("source", "item"), ignore=True)
        self.db.execute("DELETE FROM source_items WHERE source = ? AND seen_at < ?",
                        [source, (now - FORGET_AFTER).isoformat()])
