"""Jolpica-F1 (Ergast-compatible JSON): a round's race results and qualifying to facts."""
from __future__ import annotations

from datetime import date

from bot.domain import OVERALL, Result
from bot.laptime import LapTimeError, parse_lap_time
from bot.sources.fields import FileError


def _race(data: dict, name: str) -> dict:
    try:
        return data["MRData"]["RaceTable"]["Races"][0]
    except (KeyError, IndexError, TypeError):
        raise FileError(name, "MRData.RaceTable.Races", "is missing or empty: not a Jolpica answer for one round") from None


def _ms(text: str | None) -> int | None:
    try:
        return parse_lap_time(text) if text else None
    except LapTimeError:
        return None


def _name(row: dict) -> str:
    driver = row.get("Driver", {})
    return f"{driver.get('givenName', '')} {driver.get('familyName', '')}".strip() or driver.get("code", "?")


def results(data: dict, name: str, session_id: str, source_id: str) -> list[Result]:
    """The race classification: finishers (lapped ones too) in order, then retirements."""
    out = []
    for row in _race(data, name).get("Results", []):
        status_text = row.get("status", "")
        # Lapped finishers: "+1 Lap" in Ergast's answers, "Lapped" in Jolpica's since 2025.
        finished = status_text in ("Finished", "Lapped") or status_text.startswith("+")
        status = "classified" if finished else "dsq" if "disqualified" in status_text.lower() else "dnf"
        out.append(Result(
            session_id, OVERALL, int(row["position"]) if finished else None, (_name(row),), status=status,
            number=row.get("number"), team=row.get("Constructor", {}).get("name"), laps=int(row.get("laps") or 0),
            total_time_ms=int(row["Time"]["millis"]) if row.get("Time", {}).get("millis") else None,
            gap=status_text if status_text.startswith("+") else None,
            best_lap_ms=_ms(row.get("FastestLap", {}).get("Time", {}).get("time")), source_id=source_id))
    return out


def qualifying(data: dict, name: str, session_id: str, source_id: str) -> list[Result]:
    """The qualifying order, each with the best of their Q1/Q2/Q3 times."""
    out = []
    for row in _race(data, name).get("QualifyingResults", []):
        times = [t for t in (_ms(row.get(q)) for q in ("Q1", "Q2", "Q3")) if t]
        out.append(Result(session_id, OVERALL, int(row["position"]), (_name(row),), number=row.get("number"),
                          team=row.get("Constructor", {}).get("name"), best_lap_ms=min(times) if times else None,
                          source_id=source_id))
    return out


def race_day(data: object) -> date | None:
    """The day of the round the answer is about; None while the round has no results yet.
    An answer that is not Jolpica's shape at all raises FileError."""
    if not (isinstance(data, dict) and isinstance(data.get("MRData"), dict)
            and isinstance(data["MRData"].get("RaceTable"), dict)):
        raise FileError("answer", "MRData.RaceTable", "is missing: not a Jolpica (Ergast) answer")
    races = data["MRData"]["RaceTable"].get("Races") or []
    if not races:
        return None
    if not isinstance(races, list) or not isinstance(races[0], dict):
        raise FileError("answer", "MRData.RaceTable.Races", "is not a list of races")
    try:
        return date.fromisoformat(str(races[0].get("date")))
    except ValueError:
        raise FileError("answer", "Races[0].date", "is not a date such as 2022-03-27") from None
