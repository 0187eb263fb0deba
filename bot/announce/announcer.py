"""Turning stored facts into updates and deliveries, and telling the dispatcher."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone

from bot.announce.updates import derive_updates
from bot.domain import UpdateDraft
from bot.store.outbox import Outbox, Recorded
from bot.store.queries import Queries
from bot.store.schedule import Schedule

# Reminders are created this long before a session; each channel picks its own lead time
# up to this.
REMINDER_HORIZON = timedelta(hours=2)
# A race weekend's thread opens this long before its first session.
WEEKEND_AHEAD = timedelta(hours=24)
# The daily digest looks this far back (posts) and ahead (sessions).
DIGEST_SPAN = timedelta(hours=24)


class Announcer:
    """Derives updates after facts land and wakes whoever sends them."""

    def __init__(self, queries: Queries, outbox: Outbox, clock: Callable[[], float] = time.time,
                 schedule: Schedule | None = None):
        self.queries = queries
        self.outbox = outbox
        self.clock = clock
        self.schedule = schedule
        self.listeners: list[Callable[[], None]] = []
        # Called after a session moved or was cancelled (the engine re-plans its reminders).
        self.schedule_listeners: list[Callable[[], None]] = []
        self._replan = False

    def facts_changed(self, event_ids: Iterable[str]) -> Recorded:
        """Record what the events' facts now announce. Call it inside the transaction
        that stored the facts, so facts, updates and deliveries land together."""
        drafts: list[UpdateDraft] = []
        for event_id in dict.fromkeys(event_ids):
            drafts += derive_updates(self.queries, event_id)
            drafts += self._schedule_changes(event_id)
        return self.outbox.record(drafts, self.clock())

    def _schedule_changes(self, event_id: str) -> list[UpdateDraft]:
        """A notice for each session of the event that moved, was cancelled or was put back
        since fans were last told its time. A session first seen is only remembered; one
        already under way or over is not news (a timing file correcting a past start is no
        "move"); a start that becomes unknown ("to be confirmed") keeps the one told, so its
        next time is compared with that. Each change is numbered: a re-import of the same
        times makes none, a real change back and forth makes one each."""
        if self.schedule is None:
            return []
        event = self.queries.event(event_id)
        sessions = self.queries.sessions(event_id) if event else []
        known = self.schedule.known([s.id for s in sessions])
        now = datetime.fromtimestamp(self.clock(), timezone.utc)
        drafts = []
        for session in sessions:
            start = session.start.isoformat() if session.start else None
            before = known.get(session.id)
            if before is None:
                self.schedule.remember(session.id, start, session.status)
                # A session to come, first seen: reminders and servers' calendars take it now.
                self._replan |= bool(session.start and session.start > now)
                continue
            told_start, told_status = before
            if start is None and told_start is not None:
                # The time is no longer known: reminders for it are wrong; the time told is kept.
                self.schedule.drop_reminders(session.id, None)
                if session.status != told_status:
                    self.schedule.remember(session.id, told_start, session.status)
                continue
            if (start, session.status) == before:
                continue
            self.schedule.remember(session.id, start, session.status)
            change = None
            if session.status == "cancelled" and told_status != "cancelled":
                change = "cancelled"
                self.schedule.drop_reminders(session.id, None)
            elif told_status == "cancelled" and session.status == "scheduled" and session.start and session.start > now:
                change = "reinstated"
            elif session.status == "scheduled" and start and told_start and start != told_start \
                    and session.start > now:
                change = "moved"
                self.schedule.drop_reminders(session.id, session.start.timestamp())
            if change is None:
                continue
            head = {"event": event.name, "year": event.date.year, "timezone": event.timezone,
                    "session": session.kind, "session_name": session.name, "old": told_start, "new": start,
                    "change": change}
            number = self.schedule.notices(session.id) + 1
            drafts.append(UpdateDraft(f"schedule:{session.id}:{number}", "schedule", event.id, event.series_id,
                                      session.id, head))
            self._replan = True
        return drafts

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

    def open_weekends(self, now: datetime | None = None) -> Recorded:
        """A day before an event's first session to come, its thread or topic is opened (in
        channels that want one), so fans find the weekend's summary before anything happens."""
        now = now or datetime.fromtimestamp(self.clock(), timezone.utc)
        drafts, seen = [], set()
        for session, event in self.queries.upcoming_sessions(now, limit=500):
            if session.start - now > WEEKEND_AHEAD or event.id in seen:
                continue
            seen.add(event.id)
            drafts.append(UpdateDraft(f"weekend:{event.id}", "weekend", event.id, event.series_id, None,
                                      {"event": event.name, "year": event.date.year, "timezone": event.timezone}))
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
        """Wake the dispatcher when there is something new to send, and whoever plans
        reminders when a session moved."""
        if recorded.deliveries:
            for listener in self.listeners:
                listener()
        if self._replan:
            self._replan = False
            for listener in self.schedule_listeners:
                listener()
