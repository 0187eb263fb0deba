"""Writing facts, idempotently: whole events (event files) and what one more source says.

A bundle replaces what its own sources said before about that event and nothing else:
facts from other sources (a timing feed, a report) stay, so both are kept and the
queries let the higher-priority source win. The caller holds the transaction, so the
facts and the updates they make land together.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlite_utils import Database

from bot.domain import EventBundle, Source, incident_to_dict, result_to_dict
from bot.lookup import normalise
from bot.store.schema import pack_laps, pack_rows, result_row, transaction

# A live source may move a session on (scheduled → live → finished), never back.
_ADVANCE_STATUS = (
    "UPDATE sessions SET status = :status WHERE id = :id AND "
    "(CASE status WHEN 'scheduled' THEN 0 WHEN 'live' THEN 1 WHEN 'finished' THEN 2 ELSE 3 END) < "
    "(CASE :status WHEN 'scheduled' THEN 0 WHEN 'live' THEN 1 WHEN 'finished' THEN 2 ELSE 3 END)")
_NEW_EVENT = (
    "INSERT OR IGNORE INTO events (id, series_id, name, date, timezone, venue, circuit_length_m, starters, "
    "classes, source_id, date_known) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


@dataclass(frozen=True)
class ImportOutcome:
    event_id: str
    changed: bool
    sessions: int
    results: int
    incidents: int
    quotes: int
    laps: int = 0


def _iso(value) -> str | None:
    """ISO 8601; moments in UTC, so stored times compare correctly as text."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    return value.isoformat() if value is not None else None


def _json(value) -> str | None:
    return json.dumps(value, ensure_ascii=False) if value is not None else None


def _outcome(bundle: EventBundle, changed: bool) -> ImportOutcome:
    return ImportOutcome(bundle.event.id, changed, len(bundle.sessions), len(bundle.results),
                         len(bundle.incidents), len(bundle.quotes), len(bundle.laps))


class FactWriter:
    """Stores bundles of facts; every write happens inside the caller's transaction."""

    def __init__(self, db: Database):
        self.db = db

    def transaction(self):
        """A transaction (a savepoint inside one already open): all of it lands, or none."""
        return transaction(self.db)

    def save_event(self, bundle: EventBundle) -> ImportOutcome:
        """Store a whole event (an event file): what its sources said before is replaced,
        sessions it no longer lists go; an unchanged file (same digest) is a no-op."""
        db, event = self.db, bundle.event
        existing = db.execute("SELECT digest, bundle_sources FROM events WHERE id = ?", [event.id]).fetchone()
        if existing and bundle.digest and existing[0] == bundle.digest:
            return _outcome(bundle, False)
        own_sources = [s.id for s in bundle.sources]
        earlier_sources = json.loads(existing[1] or "[]") if existing else []
        looked_up_as = self._lookup_rows(event.id)  # before the series too: its name is searched
        for source in bundle.sources:
            self._save_source(source)
        self._save_series(bundle)
        db["events"].upsert({**self._event_row(bundle), "digest": bundle.digest,
                             "bundle_sources": json.dumps(own_sources)}, pk="id")
        db.execute("DELETE FROM event_aliases WHERE event_id = ?", [event.id])
        self._save_aliases(bundle, ignore=False)
        if self._lookup_rows(event.id) != looked_up_as:
            self._aliases_changed()
        self._forget_own_facts(event.id, sorted(set(own_sources) | set(earlier_sources)))
        self._drop_orphan_sessions(event.id, [s.id for s in bundle.sessions])
        db["sessions"].upsert_all((self._session_row(s) for s in bundle.sessions), pk="id")
        self._insert_facts(bundle)
        return _outcome(bundle, True)

    def save_source_facts(self, bundle: EventBundle) -> ImportOutcome:
        """Add what one more source (a report, a feed) says about an event: the series,
        event and sessions are created only if missing (a session's status only moves
        forward), and the source's own earlier facts are replaced. Other sources' facts
        stay untouched, so two sources that disagree are both kept."""
        db, event = self.db, bundle.event
        for source in bundle.sources:
            self._save_source(source)
        db.execute("INSERT OR IGNORE INTO series (id, name, short_name) VALUES (?, ?, ?)",
                   [bundle.series.id, bundle.series.name, bundle.series.short_name])
        row = self._event_row(bundle)
        created = db.execute(_NEW_EVENT, [row[k] for k in ("id", "series_id", "name", "date", "timezone", "venue",
                                                          "circuit_length_m", "starters", "classes", "source_id")]
                             + [int(event.date_known)]).rowcount
        if created:
            self._save_aliases(bundle, ignore=True)
            self._aliases_changed()
        for s in bundle.sessions:
            db.execute("INSERT OR IGNORE INTO sessions (id, event_id, kind, name, status, day) VALUES (?, ?, ?, ?, ?, ?)",
                       [s.id, s.event_id, s.kind, s.name, s.status, _iso(s.day)])
            db.execute(_ADVANCE_STATUS, {"status": s.status, "id": s.id})
        self._forget_own_facts(event.id, [src.id for src in bundle.sources])
        self._insert_facts(bundle)
        return _outcome(bundle, True)

    # --- rows -------------------------------------------------------------------------------

    def _save_source(self, source: Source) -> None:
        """The source, and when its facts were published (and by whom, when a person did)."""
        self.db["sources"].upsert({"id": source.id, "kind": source.kind, "name": source.name, "url": source.url,
                                   "language": source.language, "priority": source.priority,
                                   "published_by": source.published_by,
                                   "published_at": datetime.now(timezone.utc).isoformat()}, pk="id")

    def _save_series(self, bundle: EventBundle) -> None:
        series = bundle.series
        self.db["series"].upsert({"id": series.id, "name": series.name, "short_name": series.short_name}, pk="id")

    @staticmethod
    def _event_row(bundle: EventBundle) -> dict:
        event = bundle.event
        return {"id": event.id, "series_id": event.series_id, "name": event.name, "date": event.date.isoformat(),
                "timezone": event.timezone, "venue": event.venue, "circuit_length_m": event.circuit_length_m,
                "starters": event.starters, "classes": json.dumps(list(event.classes)),
                "source_id": bundle.sources[0].id if bundle.sources else None}

    def _save_aliases(self, bundle: EventBundle, ignore: bool) -> None:
        event = bundle.event
        aliases = {normalise(a) for a in (event.name, event.id, *event.aliases)} - {""}
        self.db["event_aliases"].insert_all(({"alias": a, "event_id": event.id} for a in sorted(aliases)),
                                            pk=("alias", "event_id"), ignore=ignore)

    def _lookup_rows(self, event_id: str) -> list[tuple]:
        """What the lookup's indexes hold for an event: its aliases, name and date, and for
        `/events` searches its venue and series."""
        return self.db.execute("SELECT a.alias, e.name, e.date, e.venue, s.name FROM event_aliases a "
                               "JOIN events e ON e.id = a.event_id LEFT JOIN series s ON s.id = e.series_id "
                               "WHERE a.event_id = ? ORDER BY a.alias", [event_id]).fetchall()

    def _aliases_changed(self) -> None:
        # Readers keep their fuzzy index until this moves (another process's reader too):
        # a re-import that changes nothing the index holds leaves it alone.
        self.db.execute("INSERT INTO store_meta (key, value) VALUES ('aliases', 1) "
                        "ON CONFLICT (key) DO UPDATE SET value = value + 1")

    @staticmethod
    def _session_row(s) -> dict:
        return {"id": s.id, "event_id": s.event_id, "kind": s.kind, "name": s.name, "status": s.status,
                "day": _iso(s.day), "starts_at": _iso(s.start), "ends_at": _iso(s.end)}

    def _insert_facts(self, bundle: EventBundle) -> None:
        """The bundle's results (one compact list per classification), incidents and quotes."""
        lists: dict[tuple[str, str, str], list] = {}
        for r in bundle.results:
            lists.setdefault((r.session_id, r.classification, r.source_id), []).append(result_row(result_to_dict(r)))
        self.db["result_lists"].insert_all(
            {"session_id": s, "classification": c, "source_id": src, "size": len(rows), "rows": pack_rows(rows)}
            for (s, c, src), rows in lists.items())
        incidents = []
        for i in bundle.incidents:
            row = incident_to_dict(i)
            incidents.append({**row, "start_time": _iso(i.start_time), "end_time": _iso(i.end_time),
                              "cause": _json(i.cause), "location": _json(i.location), "note": _json(i.note),
                              "drivers": json.dumps(row["drivers"], ensure_ascii=False), "ended": int(i.is_over)})
        self.db["incidents"].insert_all(incidents)
        self.db["quotes"].insert_all({"event_id": q.event_id, "source_id": q.source_id, "seq": q.seq,
                                      "session_id": q.session_id, "speaker": q.speaker, "role": q.role,
                                      "text": q.text, "language": q.language} for q in bundle.quotes)
        self._insert_laps(bundle)

    def _insert_laps(self, bundle: EventBundle) -> None:
        """The bundle's laps: one compact row per car and source."""
        cars: dict[tuple[str, str, str], list] = {}
        classes: dict[tuple[str, str, str], str | None] = {}
        for lap in bundle.laps:
            key = (lap.session_id, lap.source_id, lap.number)
            cars.setdefault(key, []).append((lap.lap, lap.position, lap.elapsed_ms, lap.lap_time_ms, lap.driver))
            classes[key] = classes.get(key) or lap.car_class
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO lap_lists (session_id, source_id, number, size, laps) VALUES (?, ?, ?, ?, ?)",
            [(s, src, number, len(laps), pack_laps(classes[(s, src, number)], sorted(laps, key=lambda r: r[0])))
             for (s, src, number), laps in cars.items()])

    def _forget_own_facts(self, event_id: str, source_ids: list[str]) -> None:
        """Drop what these sources said about this event before, so the new facts replace it."""
        if not source_ids:
            return
        marks = ",".join("?" for _ in source_ids)
        in_event = "session_id IN (SELECT id FROM sessions WHERE event_id = ?)"
        for table in ("result_lists", "incidents", "lap_lists"):
            self.db.execute(f"DELETE FROM {table} WHERE {in_event} AND source_id IN ({marks})", [event_id, *source_ids])
        self.db.execute(f"DELETE FROM quotes WHERE event_id = ? AND source_id IN ({marks})", [event_id, *source_ids])

    def _drop_orphan_sessions(self, event_id: str, keep: list[str]) -> None:
        """Sessions the bundle no longer lists go, unless another source still has facts there."""
        marks = ",".join("?" for _ in keep) or "''"
        self.db.execute(
            f"""DELETE FROM sessions WHERE event_id = ? AND id NOT IN ({marks})
            AND NOT EXISTS (SELECT 1 FROM result_lists r WHERE r.session_id = sessions.id)
            AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.session_id = sessions.id)
            AND NOT EXISTS (SELECT 1 FROM quotes q WHERE q.session_id = sessions.id)
            AND NOT EXISTS (SELECT 1 FROM lap_lists l WHERE l.session_id = sessions.id)""",
            [event_id, *keep],
        )
