"""One account of a session's incidents from several sources, each telling what it can know.

Timing knows when a neutralisation began and ended, to the lap, but not why; an event file
or a report knows the crash behind it, where and who. The periods come from the best
source that has any, the crashes from the best source that has any, and a period its best
source leaves without a cause, a place or drivers takes them from another source's account
of the same period (same kind, starting within a lap)."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.domain import NEUTRALISATIONS, Incident

# Kinds that may name the same period: timing's full-course yellow is a report's VSC.
_FAMILY = {"safety_car": "sc", "virtual_safety_car": "slow", "full_course_yellow": "slow", "red_flag": "red"}
_EARLIEST = datetime.min.replace(tzinfo=UTC)


def merge_incidents(by_source: list[list[Incident]]) -> list[Incident]:
    """The incidents of one session from each source's own list (best source first), as
    one list in race order, numbered again from 1."""
    periods = next(([i for i in found if i.kind in NEUTRALISATIONS] for found in by_source
                    if any(i.kind in NEUTRALISATIONS for i in found)), [])
    others = next(([i for i in found if i.kind not in NEUTRALISATIONS] for found in by_source
                   if any(i.kind not in NEUTRALISATIONS for i in found)), [])
    told = [i for found in by_source for i in found if i.kind in NEUTRALISATIONS]
    merged = [_completed(period, told) for period in periods] + others
    merged.sort(key=_race_order)
    return [replace(incident, seq=n) for n, incident in enumerate(merged, 1)]


def _completed(period: Incident, told: list[Incident]) -> Incident:
    """`period` with what other accounts of it add (cause, place, drivers, note)."""
    same = [i for i in told if i is not period and _FAMILY[i.kind] == _FAMILY[period.kind]
            and _near(i, period)]
    if not same:
        return period
    extra = {}
    for name in ("cause", "location", "note"):
        if not getattr(period, name):
            extra[name] = next((getattr(i, name) for i in same if getattr(i, name)), None)
    if not period.drivers:
        extra["drivers"] = next((i.drivers for i in same if i.drivers), ())
    return replace(period, **extra)


def _near(a: Incident, b: Incident) -> bool:
    if a.start_lap is not None and b.start_lap is not None:
        return abs(a.start_lap - b.start_lap) <= 1
    return a.start_time is not None and a.start_time == b.start_time


def _race_order(incident: Incident) -> tuple:
    """By lap, then by time, what caused a period before it, then as told."""
    moment = incident.start_time
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (incident.start_lap is None, incident.start_lap or 0, moment or _EARLIEST,
            incident.kind in NEUTRALISATIONS, incident.seq)
