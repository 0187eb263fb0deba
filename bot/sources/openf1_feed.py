"""OpenF1 polled live: race control, the drivers and the result of one session, into one
event's session.

Each poll reads `/race_control`, `/drivers` and `/session_result` for the session key (for a
qualifying session `/starting_grid` too, which holds the pole; for a race `/laps` once it
is over, for /chart; `/sessions` once, to check the key names a session on the event's
days), turns them into facts with
bot.sources.openf1, and stores them as the feed's source (priority 80). The chequered flag
(or SESSION FINISHED) marks the session finished, which makes the finish post once; the
safety car's deployment and return each make theirs. Requests stay inside OpenF1's 30 per
10 s, and unchanged documents cost a 304.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

import httpx

from bot.domain import OVERALL, SOURCE_PRIORITY, Source
from bot.ports import FeedError, Poll, SourceView
from bot.redaction import redact_url
from bot.sources import openf1
from bot.sources.oauth import PasswordGrant
from bot.sources.polling import FeedSource, HttpFeed, shared_limit
from bot.sources.target import TargetError, find_target

MAX_DAYS_APART = 3  # a session more days than this from the event is another meeting's
# OpenF1's published limits: without an account 3 requests a second and 30 a minute; an
# account lifts them, and we still keep to 6 a second and 60 a minute. Requests are paced
# evenly, so a poll never waits for a window to clear.
ANONYMOUS_LIMITS = ((3, 1.0), (30, 60.0))
ACCOUNT_LIMITS = ((6, 1.0), (60, 60.0))
CREDENTIALS = ("OPENF1_USERNAME", "OPENF1_PASSWORD")  # live data needs an account: from the environment


def openf1_feed(base_url: str, env) -> HttpFeed:
    """The HTTP feed for OpenF1 at `base_url`: with a bearer token when the environment has
    the account's username and password (the token comes from `/token` next to `/v1`), and
    the limits that go with it, shared by every OpenF1 source of the process."""
    username, password = (env.get(name) or "" for name in CREDENTIALS)
    if not (username and password):
        return HttpFeed(shared_limit("openf1", *ANONYMOUS_LIMITS, spacing=60.0 / 30))
    origin = httpx.URL(base_url)
    token_url = str(origin.copy_with(path=origin.path.rstrip("/").rsplit("/", 1)[0] + "/token", query=None))
    return HttpFeed(shared_limit("openf1-account", *ACCOUNT_LIMITS, spacing=1.0),
                    auth=PasswordGrant(token_url, username, password, names=" and ".join(f"${n}" for n in CREDENTIALS)))


@dataclass
class OpenF1Source(FeedSource):
    name: str
    base_url: str  # e.g. https://api.openf1.org/v1
    session_key: int
    event: str  # the event it feeds, as /events names it
    session_kind: str = "race"
    interval: float = 60.0
    live_interval: float = 5.0
    feed: HttpFeed = field(default_factory=lambda: openf1_feed("", {}))
    # The documents held by `feed` were read but not stored (the event was not imported
    # yet): unchanged documents are then still news, or they would never be stored.
    _unstored: bool = field(default=False, init=False, repr=False)
    _checked: bool = field(default=False, init=False, repr=False)
    _session_day: str | None = field(default=None, init=False, repr=False)
    _docs: dict = field(default_factory=dict, init=False, repr=False)  # the last of each endpoint read

    def describe(self) -> str:
        """What it reads and what it feeds, for `pitboard sources`."""
        return f"OpenF1 {redact_url(self.base_url)} session {self.session_key} → {self.event} ({self.session_kind})"

    async def _list(self, what: str) -> tuple[list, bool]:
        """The records of one endpoint for the session, and whether they changed. OpenF1
        answers "no records yet" with a 404 saying so: that is an empty list, not a failure."""
        base = self.base_url.rstrip("/")
        data, changed = await self.feed.get(f"{base}/{what}?session_key={self.session_key}", nothing=_no_results)
        if data is not None and not isinstance(data, list):
            raise FeedError(f"/{what} should be a list of records, not {type(data).__name__}")
        return data or [], changed

    async def _check_session(self) -> None:
        """The session key names a session on the event's days (a wrong key in the config would
        post another race's safety cars); asked once, `/sessions` seldom changes."""
        sessions, _ = await self._list("sessions")
        if not sessions:
            raise FeedError(f"OpenF1 knows no session {self.session_key}; fix session_key")
        day = next((str(s.get("date_start") or "")[:10] for s in sessions if isinstance(s, dict)), "")
        self._session_day = day or None
        self._checked = True

    async def read(self, view: SourceView) -> Poll:
        """Race control every poll; once the session is over, the drivers, the result (and
        for qualifying the grid) too. One bundle."""
        # While the session runs only race control matters (results are posted at the
        # finish): one request a poll, so OpenF1's limit allows a poll every third of a second.
        control, changed = await self._list("race_control")
        # A changed document is news until it is stored: marked at once, so a failure on a
        # later request (answered 304 next time) does not lose it.
        self._unstored |= changed
        finished = openf1.race_control(control, "", "").finished
        problems: list[str] = []
        if finished:
            # One of these failing does not throw away what the others read: the facts
            # read are stored, the failure is named, and the next poll asks again.
            # A race's laps too, once, for /chart: read lap by lap it would spend the request
            # budget race control needs.
            extra = ("starting_grid",) if self.session_kind == "qualifying" else ("laps",) if self.session_kind == "race" else ()
            for what in ("drivers", "session_result") + extra:
                try:
                    self._docs[what], changed = await self._list(what)
                    self._unstored |= changed
                except FeedError as err:
                    if err.status == 429:
                        raise  # the whole source waits what OpenF1 asks
                    problems.append(f"/{what}: {err.reason}")
        if not self._unstored and not problems:
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
        sid = target.session.id
        rc = openf1.race_control(control, sid, source.id)
        results, laps = [], []
        if rc.finished:
            # A car the driver list lacks is named as the store's other results name it.
            names = {**_known_names(view, target), **openf1.driver_names(self._docs.get("drivers") or [])}
            grid, result = self._docs.get("starting_grid") or [], self._docs.get("session_result") or []
            # The grid names the pole even when session_result is late; both are the same order.
            results = (openf1.starting_grid(grid, sid, source.id, names) if grid else []) or \
                openf1.session_result(result, sid, source.id, names)
            laps = openf1.laps(self._docs.get("laps") or [], sid, source.id, names)
        # After a failed request the next poll stores again, whatever OpenF1 answers then.
        self._unstored = bool(problems)
        return Poll([target.bundle(source, "finished" if rc.finished else "live", results, rc.incidents, laps)],
                    problem="; ".join(problems)[:500] or None)


def _no_results(body: bytes) -> bool:
    """Whether a 404's body is OpenF1's "No results found." (and not a wrong address)."""
    try:
        detail = json.loads(body).get("detail")
    except (ValueError, AttributeError, RecursionError):
        return False
    return isinstance(detail, str) and detail.strip().lower().startswith("no results")


def _known_names(view: SourceView, target) -> dict[int, str]:
    """Car number to driver from what the store already holds for the event (the event
    file's entry list, a grid read earlier)."""
    names: dict[int, str] = {}
    for session in view.queries.sessions(target.event.id):
        for result in view.queries.results(session.id, OVERALL):
            if result.number and result.number.strip().isdigit() and result.drivers:
                names.setdefault(int(result.number), result.drivers[0])
    return names


def _days_apart(iso_day: str, day: date) -> int:
    """Days between an ISO date ("2026-03-29") and `day`; 0 when the text is not a date."""
    try:
        return abs((date.fromisoformat(iso_day) - day).days)
    except ValueError:
        return 0
