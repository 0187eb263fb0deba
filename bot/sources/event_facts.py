"""Reading the facts inside an event file: classifications, incidents and moments."""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.domain import INCIDENT_KINDS, OVERALL, RESULT_STATUSES, Event, Incident, Result
from bot.sources.fields import Fields

OVERALL_NAMES = ("overall", "")


def when(f: Fields, key: str, tz: ZoneInfo) -> tuple[date | None, datetime | None]:
    """A bare date is a day with no known time; a time without offset is local to the event."""
    value = f.moment(key)
    if value is None:
        return None, None
    if not isinstance(value, datetime):
        if isinstance(value, time):
            raise f.fail(key, "needs a date, not just a time")
        return value, None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.date(), value


def parse_classifications(sf: Fields, session_id: str, event: Event, source_of) -> list[Result]:
    """The session's classifications: overall and per class, each a list of results."""
    results = []
    for cf in sf.tables("classifications"):
        cf.only("class", "source", "results")
        name = cf.text("class")
        classification = OVERALL if name.lower() in OVERALL_NAMES else name
        if classification and event.classes and classification not in event.classes:
            raise cf.fail("class", f"{name!r} is not one of the event's classes ({', '.join(event.classes)})")
        source = source_of(cf)
        positions: set[int] = set()
        for rf in cf.tables("results", required=True):
            rf.only(
                "position", "driver", "drivers", "status", "class", "number", "team", "car",
                "laps", "time", "gap", "best_lap",
            )
            drivers = rf.strings("drivers") or ((rf.text("driver"),) if "drivers" not in rf.data else ())
            if not drivers:
                raise rf.fail("drivers", "must name at least one driver")
            status = (rf.text("status", required=False) or "classified").lower()
            if status not in RESULT_STATUSES:
                raise rf.fail("status", f"must be one of {', '.join(RESULT_STATUSES)}, not {status!r}")
            position = rf.integer("position", required=status == "classified", minimum=1)
            if position is not None:
                if position in positions:
                    raise rf.fail("position", f"{position} is given twice in this classification")
                positions.add(position)
            number = rf.data.get("number")
            if number is not None and (isinstance(number, bool) or not isinstance(number, (int, str))
                                       or not str(number).strip() or len(str(number)) > 10):
                raise rf.fail("number", f"must be a car number such as 7 or \"07\", not {number!r}")
            results.append(
                Result(
                    session_id=session_id,
                    classification=classification,
                    position=position,
                    drivers=drivers,
                    status=status,
                    car_class=rf.text("class", required=False) or (classification or None),
                    number=str(number) if number is not None else None,
                    team=rf.text("team", required=False),
                    car=rf.text("car", required=False),
                    laps=rf.integer("laps", required=False, minimum=0),
                    total_time_ms=rf.laptime("time"),
                    gap=rf.text("gap", required=False),
                    best_lap_ms=rf.laptime("best_lap"),
                    source_id=source,
                )
            )
    return results


def parse_incident(f: Fields, session_id: str, seq: int, tz: ZoneInfo, source_of) -> Incident:
    """One incident: what, when (laps or times), where, why, who."""
    f.only("kind", "start_lap", "end_lap", "start", "end", "ended", "cause", "location", "drivers", "note", "source")
    ended = f.data.get("ended", False)
    if not isinstance(ended, bool):
        raise f.fail("ended", f"must be true or false, not {ended!r}")
    start_lap = f.integer("start_lap", required=False, minimum=0)
    end_lap = f.integer("end_lap", required=False, minimum=0)
    if start_lap is not None and end_lap is not None and end_lap < start_lap:
        raise f.fail("end_lap", f"{end_lap} is before start_lap {start_lap}")
    return Incident(
        session_id=session_id,
        seq=seq,
        kind=f.text("kind", choices=INCIDENT_KINDS),
        start_lap=start_lap,
        end_lap=end_lap,
        start_time=when(f, "start", tz)[1],
        end_time=when(f, "end", tz)[1],
        cause=f.localized("cause"),
        location=f.localized("location"),
        drivers=f.strings("drivers"),
        note=f.localized("note"),
        source_id=source_of(f),
        ended=ended,
    )
