"""Al Kamel timing files (WEC, ELMS, Le Mans, IMSA, Porsche and GR Cup series): the
classification and the lap analysis, `;`-separated, as the timing screens publish them.

Classification → results overall and per class (several drivers per car, statuses,
"1 Lap" gaps). Lap analysis → neutralisation periods from FLAG_AT_FL (SC/SF safety car,
FCY full-course yellow, RF red flag), read along the leader's laps.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass

from bot.domain import OVERALL, Incident, Lap, Result
from bot.laptime import LapTimeError, format_lap_time, parse_lap_time
from bot.reports.names import tidy
from bot.sources.fields import FileError

STATUS = {"classified": "classified", "not classified": "dnf", "retired": "dnf", "dnf": "dnf", "nc": "dnf",
          "dns": "dns", "did not start": "dns", "excluded": "dsq", "disqualified": "dsq", "dsq": "dsq"}
FLAGS = {"SF": "safety_car", "SC": "safety_car", "FCY": "full_course_yellow", "RF": "red_flag"}


def rows(text: str, name: str) -> list[dict[str, str]]:
    """The file's rows as dicts keyed by trimmed column names (a UTF-8 BOM is dropped)."""
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    if not reader.fieldnames or len(reader.fieldnames) < 3:
        raise FileError(name, "", "is not a `;`-separated Al Kamel file")
    table = []
    for row in reader:
        # A row with fewer fields than the header is a file caught while being written: read
        # as it is, it would post a winner with no name. (The header's trailing `;` may go unmatched.)
        if any(v is None for k, v in row.items() if k and k.strip()):
            raise FileError(name, f"line {reader.line_num}", "has fewer fields than the header: the file is cut short")
        extra = row.pop(None, None)  # fields past the header's last column
        if extra and any(str(v).strip() for v in extra):
            raise FileError(name, f"line {reader.line_num}", "has more fields than the header; fix the file")
        table.append({(k or "").strip(): (v or "").strip() for k, v in row.items()})
    return table


def _ms(value: str) -> int | None:
    try:
        return parse_lap_time(value) if value and value not in ("-",) else None
    except LapTimeError:
        return None


def _int(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


def classification(text: str, name: str, session_id: str, source_id: str) -> list[Result]:
    """Results overall, then each class in the order of the file."""
    table = rows(text, name)
    if not table or "POSITION" not in table[0]:
        raise FileError(name, "POSITION", "is missing: this is not a classification file")
    cars = []
    for line, row in enumerate(table, 2):
        # DRIVER_1 … DRIVER_10 in number order (as text, DRIVER_10 would come second).
        drivers = tuple(tidy(row[k]) for k in sorted((k for k in row if k.startswith("DRIVER_") and k[7:].isdigit()),
                                                     key=lambda k: int(k[7:])) if row[k])
        status = STATUS.get(row.get("STATUS", "").lower(), "classified" if row.get("STATUS", "") == "" else "dnf")
        gap = row.get("GAP_FIRST") or None
        cars.append(dict(
            position=_int(row.get("POSITION", "")), drivers=drivers, status=status,
            car_class=row.get("CLASS") or None, number=row.get("NUMBER") or None, team=row.get("TEAM") or None,
            car=row.get("VEHICLE") or None, laps=_int(row.get("LAPS", "")), total_time_ms=_ms(row.get("TOTAL_TIME", "")),
            gap=None if gap in (None, "-") else gap, best_lap_ms=_ms(row.get("FL_TIME", "")),
        ))
    results = [Result(session_id, OVERALL, source_id=source_id, **car) for car in cars]
    classes = list(dict.fromkeys(c["car_class"] for c in cars if c["car_class"]))
    for cls in classes:
        in_class = [c for c in cars if c["car_class"] == cls]
        leader = next((c for c in in_class if c["status"] == "classified"), None)
        place = 0
        for car in in_class:
            classified = car["status"] == "classified"
            place += classified
            # The file's gap is to the overall winner; in a class table it is to the class winner.
            gap = _class_gap(car, leader) if classified and leader is not None else car["gap"]
            results.append(Result(session_id, cls, **{**car, "position": place if classified else None, "gap": gap},
                                  source_id=source_id))
    return results


def _class_gap(car: dict, leader: dict) -> str | None:
    if car is leader:
        return None
    if car["laps"] is not None and leader["laps"] is not None and car["laps"] < leader["laps"]:
        laps = leader["laps"] - car["laps"]
        return f"{laps} Lap" + ("s" if laps > 1 else "")
    if car["total_time_ms"] is not None and leader["total_time_ms"] is not None:
        return "+" + format_lap_time(car["total_time_ms"] - leader["total_time_ms"])
    return car["gap"]


@dataclass(frozen=True)
class LapAnalysis:
    incidents: tuple[Incident, ...]  # the neutralisation periods
    laps: int  # rows with a lap number: none means the file holds no laps at all
    chequered: bool  # the finish flag (FF) shows: the race is over
    order: tuple[Result, ...] = ()  # at the flag: the provisional order, overall then by class
    lap_list: tuple[Lap, ...] = ()  # every lap, with each car's place at the line (for charts)


@dataclass(frozen=True)
class _Crossing:
    """One car crossing the line: when (ms since the start), which lap it completed, the
    flag it saw, and the rest of its row."""
    at: int
    lap: int
    flag: str
    row: dict


def lap_analysis(text: str, name: str, session_id: str, source_id: str) -> LapAnalysis:
    """Everything a lap analysis says, from one reading of the file (which may be one the
    timing screen is still writing)."""
    table = rows(text, name)
    crossings = _crossings(table)
    chequered = any(c.flag == "FF" for c in crossings)
    order = tuple(_provisional(crossings, session_id, source_id)) if chequered else ()
    incidents = tuple(_periods(crossings, session_id, source_id)) if table and "FLAG_AT_FL" in table[0] else ()
    return LapAnalysis(incidents, len(crossings), chequered, order, tuple(_laps(crossings, session_id, source_id)))


def neutralisations(text: str, name: str, session_id: str, source_id: str) -> list[Incident]:
    """Safety-car, full-course-yellow and red-flag periods, by the leader's laps."""
    return list(lap_analysis(text, name, session_id, source_id).incidents)


def _crossings(table: list[dict[str, str]]) -> list[_Crossing]:
    """The rows as line crossings in the order they happened, on the race clock: ELAPSED,
    or where a file lacks it, the car's lap times added up; a file with neither is read
    lap by lap in its own order."""
    found, clock = [], {}
    for index, row in enumerate(table):
        lap = _int(row.get("LAP_NUMBER", ""))
        if lap is None or not 0 < lap <= MAX_LAP:
            continue  # no lap, or one no race has: a corrupt row
        at = _ms(row.get("ELAPSED", ""))
        number = row.get("NUMBER", "")
        if at is None and (lap_time := _ms(row.get("LAP_TIME", ""))) is not None:
            at = clock.get(number, 0) + lap_time  # rows of a car come lap after lap
        if at is not None:
            clock[number] = at
        found.append((at, lap, index, row))
    timed = sum(1 for at, *_ in found if at is not None)
    if timed * 2 >= len(found):
        found.sort(key=lambda item: (item[0] is None, item[0] or 0, item[1], item[2]))
    else:
        found.sort(key=lambda item: (item[1], item[2]))
    return [_Crossing(at if at is not None else 0, lap, row.get("FLAG_AT_FL", "").upper(), row)
            for at, lap, _, row in found]


MAX_LAP = 5000  # a 24-hour race runs some 400 laps of Le Mans, 900 of a short track

MIN_CROSSINGS = 2  # a flag one car alone crossed under is a glitch, not a period


def _periods(crossings: list[_Crossing], session_id: str, source_id: str) -> list[Incident]:
    """Periods along the race clock. A neutralisation begins with the first car to cross
    the line under it, on the leader's lap (the most laps any car has completed, that
    crossing's included); it ends when a car crosses under another flag, on the last lap
    the leader completed under it. Until then it is open: a file caught mid-period says
    nothing of its end, so no "in" is announced early and no lap guessed. A period counts
    once two cars crossed under it (one alone is a glitch of the timing)."""
    incidents: list[Incident] = []
    current: list | None = None  # [kind, start lap, crossings under it]
    led = 0  # laps the leader has completed so far

    def add(kind: str, start: int, end: int | None) -> None:
        """Record a period (open when `end` is None)."""
        incidents.append(Incident(session_id, len(incidents) + 1, kind, start_lap=start, end_lap=end,
                                  source_id=source_id, ended=end is not None))

    for crossing in crossings:
        kind = FLAGS.get(crossing.flag)
        if crossing.flag == "FF":
            kind = current[0] if current else None  # the finish shows over a neutralisation too
        if current is not None and kind != current[0]:
            if current[2] >= MIN_CROSSINGS:
                add(current[0], current[1], max(led, current[1]))
            current = None
        if kind is not None:
            if current is None:
                current = [kind, max(led, crossing.lap), 0]
            current[2] += 1
        led = max(led, crossing.lap)
    if current is not None and current[2] >= MIN_CROSSINGS:
        add(current[0], current[1], None)
    return incidents


def _provisional(crossings: list[_Crossing], session_id: str, source_id: str) -> list[Result]:
    """The order at the flag, from the laps alone: most laps first, then who completed
    the last of them first; overall, then each class in the order the file names them.
    Provisional: the classification file, when it comes, has the last word."""
    cars: dict[str, dict] = {}
    for crossing in crossings:  # in race order: the last crossing of a car is its latest
        number = crossing.row.get("NUMBER", "")
        car = cars.setdefault(number, {"drivers": [], "row": crossing.row})
        driver = tidy(crossing.row.get("DRIVER_NAME", ""))
        if driver and driver not in car["drivers"]:
            car["drivers"].append(driver)
        car.update(laps=crossing.lap, at=crossing.at, row=crossing.row)
    ordered = sorted(cars.items(), key=lambda item: (-item[1]["laps"], item[1]["at"]))

    def table(entries, classification: str) -> list[Result]:
        """One classification: positions, and gaps to its leader in laps or time."""
        if not entries:
            return []
        first = entries[0][1]
        out = []
        for place, (number, car) in enumerate(entries, 1):
            behind = first["laps"] - car["laps"]
            gap = None if place == 1 else (f"{behind} Lap" + ("s" if behind > 1 else "")) if behind else \
                "+" + format_lap_time(car["at"] - first["at"])
            out.append(Result(session_id, classification, place, tuple(car["drivers"]) or (f"#{number}",),
                              car_class=car["row"].get("CLASS") or None, number=number or None,
                              team=car["row"].get("TEAM") or None, laps=car["laps"], total_time_ms=car["at"] or None,
                              gap=gap, source_id=source_id))
        return out

    results = table(ordered, OVERALL)
    for cls in dict.fromkeys(car["row"].get("CLASS") for _, car in ordered if car["row"].get("CLASS")):
        results += table([item for item in ordered if item[1]["row"].get("CLASS") == cls], cls)
    return results


def laps(text: str, name: str, session_id: str, source_id: str) -> list[Lap]:
    """Every lap of a lap analysis, in race order, each with the car's place at the line.
    After lap N a car runs behind every car that completed lap N before it (those a lap or
    more ahead completed it earlier still): its place is how many crossed lap N before it,
    plus one. A file read mid-race gives the order so far."""
    return _laps(_crossings(rows(text, name)), session_id, source_id)


def _laps(crossings: list[_Crossing], session_id: str, source_id: str) -> list[Lap]:
    found, crossed = [], Counter()
    for crossing in crossings:
        row = crossing.row
        crossed[crossing.lap] += 1
        found.append(Lap(session_id, row.get("NUMBER", ""), crossing.lap, crossed[crossing.lap],
                         row.get("CLASS") or None, tidy(row.get("DRIVER_NAME", "")) or None,
                         crossing.at or None, _ms(row.get("LAP_TIME", "")), source_id))
    return found


def kind_of(text: str) -> str | None:
    """"classification", "laps" (a lap analysis with flags) or None (any other timing file:
    weather, pit stops, an old lap analysis without flags)."""
    header = {c.strip().upper() for c in text.lstrip("\ufeff").split("\n", 1)[0].split(";")}
    if "FLAG_AT_FL" in header:
        return "laps"
    if {"POSITION", "NUMBER"} <= header:
        return "classification"
    return None
