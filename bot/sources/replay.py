"""Replaying a finished event as it happened: the facts of one bundle, in race order.

Each stage is a complete bundle of what was known at that moment, so storing the stages
one after another drives the same store → updates → outbox path a live feed would.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from bot.domain import EventBundle


@dataclass(frozen=True)
class Stage:
    label: str
    bundle: EventBundle


def replay_stages(bundle: EventBundle) -> list[Stage]:
    """Qualifying ends; the race starts with its incidents; neutralisations end; the
    chequered flag; the drivers speak; the classification is made final."""
    quali = {s.id for s in bundle.sessions if s.kind == "qualifying"}
    race = {s.id for s in bundle.sessions if s.kind == "race"}

    def at(n: int, label: str, status: dict[str, str], results: set[str], incidents: str | None, quotes: bool) -> Stage:
        """The bundle as it stood at stage `n`: session statuses, which results, incidents
        (none, still open, or as they ended) and whether the quotes are in yet."""
        sessions = tuple(replace(s, status=status.get(s.id, "scheduled")) for s in bundle.sessions)
        kept = tuple(r for r in bundle.results if r.session_id in results)
        if incidents is None:
            found = ()
        elif incidents == "open":
            found = tuple(replace(i, ended=False, end_lap=None, end_time=None) for i in bundle.incidents)
        else:
            found = bundle.incidents
        stage = replace(bundle, sessions=sessions, results=kept, incidents=found,
                        quotes=bundle.quotes if quotes else (), digest=f"replay-{n}-{bundle.digest}")
        return Stage(label, stage)

    done = {s: "final" for s in quali}
    return [
        at(1, "qualifying ends", done, quali, None, False),
        at(2, "race start", {**done, **{s: "live" for s in race}}, quali, "open", False),
        at(3, "neutralisation over", {**done, **{s: "live" for s in race}}, quali, "all", False),
        at(4, "chequered flag", {**done, **{s: "finished" for s in race}}, quali | race, "all", False),
        at(5, "the drivers speak", {**done, **{s: "finished" for s in race}}, quali | race, "all", True),
        at(6, "classification final", {**done, **{s: "final" for s in race}}, quali | race, "all", True),
    ]
