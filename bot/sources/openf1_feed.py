"""OpenF1 polled live: race control, the drivers and the result of one session, into one
event's session.

Each poll reads `/race_control`, `/drivers` and `/session_result` for the session key (for a
qualifying session `/starting_grid` too, which holds the pole; `/sessions` once, to check
the key names a session on the event's days), turns them into facts with
bot.sources.openf1, and stores them as the feed's source (priority 80). The chequered flag
(or SESSION FINISHED) marks the session finished, which makes the finish post once; the
safety car's deployment and return each make theirs. Requests stay inside OpenF1's 30 per
10 s, and unchanged documents cost a 304.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.domain import SOURCE_PRIORITY, Source
from bot.ports import FeedError, Poll, SourceView
from bot.redaction import redact_url
from bot.sources import openf1
from bot.sources.polling import FeedSource, HttpFeed, shared_limit
from bot.sources.target import TargetError, find_target

MAX_DAYS_APART = 3  # a session more days than this from the event is another meeting's
OPENF1_LIMIT = (30, 10.0)  # 30 requests per 10 seconds
OPENF1_SPACING = 10.0 / 30  # paced evenly, so a poll never waits for the window to clear


@dataclass
class OpenF1Source(FeedSource):
    name: str
    base_url: str  # e.g. https://api.openf1.org/v1
    session_key: int
    event: str  # the event it feeds, as /events names it
    session_kind: str = "race"
    interval: float = 60.0
    live_interval: float = 5.0
    feed: HttpFeed = field(default_factory=lambda: HttpFeed(shared_limit("openf1", OPENF1_LIMIT, spacing=OPENF1_SPACING)))
    # The documents held by `feed` were read but not stored (the event was not imported
    # yet): unchanged documents are then still news, or they would never be stored.
    _unstored: bool = field(default=False, init=False, repr=False)
    _checked: bool = field(default=False, init=False, repr=False)
    _session_day: str | None = field(default=None, init=False, repr=False)

    def describe(self) -> str:
        """What it reads and what it feeds, for `pitboard sources`."""
        return f"OpenF1 {redact_url(self.base_url)} session {self.session_key} → {self.event} ({self.session_kind})"

    async def _list(self, what: str) -> tuple[list, bool]:
        base = self.base_url.rstrip("/")
        data, changed = await self.feed.get(f"{base}/{what}?session_key={self.session_key}")
        if data is not None and not isinstance(data, list):
            raise FeedError(f"/{what} should be a list of records, not {type(data).__name__}")
        return data or [], changed

    async def _check_session(self) -> None:
        """The session key names a session on the event's days (a wrong key in the config would
        post another race's safety cars); asked once, `/sessions` seldom changes."""
        sessions, _ = await self._list("sessions")
        day = next((str(s.get("date_start") or "")[:10] for s in sessions if isinstance(s, dict)), "")
        self._session_day = day or None
        self._checked = True

    async def read(self, view: SourceView) -> Poll:
        """Race control, drivers and the result (and grid) of the session, as one bundle."""
        # Everything is read before anything is stored: a failure halfway stores nothing.
        # A changed document is news until it is stored: marked at once, so a failure on a
        # later request (answered 304 next time) does not lose it.
        control, changed = await self._list("race_control")
        self._unstored |= changed
        drivers, changed = await self._list("drivers")
        self._unstored |= changed
        result, changed = await self._list("session_result")
        self._unstored |= changed
        grid: list = []
        if self.session_kind == "qualifying":
            grid, changed = await self._list("starting_grid")
            self._unstored |= changed
        if not self._unstored:
            return Poll()  # nothing changed since the last stored poll
        if not self._checked:
            await self._check_session()
        try:
            target = find_target(view.queries, self.event, self.session_kind)
        except TargetError as err:
            raise FeedError(str(err).rstrip(".")) from None
        if self._session_day and _days_apart(self._session_day, target.event.date) > MAX_DAYS_APART:
            raise FeedError(f"OpenF1 session {self.session_key} was held on {self._session_day}, not at "
                            f"{target.event.name} ({target.event.date}); fix session_key")
        base = self.base_url.rstrip("/")
        source = Source(f"openf1-{self.session_key}", "feed", f"OpenF1 session {self.session_key}",
                        redact_url(f"{base}/race_control?session_key={self.session_key}"), None, SOURCE_PRIORITY["feed"])
        names = openf1.driver_names(drivers)
        sid = target.session.id
        rc = openf1.race_control(control, sid, source.id)
        results = []
        if rc.finished:
            # The grid names the pole even when session_result is late; both are the same order.
            results = (openf1.starting_grid(grid, sid, source.id, names) if grid else []) or \
                openf1.session_result(result, sid, source.id, names)
        self._unstored = False
        return Poll([target.bundle(source, "finished" if rc.finished else "live", results, rc.incidents)])


def _days_apart(iso_day: str, day: date) -> int:
    """Days between an ISO date ("2026-03-29") and `day`; 0 when the text is not a date."""
    try:
        return abs((date.fromisoformat(iso_day) - day).days)
    except ValueError:
        return 0
