"""Turning stored facts into updates and deliveries, and telling the dispatcher."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone

from bot.announce.updates import derive_updates
from bot.domain import UpdateDraft
from bot.store.outbox import Outbox, Recorded
from bot.store.queries import Queries

# Reminders are created this long before a session; each channel picks its own lead time
# up to this.
REMINDER_HORIZON = timedelta(hours=2)
# The daily digest looks this far back (posts) and ahead (sessions).
DIGEST_SPAN = timedelta(hours=24)


class Announcer:
    """Derives updates after facts land and wakes whoever sends them."""

    def __init__(self, queries: Queries, outbox: Outbox, clock: Callable[[], float] = time.time):
        self.queries = queries
        self.outbox = outbox
        self.clock = clock
        self.listeners: list[Callable[[], None]] = []

    def facts_changed(self, event_ids: Iterable[str]) -> Recorded:
        """Record what the events' facts now announce. Call it inside the transaction
        that stored the facts, so facts, updates and deliveries land together."""
        drafts: list[UpdateDraft] = []
        for event_id in dict.fromkeys(event_ids):
            drafts += derive_updates(self.queries, event_id)
        return self.outbox.record(drafts, self.clock())

    def remind(self, now: datetime | None = None) -> Recorded:
        """Create reminder updates for sessions starting within the horizon."""
        now = now or datetime.fromtimestamp(self.clock(), timezone.utc)
        drafts = []
        for session, event in self.queries.upcoming_sessions(now, limit=500):
            if session.start - now > REMINDER_HORIZON or session.status != "scheduled":
                continue
            drafts.append(UpdateDraft(
                f"reminder:{session.id}:{session.start.isoformat()}", "reminder", event.id, event.series_id, session.id,
                {"event": event.name, "year": event.date.year, "timezone": event.timezone, "session": session.kind,
                 "session_name": session.name, "start": session.start.isoformat(),
                 "start_epoch": session.start.timestamp()},
            ))
        recorded = self.outbox.record(drafts, self.clock())
        self.notify(recorded)
        return recorded

    def digest(self, now: datetime | None = None) -> Recorded:
        """One digest per event that posted in the last 24 hours or has a session in the
        next 24: what was posted, then what comes. Keyed by event and day, so a job that
        runs twice (a restart, a misfire) still makes one digest."""
        now = now or datetime.fromtimestamp(self.clock(), timezone.utc)
        since = (now - DIGEST_SPAN).isoformat()
        posted: dict[str, list] = {}
        for event_id, kind, payload in self.outbox.posted_since(since):
            posted.setdefault(event_id, []).append({"kind": kind, "payload": payload})
        coming: dict[str, list] = {}
        for session, event in self.queries.upcoming_sessions(now, limit=500):
            if session.start - now <= DIGEST_SPAN:
                coming.setdefault(event.id, []).append({"session": session.kind, "start": session.start.isoformat()})
        drafts = []
        for event_id in dict.fromkeys([*posted, *coming]):
            event = self.queries.event(event_id)
            if event is None:
                continue
            drafts.append(UpdateDraft(
                f"digest:{event_id}:{now.date().isoformat()}", "digest", event_id, event.series_id, None,
                {"event": event.name, "year": event.date.year, "timezone": event.timezone,
                 "posts": posted.get(event_id, []), "next": coming.get(event_id, [])},
            ))
        recorded = self.outbox.record(drafts, self.clock())
        self.notify(recorded)
        return recorded

    def notify(self, recorded: Recorded) -> None:
        """Wake the dispatcher when there is something new to send."""
        if recorded.deliveries:
            for listener in self.listeners:
                listener()
