"""OpenF1 polled live: race control and the result of one session, into one event's race.

Each poll reads `/race_control` and `/session_result` for the session key (the grid too for
qualifying), turns them into facts with bot.sources.openf1, and stores them as the feed's
source (priority 80). The chequered flag (or SESSION FINISHED) marks the session finished,
which makes the finish post once; the safety car's deployment and return each make theirs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain import EventBundle, Session, Source
from bot.sources import openf1
from bot.sources.event_file import DEFAULT_PRIORITY
from bot.sources.polling import FeedError, JsonFeed, guarded_poll

OPENF1_GAP = 10.0 / 30  # 30 requests per 10 seconds


@dataclass
class OpenF1Source:
    name: str
    base_url: str  # e.g. https://api.openf1.org/v1
    session_key: int
    event: str  # the event it feeds, as /events names it
    session_kind: str = "race"
    interval: float = 60.0
    live_interval: float = 5.0
    feed: JsonFeed = field(default_factory=lambda: JsonFeed(OPENF1_GAP))

    async def poll(self, app) -> int:
        """Read the session's feeds and store what changed; returns the facts stored."""
        return await guarded_poll(app.db, self.name, lambda state: self._read(app, state))

    async def _read(self, app, state) -> int:
        base = self.base_url.rstrip("/")
        control, changed = await self.feed.get(f"{base}/race_control?session_key={self.session_key}", state)
        result, changed_too = await self.feed.get(f"{base}/session_result?session_key={self.session_key}", state)
        if not (changed or changed_too):
            return 0  # nothing changed since the last poll
        for data in (control, result):
            if data is not None and not isinstance(data, list):
                raise FeedError(f"{self.name}: expected a list of records, got {type(data).__name__}")
        found = app.queries.find_event(self.event)
        event = app.queries.event(found.event_id) if found.event_id else None
        if event is None:
            raise FeedError(f"{self.name}: no event {self.event!r} in the store; import its event file")
        session = next((s for s in app.queries.sessions(event.id) if s.kind == self.session_kind), None)
        session_id = session.id if session else f"{event.id}/{self.session_kind}"
        source = Source(f"openf1-{self.session_key}", "feed", f"OpenF1 session {self.session_key}",
                        f"{base}/race_control?session_key={self.session_key}", None, DEFAULT_PRIORITY["feed"])
        rc = openf1.race_control(control or [], session_id, source.id)
        results = openf1.session_result(result or [], session_id, source.id) if rc.finished else []
        status = "finished" if rc.finished else "live"
        stored = Session(session_id, event.id, self.session_kind, session.name if session else self.session_kind.capitalize(),
                         status=status, day=event.date)
        bundle = EventBundle(app.queries.series(event.series_id), event, (source,), (stored,), tuple(results),
                             rc.incidents)
        outcome = app.add_source_facts(bundle)
        return outcome.results + outcome.incidents
