"""Al Kamel timing files (WEC, ELMS, Le Mans, IMSA, Porsche and GR Cup series): the
classification and the lap analysis, `;`-separated, as the timing screens publish them.

Classification → results overall and per class (several drivers per car, statuses,
"1 Lap" gaps). Lap analysis → neutralisation periods from FLAG_AT_FL (SC/SF safety car,
FCY full-course yellow, RF red flag), read along the leader's laps.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from itertools import groupby

from bot.domain import OVERALL, Incident, Result
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


def lap_analysis(text: str, name: str, session_id: str, source_id: str) -> LapAnalysis:
    """Everything a lap analysis says, from one reading of the file."""
    table = rows(text, name)
    return LapAnalysis(tuple(_neutralisations(table, session_id, source_id)),
                       sum(1 for row in table if _int(row.get("LAP_NUMBER", "")) is not None),
                       any(row.get("FLAG_AT_FL", "").upper() == "FF" for row in table))


def neutralisations(text: str, name: str, session_id: str, source_id: str) -> list[Incident]:
    """Safety-car, full-course-yellow and red-flag periods, by lap, from the leader's laps."""
    return _neutralisations(rows(text, name), session_id, source_id)


def _neutralisations(table: list[dict[str, str]], session_id: str, source_id: str) -> list[Incident]:
    if not table or "FLAG_AT_FL" not in table[0]:
        return []  # older lap analysis files have no flag column: nothing to say
    laps: dict[str, list[tuple[int, str]]] = {}
    for row in table:
        lap = _int(row.get("LAP_NUMBER", ""))
        if lap is not None:
            laps.setdefault(row.get("NUMBER", ""), []).append((lap, row.get("FLAG_AT_FL", "").upper()))
    if not laps:
        return []
    # The leader completes the most laps; its flags tell the race's story lap by lap.
    leader = max(laps.values(), key=lambda seq: (len(seq), max(lap for lap, _ in seq)))
    # How many cars crossed the line under each flag on each lap number.
    shown: dict[int, dict[str | None, int]] = {}
    for seq in laps.values():
        for lap, flag in seq:
            counts = shown.setdefault(lap, {})
            counts[FLAGS.get(flag)] = counts.get(FLAGS.get(flag), 0) + 1
    incidents: list[Incident] = []
    for kind, run in groupby(sorted(leader), key=lambda item: FLAGS.get(item[1])):
        run = list(run)
        if not kind:
            continue
        end = run[-1][0]
        # The leader takes the green first; the field behind it may still cross the line
        # under the flag on the next lap: that lap belongs to the period too.
        while (counts := shown.get(end + 1)) and counts.get(kind, 0) * 10 >= sum(counts.values()):
            end += 1
        incidents.append(Incident(session_id, len(incidents) + 1, kind, start_lap=run[0][0], end_lap=end,
                                  source_id=source_id, ended=True))
    return incidents


def kind_of(text: str) -> str | None:
    """"classification", "laps" (a lap analysis with flags) or None (any other timing file:
    weather, pit stops, an old lap analysis without flags)."""
    header = {c.strip().upper() for c in text.lstrip("\ufeff").split("\n", 1)[0].split(";")}
    if "FLAG_AT_FL" in header:
        return "laps"
    if {"POSITION", "NUMBER"} <= header:
        return "classification"
    return None
