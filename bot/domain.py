"""The facts Pitboard keeps: series, events, sessions, results, incidents, quotes, sources.

Frozen dataclasses with no behaviour beyond what the facts themselves imply; the store
persists them and the commands read them back.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

SESSION_KINDS = ("practice", "qualifying", "race")
SESSION_STATUSES = ("scheduled", "live", "finished", "final", "cancelled")
RESULT_STATUSES = ("classified", "dnf", "dns", "dsq")
INCIDENT_KINDS = ("safety_car", "virtual_safety_car", "full_course_yellow", "red_flag", "crash")
# Incidents that neutralise the race, as opposed to what caused them.
NEUTRALISATIONS = ("safety_car", "virtual_safety_car", "full_course_yellow", "red_flag")
SOURCE_KINDS = ("event_file", "report", "timing", "feed", "admin")
# A source's default weight when two disagree: official timing beats a report.
SOURCE_PRIORITY = {"timing": 100, "admin": 90, "feed": 80, "event_file": 50, "report": 40}
OVERALL = ""  # the classification key of the overall order; a class name otherwise
# An hourly classification's source id ends with this and the hour ("…-hour-03"): each hour
# of an endurance race keeps its own list of results.
HOURLY_SUFFIX = "hour-"
LANGUAGES = ("en", "fr")

# What a channel can choose to follow. Corrections reach whoever got the pole or finish post.
# Reminders, the digest and an endurance race's hourly standings go only to channels that
# opted in (`/settings reminders`, `digest`, `hourly`).
UPDATE_KINDS = ("pole", "safety_car", "safety_car_in", "vsc", "red_flag", "finish", "quote", "reminder", "digest",
                "hourly", "schedule")
# Posts that give a result away: spoiler delay and spoiler markup apply to these.
SPOILER_KINDS = ("pole", "finish")
# Posts held back by a channel's spoiler delay: those, what the drivers said (a winner's
# words give the result away) and the digest that sums them up.
DELAYED_KINDS = SPOILER_KINDS + ("quote", "digest", "hourly")
# Posts whose content may change later (penalties, provisional → final): revised, not repeated.
CORRECTABLE_KINDS = ("pole", "finish")
# Live posts (the race as it happens) go out before bulk ones (quotes, reminders, digests):
# a safety car must not wait behind ten thousand channels' quote of the winner.
LIVE, BULK = 0, 1
PRIORITY = {"pole": LIVE, "safety_car": LIVE, "safety_car_in": LIVE, "vsc": LIVE, "red_flag": LIVE, "restart": LIVE,
            "finish": LIVE, "quote": BULK, "reminder": BULK, "digest": BULK, "test": LIVE, "hourly": BULK,
            "schedule": LIVE, "weekend": BULK}
# How long a post is worth sending after it was made (or corrected), in seconds: a safety car
# an hour late is noise, a finish a day late is not. A reminder is worth it until its session
# starts. A post still waiting after that (a long outage) is marked expired, with the reason.
FRESH_FOR = {"safety_car": 3600, "safety_car_in": 3600, "vsc": 3600, "red_flag": 3600, "restart": 3600,
             "pole": 12 * 3600, "finish": 3 * 24 * 3600, "quote": 3 * 24 * 3600, "digest": 12 * 3600,
             "test": 600, "hourly": 3600, "schedule": 24 * 3600, "weekend": 24 * 3600}
# A role to mention in posts: Discord's `<@&id>` as it pastes, or the id alone.
_ROLE = re.compile(r"^<@&(\d{1,20})>$|^@?(\d{1,20})$")


def role_id(text: str) -> str | None:
    """The role id `text` names (`<@&123>`, `@123` or `123`), or None when it names no role:
    a free text would be shown in every post (and could be 5,000 characters long)."""
    found = _ROLE.match(text.strip())
    return (found.group(1) or found.group(2)) if found else None


@dataclass(frozen=True)
class Source:
    """Where facts came from; a higher priority wins when two sources disagree."""

    id: str
    kind: str
    name: str
    url: str | None = None
    language: str | None = None
    priority: int = 0
    # Who made these facts public ("telegram:123", "terminal"), when a person did.
    published_by: str | None = None


@dataclass(frozen=True)
class Series:
    id: str
    name: str
    short_name: str | None = None


@dataclass(frozen=True)
class Event:
    id: str
    series_id: str
    name: str
    date: date
    timezone: str
    venue: str | None = None
    circuit_length_m: int | None = None
    starters: int | None = None
    aliases: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    # False when only the year is known (an event first met in a report): shown as the year.
    date_known: bool = True


@dataclass(frozen=True)
class Session:
    id: str
    event_id: str
    kind: str
    name: str
    status: str = "scheduled"
    day: date | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class Result:
    """One line of a classification: the overall order when `classification` is
    OVERALL, or one class's own order otherwise."""

    session_id: str
    classification: str
    position: int | None
    drivers: tuple[str, ...]
    status: str = "classified"
    car_class: str | None = None
    number: str | None = None
    team: str | None = None
    car: str | None = None
    laps: int | None = None
    total_time_ms: int | None = None
    gap: str | None = None
    best_lap_ms: int | None = None
    source_id: str = ""

    @property
    def driver(self) -> str:
        """The crew as one line, drivers in the order the source gave them."""
        return " / ".join(self.drivers)


@dataclass(frozen=True)
class Incident:
    session_id: str
    seq: int
    kind: str
    start_lap: int | None = None
    end_lap: int | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    # Free text, keyed by language ("" when the source gave one language only).
    cause: dict[str, str] | None = None
    location: dict[str, str] | None = None
    drivers: tuple[str, ...] = ()
    note: dict[str, str] | None = None
    source_id: str = ""
    ended: bool = False  # over, even when the source does not say on which lap

    @property
    def is_over(self) -> bool:
        """Whether the period has ended (by lap, by time, or just said to be over)."""
        return self.ended or self.end_lap is not None or self.end_time is not None


@dataclass(frozen=True)
class Quote:
    event_id: str
    seq: int
    speaker: str
    text: str
    language: str
    role: str | None = None
    session_id: str | None = None
    source_id: str = ""


@dataclass(frozen=True)
class Lap:
    """One car completing one lap: where it ran at the line (overall), the race clock then
    (ms since the start), and the lap's own time, as a lap analysis gives them."""

    session_id: str
    number: str  # the car's number
    lap: int
    position: int | None = None
    car_class: str | None = None
    driver: str | None = None
    elapsed_ms: int | None = None
    lap_time_ms: int | None = None
    source_id: str = ""


@dataclass(frozen=True)
class EventBundle:
    """Everything one event file (or one source run) says about one event."""

    series: Series
    event: Event
    sources: tuple[Source, ...]
    sessions: tuple[Session, ...] = ()
    results: tuple[Result, ...] = ()
    incidents: tuple[Incident, ...] = ()
    quotes: tuple[Quote, ...] = ()
    laps: tuple[Lap, ...] = ()  # a lap analysis's laps, for charts
    digest: str = field(default="", compare=False)


@dataclass(frozen=True)
class UpdateDraft:
    """A fact worth announcing, under a key that names the fact (not the moment it arrived),
    so the same fact arriving again finds the update it already made."""

    key: str
    kind: str
    event_id: str
    series_id: str
    session_id: str | None
    payload: dict

    @property
    def digest(self) -> str:
        """A fingerprint of what the post would say, to tell a correction from a repeat."""
        text = json.dumps(self.payload, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


# --- one converter each way between the facts and their JSON-ready form -----------------
# (update payloads, and the store's rows once lists and texts are serialised)

def _moment(value) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else value or None


def result_to_dict(result: Result) -> dict:
    """A result as plain data: drivers as a list."""
    data = {f: getattr(result, f) for f in result.__dataclass_fields__}
    data["drivers"] = list(result.drivers)
    return data


def result_from_dict(data: dict) -> Result:
    """A result back from plain data (extra keys, such as a row's own, are ignored)."""
    known = {k: v for k, v in data.items() if k in Result.__dataclass_fields__}
    return Result(**{**known, "drivers": tuple(data["drivers"])})


def incident_to_dict(incident: Incident) -> dict:
    """An incident as plain data: drivers as a list, moments in ISO 8601."""
    data = {f: getattr(incident, f) for f in incident.__dataclass_fields__}
    data["drivers"] = list(incident.drivers)
    for key in ("start_time", "end_time"):
        data[key] = data[key].isoformat() if data[key] else None
    return data


def incident_from_dict(data: dict) -> Incident:
    """An incident back from plain data."""
    known = {k: v for k, v in data.items() if k in Incident.__dataclass_fields__}
    return Incident(**{**known, "drivers": tuple(data.get("drivers") or ()), "ended": bool(data.get("ended")),
                       "start_time": _moment(data.get("start_time")), "end_time": _moment(data.get("end_time"))})
