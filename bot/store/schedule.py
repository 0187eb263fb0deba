"""Session times as fans were told them: what a moved or cancelled session is compared with."""
from __future__ import annotations

from sqlite_utils import Database


class Schedule:
    """The last start and status announced (or first seen) for each session."""

    def __init__(self, db: Database):
        self.db = db

    def known(self, session_ids: list[str]) -> dict[str, tuple[str | None, str]]:
        """(start ISO or None, status) last remembered for each of these sessions that has one."""
        if not session_ids:
            return {}
        marks = ",".join("?" * len(session_ids))
        rows = self.db.execute(f"SELECT session_id, starts_at, status FROM session_schedule WHERE session_id IN ({marks})",
                               session_ids).fetchall()
        return {sid: (start, status) for sid, start, status in rows}

    def remember(self, session_id: str, start: str | None, status: str) -> None:
        """Keep this start and status as the ones fans now know."""
        self.db.execute("INSERT INTO session_schedule (session_id, starts_at, status) VALUES (?, ?, ?) "
                        "ON CONFLICT (session_id) DO UPDATE SET starts_at = excluded.starts_at, "
                        "status = excluded.status", [session_id, start, status])

    def notices(self, session_id: str) -> int:
        """How many schedule notices the session has had (each change is numbered)."""
        return self.db.execute("SELECT count(*) FROM updates WHERE kind = 'schedule' AND session_id = ?",
                               [session_id]).fetchone()[0]

    def drop_reminders(self, session_id: str, start_epoch: float | None) -> int:
        """Reminders still waiting for a session that moved (their start is not its start
        now) or was cancelled (`start_epoch` None): they would remind at the wrong time."""
        return self.db.execute(
            "UPDATE deliveries SET status = 'expired', last_error = 'the session moved or was cancelled' "
            "WHERE status = 'pending' AND update_id IN (SELECT id FROM updates WHERE kind = 'reminder' "
            "AND session_id = ? AND (? IS NULL OR json_extract(payload, '$.start_epoch') != ?))",
            [session_id, start_epoch, start_epoch]).rowcount
