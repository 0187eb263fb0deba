"""OpenF1 payloads (`/v1/race_control`, `/v1/session_result`, `/v1/starting_grid`) to facts.

Race control gives the neutralisation periods by lap and tells when the session is over
(chequered flag, SESSION FINISHED); results and grids give the finish and the pole. OpenF1
names cars by number: a `names` map (from `/v1/drivers`) turns numbers into drivers.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.domain import OVERALL, Incident, Result
from bot.reports.names import tidy

_STARTS = {"SAFETY CAR DEPLOYED": "safety_car", "VIRTUAL SAFETY CAR DEPLOYED": "virtual_safety_car"}
_ENDS = {"SAFETY CAR IN THIS LAP": "safety_car", "VIRTUAL SAFETY CAR ENDING": "virtual_safety_car"}


@dataclass(frozen=True)
class RaceControl:
    incidents: tuple[Incident, ...]
    finished: bool  # the chequered flag fell, or the session was declared finished


def race_control(messages: list[dict], session_id: str, source_id: str) -> RaceControl:
    """Safety-car, virtual-safety-car and red-flag periods, and whether the race is over."""
    incidents: list[Incident] = []
    open_periods: dict[str, int] = {}
    finished = False

    def close(kind: str, lap: int | None) -> None:
        """End the open period of this kind (a period never ends before it began)."""
        start = open_periods.pop(kind)
        incidents.append(Incident(session_id, len(incidents) + 1, kind, start_lap=start,
                                  end_lap=max(lap, start) if lap is not None else None, source_id=source_id,
                                  ended=True))

    for m in sorted((m for m in messages if isinstance(m, dict)), key=lambda m: str(m.get("date") or "")):
        text = str(m.get("message") or "").upper().strip()
        lap = m.get("lap_number") if isinstance(m.get("lap_number"), int) else None
        flag = str(m.get("flag") or "").upper()
        if text in _STARTS and _STARTS[text] not in open_periods:
            open_periods[_STARTS[text]] = lap or 0
        elif text in _ENDS and _ENDS[text] in open_periods:
            close(_ENDS[text], lap)
        elif flag == "RED" and "red_flag" not in open_periods:
            open_periods["red_flag"] = lap or 0
        elif flag == "GREEN" and "red_flag" in open_periods:
            close("red_flag", lap)
        # In qualifying the flag falls after Q1 and Q2 too; only the last part ends it.
        phase = m.get("qualifying_phase")
        if (flag == "CHEQUERED" and (not isinstance(phase, int) or phase >= 3)) or text == "SESSION FINISHED":
            finished = True
    for kind in list(open_periods):  # still out when the feed stops: the period has no end yet
        incidents.append(Incident(session_id, len(incidents) + 1, kind, start_lap=open_periods.pop(kind),
                                  source_id=source_id))
    return RaceControl(tuple(sorted(incidents, key=lambda i: (i.start_lap or 0, i.seq))), finished)


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
