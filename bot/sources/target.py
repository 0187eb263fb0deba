"""The event and session a timing source feeds, found in the store by a forgiving name.

Live sources (OpenF1, Jolpica, Al Kamel timing) add facts to an event the store already
knows from its event file; they never invent one, since a misspelt name in a config file
would otherwise create a ghost event and post about it.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.domain import Event, EventBundle, Series, Session, Source
from bot.store.queries import Queries

SESSION_KINDS = ("race", "qualifying", "practice")


class TargetError(ValueError):
    """The event or session named does not exist, told as one sentence."""


@dataclass(frozen=True)
class Target:
    series: Series
    event: Event
    session: Session  # the stored session of that kind, or a new one to create

    def bundle(self, source: Source, status: str, results=(), incidents=(), laps=()) -> EventBundle:
        """What the source read, as one bundle for `App.add_source_facts`."""
        s = self.session
        moved = Session(s.id, s.event_id, s.kind, s.name, status=status, day=s.day, start=s.start, end=s.end)
        return EventBundle(self.series, self.event, (source,), (moved,), tuple(results), tuple(incidents),
                           laps=tuple(laps))


def find_target(queries: Queries, event_query: str, kind: str) -> Target:
    """The stored event named `event_query` and its session of `kind`."""
    if kind not in SESSION_KINDS:
        raise TargetError(f"the session must be one of {', '.join(SESSION_KINDS)}, not {kind!r}.")
    found = queries.find_event(event_query)
    event = queries.event(found.event_id) if found.event_id else None
    if event is None:
        hint = f" Did you mean {', '.join(found.suggestions[:3])}?" if found.suggestions else ""
        raise TargetError(f"no event {event_query!r} is known: import its event file first, or name it as "
                          f"`pitboard events` lists it.{hint}")
    session = next((s for s in queries.sessions(event.id) if s.kind == kind), None) or \
        Session(f"{event.id}/{kind}", event.id, kind, kind.capitalize(), status="scheduled", day=event.date)
    return Target(queries.series(event.series_id), event, session)

