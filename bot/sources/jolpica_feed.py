"""Jolpica-F1 polled: a round's race results or qualifying, into one event's session.

Jolpica publishes a round's results after the race, and revises them after penalties: the
first answer with results finishes the session (the finish or pole post, once); a later,
different answer replaces the source's own facts, and the posts are corrected. Requests
stay inside Jolpica's 4 per second and 500 per hour.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain import SOURCE_PRIORITY, Source
from bot.ports import FeedError, Poll, SourceView
from bot.redaction import redact_url
from bot.sources import jolpica
from bot.sources.fields import FileError
from bot.sources.polling import FeedSource, HttpFeed, shared_limit
from bot.sources.target import TargetError, find_target

JOLPICA_LIMITS = ((4, 1.0), (500, 3600.0))
MAX_DAYS_APART = 3  # a "last" round more days than this from the event is another race


@dataclass
class JolpicaSource(FeedSource):
    name: str
    base_url: str  # e.g. https://api.jolpi.ca/ergast/f1
    season: str  # a year, or "current"
    round: str  # a round number, or "last"
    event: str  # the event it feeds, as /events names it
    session_kind: str = "race"  # race or qualifying
    interval: float = 600.0
    live_interval: float = 60.0
    feed: HttpFeed = field(default_factory=lambda: HttpFeed(shared_limit("jolpica", *JOLPICA_LIMITS, spacing=0.25)))
    # Whether the answer held by `feed` was read but not stored (no such event yet, another
    # race's day): a 304 for it must not count as "nothing new", or the error would clear
    # itself and the results would never be stored once the event is imported.
    _unstored: bool = field(default=False, init=False, repr=False)

    @property
    def url(self) -> str:
        """The round's results (or qualifying) document."""
        what = "qualifying" if self.session_kind == "qualifying" else "results"
        return f"{self.base_url.rstrip('/')}/{self.season}/{self.round}/{what}.json?limit=100"

    def describe(self) -> str:
        """What it reads and what it feeds, for `pitboard sources`."""
        return f"Jolpica {self.season} round {self.round} at {redact_url(self.base_url)} → {self.event} ({self.session_kind})"

    async def read(self, view: SourceView) -> Poll:
        """The round's results (or qualifying), once they are out, as one bundle."""
        data, changed = await self.feed.get(self.url)
        if not changed and not self._unstored:
            return Poll()
        self._unstored = True
        bundles = self._bundles(view, data)  # raises FeedError if the answer cannot be stored
        self._unstored = False
        return Poll(bundles)

    def _bundles(self, view: SourceView, data) -> list:
        try:
            day = jolpica.race_day(data)
        except FileError as err:
            raise FeedError(f"{redact_url(self.url)} {err.problem}") from None
        if day is None:
            return []  # the round has no results yet
        try:
            target = find_target(view.queries, self.event, self.session_kind)
        except TargetError as err:
            raise FeedError(str(err).rstrip(".")) from None
        if self.round == "last" and (target.event.date - day).days > MAX_DAYS_APART:
            return []  # "last" is still the round before: this event's results are not out yet
        if abs((day - target.event.date).days) > MAX_DAYS_APART:
            raise FeedError(f"Jolpica's round {self.season}/{self.round} was raced on {day}, "
                            f"not at {target.event.name} ({target.event.date}); fix season or round")
        source = Source(f"jolpica-{self.season}-{self.round}-{self.session_kind}", "feed",
                        f"Jolpica {self.season} round {self.round}", redact_url(self.url), None, SOURCE_PRIORITY["feed"])
        read = jolpica.qualifying if self.session_kind == "qualifying" else jolpica.results
        try:
            results = read(data, redact_url(self.url), target.session.id, source.id)
        except (FileError, KeyError, TypeError, ValueError):
            raise FeedError(f"{redact_url(self.url)} answered results in a shape Pitboard cannot read") from None
        return [target.bundle(source, "finished", results)] if results else []
