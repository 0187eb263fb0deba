"""OpenF1 payloads (`/v1/race_control`, `/v1/session_result`, `/v1/starting_grid`,
`/v1/laps`) to facts.

Race control gives the neutralisation periods by lap and tells when the session is over
(chequered flag, SESSION FINISHED); results and grids give the finish and the pole. OpenF1
names cars by number: a `names` map (from `/v1/drivers`) turns numbers into drivers.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain import OVERALL, Incident, Lap, Result
from bot.reports.names import tidy

# Race control's own words (OpenF1 passes them on as F1 sends them). Periods are told by
# their deployment and end; a red flag has no "end" message, so its end is read from what
# the race does next (see _resumes).
_DEPLOYED = [(re.compile(r"\bVIRTUAL SAFETY CAR DEPLOYED\b"), "virtual_safety_car"),
             (re.compile(r"(?<!VIRTUAL )\bSAFETY CAR DEPLOYED\b"), "safety_car")]
_ENDING = [(re.compile(r"\bVIRTUAL SAFETY CAR (ENDING|ENDED)\b"), "virtual_safety_car"),
           (re.compile(r"(?<!VIRTUAL )\bSAFETY CAR (IN THIS LAP|ENDING|ENDED)\b"), "safety_car")]
# A red flag ends when the race is under way again. Race control never waves a green flag
# for it; what it does say: the pit exit opens (the cars leave the pit lane to resume),
# the session is started or resumed again. An announcement ("RACE WILL RESUME AT 15:20")
# is not the resumption. Failing all of those, the leader starting a new lap proves it.
_RESUMES = re.compile(r"\bPIT EXIT OPEN\b|\bRESUMED\b|\bSESSION STARTED\b|\bRESTARTED\b")
_FUTURE = re.compile(r"\bWILL\b|\bEXPECTED\b|\bAT \d")


@dataclass(frozen=True)
class RaceControl:
    incidents: tuple[Incident, ...]
    finished: bool  # the chequered flag fell, or the session was declared finished


@dataclass
class _Open:
    kind: str
    start: int
    seen_laps: int  # the highest lap race control had named when the period began
    standing: bool = False  # a red flag after which the race restarts from the grid


def race_control(messages: list[dict], session_id: str, source_id: str) -> RaceControl:
    """Safety-car, virtual-safety-car and red-flag periods, in race order, and whether the
    race is over.

    Periods follow one another, repeat and nest as race control tells them: a virtual
    safety car that becomes a safety car ends where the safety car begins; a red flag may
    fall while a safety car is out (the safety car stays out: the race often resumes behind
    it) and ends when the race resumes; at the finish whatever is still open ends there, its
    end lap unknown (so no "safety car in" or restart is announced after the flag)."""
    closed: list[tuple[Incident, int]] = []  # with the order they began in
    opened: list[_Open] = []
    order: dict[int, int] = {}
    finished = False
    highest = 0  # the highest lap named so far: laps only advance while racing

    def close(period: _Open, lap: int | None, resumed: bool = True) -> None:
        """End a period on `lap` (never before it began); unknown when not `resumed`."""
        opened.remove(period)
        end = max(lap, period.start) if (lap is not None and resumed) else None
        closed.append((Incident(session_id, 0, period.kind, start_lap=period.start, end_lap=end,
                                source_id=source_id, ended=True), order[id(period)]))

    def find(kind: str) -> _Open | None:
        """The open period of this kind, if any."""
        return next((p for p in opened if p.kind == kind), None)

    def begin(kind: str, lap: int | None) -> None:
        """Open a period of this kind on `lap` (or the last lap named)."""
        period = _Open(kind, lap or highest or 0, highest)
        order[id(period)] = len(order)
        opened.append(period)

    for m in sorted((m for m in messages if isinstance(m, dict)), key=lambda m: str(m.get("date") or "")):
        text = " ".join(str(m.get("message") or "").upper().split())
        lap = m.get("lap_number") if isinstance(m.get("lap_number"), int) and not isinstance(m.get("lap_number"), bool) else None
        flag = str(m.get("flag") or "").upper()
        scope = str(m.get("scope") or "").upper()
        # In qualifying the flag falls after Q1 and Q2 too; only the last part ends it.
        phase = m.get("qualifying_phase")
        the_end = (flag == "CHEQUERED" and (not isinstance(phase, int) or phase >= 3)) or text == "SESSION FINISHED"
        red = find("red_flag")
        if red is not None and not finished and not the_end:  # the flag is no restart
            # The leader on a new lap, or race control saying the race is under way again.
            advanced = lap is not None and lap > max(red.start, red.seen_laps)
            said = _RESUMES.search(text) and not _FUTURE.search(text)
            red.standing |= "STANDING START" in text
            if said or (flag == "GREEN" and scope in ("TRACK", "")) or advanced:
                close(red, (lap - 1 if advanced and not said else lap) if lap is not None else None)
                if red.standing and (sc := find("safety_car")):
                    close(sc, red.start)  # a standing restart: the safety car that was out went in
        if lap is not None:
            highest = max(highest, lap)
        if the_end:
            finished = True
            for period in opened[:]:  # a copy: close() removes each from `opened`
                close(period, lap, resumed=False)
            continue
        if finished:
            continue
        deployed = ending = None
        if "SAFETY CAR" in text:  # most messages are sector flags and track limits: no pattern to try
            deployed = next((kind for pattern, kind in _DEPLOYED if pattern.search(text)), None)
            ending = next((kind for pattern, kind in _ENDING if pattern.search(text)), None) if not deployed else None
        if deployed and find(deployed) is None:
            if deployed == "safety_car" and (vsc := find("virtual_safety_car")):
                close(vsc, lap)  # the virtual safety car became a real one
            elif deployed == "virtual_safety_car" and (sc := find("safety_car")):
                close(sc, lap)
            begin(deployed, lap)
        elif ending and (period := find(ending)):
            close(period, lap)
        elif flag == "RED" and find("red_flag") is None:
            if vsc := find("virtual_safety_car"):
                close(vsc, lap)  # the race is stopped: a virtual safety car is over
            begin("red_flag", lap)
    still = [(Incident(session_id, 0, p.kind, start_lap=p.start, source_id=source_id), order[id(p)]) for p in opened]
    # Race order: by the lap each began, then by the order race control told them.
    ordered = [i for i, _ in sorted(closed + still, key=lambda item: (item[0].start_lap or 0, item[1]))]
    return RaceControl(tuple(replace(i, seq=n) for n, i in enumerate(ordered, 1)), finished)


def _driver(number, names: dict[int, str] | None) -> tuple[str, ...]:
    return ((names or {}).get(number) or f"#{number}",)


def session_result(rows: list[dict], session_id: str, source_id: str,
                   names: dict[int, str] | None = None) -> list[Result]:
    """The classification, finishing order first, then the cars that did not finish."""
    results = []
    for row in sorted((r for r in rows if isinstance(r, dict)),
                      key=lambda r: (r.get("position") is None, r.get("position") or 0)):
        status = "dsq" if row.get("dsq") else "dns" if row.get("dns") else "dnf" if row.get("dnf") else "classified"
        # Qualifying gives [Q1, Q2, Q3] for both: the last part the car ran is its result.
        gap, duration = _last_part(row.get("gap_to_leader")), _last_part(row.get("duration"))
        gap_text = None if gap in (None, 0) else gap if isinstance(gap, str) else f"+{gap:.3f}" \
            if isinstance(gap, (int, float)) else None
        results.append(Result(
            session_id, OVERALL, row.get("position") if status == "classified" else None,
            _driver(row.get("driver_number"), names), status=status, number=str(row.get("driver_number")),
            laps=row.get("number_of_laps"), total_time_ms=round(duration * 1000) if isinstance(duration, (int, float)) else None,
            gap=gap_text, source_id=source_id))
    return results


def _last_part(value):
    """A value, or the last non-null item of a per-part list (qualifying's Q1, Q2, Q3)."""
    if isinstance(value, list):
        return next((v for v in reversed(value) if v is not None), None)
    return value


def starting_grid(rows: list[dict], session_id: str, source_id: str, names: dict[int, str] | None = None) -> list[Result]:
    """The grid as qualifying results: position, car, lap time."""
    return [Result(session_id, OVERALL, r.get("position"), _driver(r.get("driver_number"), names),
                   number=str(r.get("driver_number")),
                   best_lap_ms=round(r["lap_duration"] * 1000) if isinstance(r.get("lap_duration"), (int, float)) else None,
                   source_id=source_id)
            for r in sorted((r for r in rows if isinstance(r, dict) and r.get("position")), key=lambda r: r["position"])]


MAX_LAP = 500  # a Grand Prix runs under 80 laps: past this a row is corrupt


def laps(rows: list[dict], session_id: str, source_id: str, names: dict[int, str] | None = None) -> list[Lap]:
    """Each car's laps with its place at the line, from `/v1/laps`. OpenF1 gives when each lap
    began and how long it took (often nothing for the first lap, or one in the pits): a lap
    ends when the next begins, or after its own time for a car's last. After lap N a car's
    place is one more than the cars that ended lap N before it."""
    began: dict[int, dict[int, tuple[datetime, float | None]]] = defaultdict(dict)
    for row in rows:
        number, lap, start = (row.get("driver_number"), row.get("lap_number"), _moment(row.get("date_start"))) \
            if isinstance(row, dict) else (None, None, None)
        if isinstance(number, int) and isinstance(lap, int) and 0 < lap <= MAX_LAP and start is not None:
            duration = row.get("lap_duration")
            began[number][lap] = (start, float(duration) if isinstance(duration, (int, float)) else None)
    if not began:
        return []
    start = min(at for car in began.values() for at, _ in car.values())
    crossings = []
    for number, car in began.items():
        for lap, (at, duration) in car.items():
            following = car.get(lap + 1)
            ended = following[0] if following else (at.timestamp() + duration if duration is not None else None)
            if ended is None:
                continue  # a last lap with no time: it was not finished (or not yet)
            end = ended.timestamp() if isinstance(ended, datetime) else ended
            crossings.append((end, lap, number, duration))
    found, crossed = [], defaultdict(int)
    for end, lap, number, duration in sorted(crossings):
        crossed[lap] += 1
        found.append(Lap(session_id, str(number), lap, crossed[lap], None, _driver(number, names)[0],
                         round((end - start.timestamp()) * 1000),
                         round(duration * 1000) if duration is not None else None, source_id))
    return sorted(found, key=lambda x: (x.lap, x.position))


def _moment(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def driver_names(rows: list[dict]) -> dict[int, str]:
    """Car number to driver name, from `/v1/drivers` ("Max VERSTAPPEN" becomes "Max Verstappen")."""
    names = {}
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("driver_number"), int):
            continue
        first, last = str(row.get("first_name") or "").strip(), str(row.get("last_name") or "").strip()
        full = f"{first} {last}".strip() or tidy(str(row.get("full_name") or ""))
        if full:
            names[row["driver_number"]] = full
    return names
