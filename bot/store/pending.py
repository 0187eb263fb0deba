"""Reports waiting for an operator's confirmation: bound to a chat and a person, with an
expiry, and the facts exactly as they were shown."""
from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database


@dataclass(frozen=True)
class PendingReport:
    token: str
    source: str  # where the report came from, as the user gave it
    url: str | None
    text: str
    channel_id: int | None
    user: str | None  # "telegram:123"; None for the terminal
    expires_at: str | None  # ISO UTC; None for rows from before expiry existed (expired)
    facts: str | None  # JSON list of the facts shown
    language: str | None


class PendingReports:
    """Reports waiting for their operator's confirmation."""

    def __init__(self, db: Database):
        self.db = db

    def save(self, report: PendingReport, now_iso: str) -> None:
        """Keep a report until it is confirmed or expires."""
        self.db["pending_reports"].upsert({**report.__dict__, "created_at": now_iso}, pk="token")

    def find(self, token: str) -> PendingReport | None:
        """The report waiting under `token`, or None."""
        row = self.db.execute("SELECT token, source, url, text, channel_id, user, expires_at, facts, language "
                              "FROM pending_reports WHERE token = ?", [token]).fetchone()
        return PendingReport(*row) if row else None

    def drop(self, token: str) -> None:
        """Forget a report (published, or expired)."""
        self.db.execute("DELETE FROM pending_reports WHERE token = ?", [token])
