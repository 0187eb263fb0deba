"""The server events repository: which Discord servers list sessions as scheduled events,
and, per server and session, the scheduled event made there and what it last said.

Remembering what was sent is what keeps a restart from making the same event twice, and
lets a sync send only what changed (a moved start, a cancellation).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from bot.store.schema import transaction


@dataclass(frozen=True)
class ServerEvent:
    """A scheduled event made on a server for a session, as it was last sent."""

    guild_id: str
    session_id: str
    event_id: str  # Pitboard's event the session belongs to
    discord_id: str  # the scheduled event's id on the server
    name: str
    starts_at: str  # ISO 8601, UTC
    ends_at: str
    status: str  # scheduled or cancelled


class ServerEvents:
    """Read and change the remembered scheduled events, and find the channels that want them."""

    def __init__(self, db: Database):
        self.db = db

    def opted_in(self, platform: str) -> list[tuple[int, str]]:
        """(channel id, chat id) of the platform's channels with `server_events` on and not
        paused (a channel the platform lost speaks for no server)."""
        rows = self.db.execute("SELECT id, address FROM channels WHERE platform = ? AND server_events = 1 "
                               "AND paused_reason IS NULL ORDER BY id", [platform]).fetchall()
        return [(channel_id, address) for channel_id, address in rows]

    def all(self) -> dict[str, dict[str, ServerEvent]]:
        """Every remembered scheduled event, by server, then by session."""
        rows = self.db.execute("SELECT guild_id, session_id, event_id, discord_id, name, starts_at, ends_at, status "
                               "FROM server_events ORDER BY guild_id, starts_at").fetchall()
        found: dict[str, dict[str, ServerEvent]] = {}
        for row in rows:
            found.setdefault(row[0], {})[row[1]] = ServerEvent(*row)
        return found

    def event_ids(self) -> list[str]:
        """The events some server lists a session of: their sessions are looked at even when
        none is upcoming any more (all cancelled), so the server hears of it."""
        return [r[0] for r in self.db.execute("SELECT DISTINCT event_id FROM server_events ORDER BY event_id")]

    def remember(self, event: ServerEvent) -> None:
        """Keep what was just sent to the server (at once: a crash right after must not
        lose the id, or the next start would make the event again)."""
        with transaction(self.db):
            self.db.execute(
                "INSERT INTO server_events (guild_id, session_id, event_id, discord_id, name, starts_at, ends_at, "
                "status) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, session_id) DO UPDATE SET "
                "event_id = excluded.event_id, discord_id = excluded.discord_id, name = excluded.name, "
                "starts_at = excluded.starts_at, ends_at = excluded.ends_at, status = excluded.status",
                [event.guild_id, event.session_id, event.event_id, event.discord_id, event.name, event.starts_at,
                 event.ends_at, event.status])

    def forget(self, guild_id: str, session_id: str) -> None:
        """Stop tracking the server's event for this session (it is over, or was removed)."""
        with transaction(self.db):
            self.db.execute("DELETE FROM server_events WHERE guild_id = ? AND session_id = ?", [guild_id, session_id])
