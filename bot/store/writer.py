"""Writing a whole event's facts in one transaction, idempotently.

A bundle replaces what its own sources said before about that event and nothing else:
facts from other sources (a timing feed, a report) stay, so both are kept and the
queries let the higher-priority source win.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlite_utils import Database

from bot.domain import EventBundle
from bot.lookup import normalise


@dataclass(frozen=True)
class ImportOutcome:
    event_id: str
    changed: bool
    sessions: int
    results: int
    incidents: int
    quotes: int


def _iso(value) -> str | None:
    """ISO 8601; moments in UTC, so stored times compare correctly as text."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    return value.isoformat() if value is not None else None


def _json(value) -> str | None:
    return json.dumps(value, ensure_ascii=False) if value is not None else None


def save_bundles(db: Database, bundles: Iterable[EventBundle]) -> list[ImportOutcome]:
    """Store every bundle in a single transaction: all of them land, or none does."""
    with db.atomic():
        return [_save(db, bundle) for bundle in bundles]


def _save(db: Database, bundle: EventBundle) -> ImportOutcome:
    event = bundle.event
    counts = dict(
        sessions=len(bundle.sessions),
        results=len(bundle.results),
        incidents=len(bundle.incidents),
        quotes=len(bundle.quotes),
    )
    existing = db.execute("SELECT digest, bundle_sources FROM events WHERE id = ?", [event.id]).fetchone()
    if existing and bundle.digest and existing[0] == bundle.digest:
        return ImportOutcome(event.id, False, **counts)
    own_sources = [s.id for s in bundle.sources]
    earlier_sources = json.loads(existing[1] or "[]") if existing else []

    for source in bundle.sources:
        _save_source(db, source)
    series = bundle.series
    db["series"].upsert({"id": series.id, "name": series.name, "short_name": series.short_name}, pk="id")
    db["events"].upsert(
        {
            "id": event.id,
            "series_id": event.series_id,
            "name": event.name,
            "date": event.date.isoformat(),
            "timezone": event.timezone,
            "venue": event.venue,
            "circuit_length_m": event.circuit_length_m,
            "starters": event.starters,
            "classes": json.dumps(list(event.classes)),
            "source_id": bundle.sources[0].id if bundle.sources else None,
            "digest": bundle.digest,
            "bundle_sources": json.dumps(own_sources),
        },
        pk="id",
    )
    db.execute("DELETE FROM event_aliases WHERE event_id = ?", [event.id])
    aliases = {normalise(a) for a in (event.name, event.id, *event.aliases)} - {""}
    db["event_aliases"].insert_all(
        ({"alias": alias, "event_id": event.id} for alias in sorted(aliases)), pk=("alias", "event_id")
    )

    _forget_own_facts(db, event.id, sorted(set(own_sources) | set(earlier_sources)))
    _drop_orphan_sessions(db, event.id, [s.id for s in bundle.sessions])
    db["sessions"].upsert_all(
        (
            {
                "id": s.id,
                "event_id": s.event_id,
                "kind": s.kind,
                "name": s.name,
                "status": s.status,
                "day": _iso(s.day),
                "starts_at": _iso(s.start),
                "ends_at": _iso(s.end),
            }
            for s in bundle.sessions
        ),
        pk="id",
    )
    _insert_facts(db, bundle)
    return ImportOutcome(event.id, True, **counts)


def _save_source(db: Database, source) -> None:
    """The source, and when its facts were published (and by whom, when a person did)."""
    db["sources"].upsert({"id": source.id, "kind": source.kind, "name": source.name, "url": source.url,
                          "language": source.language, "priority": source.priority,
                          "published_by": source.published_by,
                          "published_at": datetime.now(timezone.utc).isoformat()}, pk="id")


def _insert_facts(db: Database, bundle: EventBundle) -> None:
    """The bundle's results, incidents and quotes, as rows."""
    line_of: dict[tuple[str, str, str], int] = {}
    rows = []
    for r in bundle.results:
        key = (r.session_id, r.classification, r.source_id)
        line_of[key] = line_of.get(key, 0) + 1
        rows.append(
            {
                "session_id": r.session_id,
                "classification": r.classification,
                "source_id": r.source_id,
                "line": line_of[key],
                "position": r.position,
                "drivers": json.dumps(list(r.drivers), ensure_ascii=False),
                "driver": r.driver,
                "status": r.status,
                "car_class": r.car_class,
                "number": r.number,
                "team": r.team,
                "car": r.car,
                "laps": r.laps,
                "total_time_ms": r.total_time_ms,
                "gap": r.gap,
                "best_lap_ms": r.best_lap_ms,
            }
        )
    db["results"].insert_all(rows)
    db["incidents"].insert_all(
        {
            "session_id": i.session_id,
            "source_id": i.source_id,
            "seq": i.seq,
            "kind": i.kind,
            "start_lap": i.start_lap,
            "end_lap": i.end_lap,
            "start_time": _iso(i.start_time),
            "end_time": _iso(i.end_time),
            "cause": _json(i.cause),
            "location": _json(i.location),
            "drivers": json.dumps(list(i.drivers), ensure_ascii=False),
            "note": _json(i.note),
            "ended": int(i.is_over),
        }
        for i in bundle.incidents
    )
    db["quotes"].insert_all(
        {
            "event_id": q.event_id,
            "source_id": q.source_id,
            "seq": q.seq,
            "session_id": q.session_id,
            "speaker": q.speaker,
            "role": q.role,
            "text": q.text,
            "language": q.language,
        }
        for q in bundle.quotes
    )


def save_source_facts(db: Database, bundle: EventBundle) -> ImportOutcome:
    """Add what one more source (a report) says about an event, in one transaction: the
    series, event and sessions are created only if missing and never changed, and the
    source's own earlier facts are replaced. Other sources' facts stay untouched, so two
    reports that disagree are both kept and the queries show the higher priority."""
    with db.atomic():
        for source in bundle.sources:
            _save_source(db, source)
        series, event = bundle.series, bundle.event
        db.execute("INSERT OR IGNORE INTO series (id, name, short_name) VALUES (?, ?, ?)",
                   [series.id, series.name, series.short_name])
        created = db.execute(
            "INSERT OR IGNORE INTO events (id, series_id, name, date, timezone, venue, circuit_length_m, starters, "
            "classes, source_id, date_known) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [event.id, event.series_id, event.name, event.date.isoformat(), event.timezone, event.venue,
             event.circuit_length_m, event.starters, json.dumps(list(event.classes)), bundle.sources[0].id,
             int(event.date_known)],
        ).rowcount
        if created:
            aliases = {normalise(a) for a in (event.name, event.id, *event.aliases)} - {""}
            db["event_aliases"].insert_all(({"alias": a, "event_id": event.id} for a in sorted(aliases)),
                                           pk=("alias", "event_id"), ignore=True)
        for s in bundle.sessions:
            db.execute("INSERT OR IGNORE INTO sessions (id, event_id, kind, name, status, day) VALUES (?, ?, ?, ?, ?, ?)",
                       [s.id, s.event_id, s.kind, s.name, s.status, _iso(s.day)])
            # A live source may move a session on (scheduled → live → finished), never back.
            db.execute(
                "UPDATE sessions SET status = :status WHERE id = :id AND "
                "(CASE status WHEN 'scheduled' THEN 0 WHEN 'live' THEN 1 WHEN 'finished' THEN 2 ELSE 3 END) < "
                "(CASE :status WHEN 'scheduled' THEN 0 WHEN 'live' THEN 1 WHEN 'finished' THEN 2 ELSE 3 END)",
                {"status": s.status, "id": s.id})
        _forget_own_facts(db, event.id, [src.id for src in bundle.sources])
        _insert_facts(db, bundle)
    return ImportOutcome(event.id, True, len(bundle.sessions), len(bundle.results), len(bundle.incidents),
                         len(bundle.quotes))


def _forget_own_facts(db: Database, event_id: str, source_ids: list[str]) -> None:
    """Drop what these sources said about this event before, so the new file replaces it."""
    if not source_ids:
        return
    marks = ",".join("?" for _ in source_ids)
    in_event = "session_id IN (SELECT id FROM sessions WHERE event_id = ?)"
    for table in ("results", "incidents"):
        db.execute(f"DELETE FROM {table} WHERE {in_event} AND source_id IN ({marks})", [event_id, *source_ids])
    db.execute(f"DELETE FROM quotes WHERE event_id = ? AND source_id IN ({marks})", [event_id, *source_ids])


def _drop_orphan_sessions(db: Database, event_id: str, keep: list[str]) -> None:
    """Sessions the bundle no longer lists go, unless another source still has facts there."""
    marks = ",".join("?" for _ in keep) or "''"
    db.execute(
        f"""DELETE FROM sessions WHERE event_id = ? AND id NOT IN ({marks})
        AND NOT EXISTS (SELECT 1 FROM results r WHERE r.session_id = sessions.id)
        AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.session_id = sessions.id)
        AND NOT EXISTS (SELECT 1 FROM quotes q WHERE q.session_id = sessions.id)""",
        [event_id, *keep],
    )
