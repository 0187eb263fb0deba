"""Running the polls of sources: backing off after failures, storing what a source read
through the one ingest step, remembering how each poll went."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from bot.announce.ingest import FactIngest
from bot.ports import FeedError, Source, SourceView
from bot.store.queries import Queries
from bot.store.source_state import SourceStates

log = logging.getLogger(__name__)
MAX_BACKOFF = 300.0


class Poller:
    """Runs the polls of sources: not while one backs off, storing what it read through the
    one ingest step, remembering how it went.

    A source reads everything first and the poller stores last, so a FeedError (a 429, a
    5xx, a timeout, an answer that is not valid JSON, anything a hostile answer breaks)
    changes nothing, and the source backs off (honouring Retry-After, up to an hour)."""

    def __init__(self, states: SourceStates, queries: Queries, ingest: FactIngest, clock=time.time):
        self.states, self.queries, self.ingest, self.clock = states, queries, ingest, clock

    async def poll(self, source: Source, force: bool = False) -> int:
        """Poll now unless the source is backing off (or `force`: someone asked for it);
        store what is new and return how many facts were stored."""
        name = source.name
        state = self.states.load(name)
        now = self.clock()
        if now < state.next_poll and not force:
            return 0
        # A problem with an item (a malformed file) stands until a poll reads something new or
        # finds another; a failed request is over once a poll succeeds.
        standing = state.last_error if not state.failures else None
        try:
            read = await source.read(SourceView(self.queries, lambda item: self.states.seen(name, item)))
            outcomes = self.ingest.add(read.bundles, also=lambda: self.states.mark_seen(name, read.seen))
        except Exception as err:  # noqa: BLE001 - whatever a hostile answer breaks, the source backs off
            if not isinstance(err, FeedError):
                log.exception("source %s: unexpected failure", name)
                err = FeedError(f"could not read what the source answered ({type(err).__name__}); see the log")
            state.failures += 1
            wait = err.retry_after if err.retry_after is not None else min(MAX_BACKOFF, 2.0 ** state.failures)
            state.next_poll, state.last_error = now + wait, err.reason
            log.warning("source %s: %s; next try in %.0f s", name, err.reason, wait)
            self.states.save(state)
            return 0
        stored = sum(o.results + o.incidents + o.quotes for o in outcomes)
        if read.problem:
            log.warning("source %s: %s", name, read.problem)
        state.last_error = read.problem or (standing if not stored and not read.seen else None)
        state.items += stored
        state.failures, state.next_poll = 0, 0.0
        state.last_poll = datetime.now(timezone.utc).isoformat()
        self.states.save(state)
        return stored

    def scheduled(self, source: Source) -> Scheduled:
        """The source as the engine polls it: on its own, on its intervals."""
        return Scheduled(self, source)


@dataclass
class Scheduled:
    """A source bound to its poller, for the engine: name, intervals, poll(), aclose()."""

    poller: Poller
    source: Source

    @property
    def name(self) -> str:
        """The source's name."""
        return self.source.name

    @property
    def interval(self) -> float:
        """Seconds between polls."""
        return self.source.interval

    @property
    def live_interval(self) -> float:
        """Seconds between polls while a session is live."""
        return self.source.live_interval

    async def poll(self) -> int:
        """One poll, through the poller."""
        return await self.poller.poll(self.source)

    async def aclose(self) -> None:
        """Close the source's connections."""
        await self.source.aclose()
