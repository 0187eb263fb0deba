"""Read-side queries the commands make, each backed by an index from schema.py.

Where several sources hold the same list, the one with the highest priority wins (then
the most complete); the others stay in the store for audit.
"""
from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import fields
from datetime import date, datetime, timezone

from sqlite_utils import Database

from bot.domain import (HOURLY_SUFFIX, Event, Incident, Lap, Quote, Result, Session, Series, incident_from_dict,
                        result_from_dict)
from bot.incidents import merge_incidents
from bot.lookup import (ACCEPT_SCORE, AliasIndex, AliasRow, EventWords, Resolution, WordIndex, normalise, rank, resolve,
                        split_year)
from bot.store.schema import RESULT_FIELDS, unpack_laps, unpack_rows


_ALIASES = "SELECT a.alias, a.event_id, e.name, e.date FROM event_aliases a JOIN events e ON e.id = a.event_id"


# What `/events QUERY` searches: each event's name, venue, series (name and id) and aliases.
_EVENT_WORDS = ("SELECT e.id, e.date, e.name || ' ' || coalesce(e.venue, '') || ' ' || coalesce(s.name, '') || ' ' || "
                "coalesce(e.series_id, '') || ' ' || coalesce((SELECT group_concat(a.alias, ' ') FROM event_aliases a "
                "WHERE a.event_id = e.id), '') FROM events e LEFT JOIN series s ON s.id = e.series_id")


def _build_alias_index(conn: sqlite3.Connection) -> AliasIndex:
    return AliasIndex([AliasRow(*r) for r in conn.execute(_ALIASES)])


def _build_word_index(conn: sqlite3.Connection) -> WordIndex:
    return WordIndex([EventWords(*r) for r in conn.execute(_EVENT_WORDS)])


def _read_alias_index(path: str) -> tuple[int, AliasIndex, WordIndex]:
    """The aliases' version and both indexes, read in one transaction on a new connection."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        conn.execute("BEGIN")
        return Queries._alias_version(conn), _build_alias_index(conn), _build_word_index(conn)
    finally:
        conn.close()


class Queries:
    """Read-only access to the store, returning domain objects."""

    def __init__(self, db: Database):
        self.db = db
        self._alias_index: tuple[tuple[int, int], AliasIndex] | None = None
        self._word_index: tuple[int, WordIndex] | None = None

    def _rows(self, sql: str, params=()) -> list[dict]:
        cursor = self.db.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    # events -------------------------------------------------------------------------
    def find_event(self, query: str) -> Resolution:
        """Resolve a forgiving event name to an event id, or suggest close ones."""
        text, _ = split_year(query)
        keys = list({normalise(query), text})
        marks = ",".join("?" for _ in keys)
        sql = (
            "SELECT a.alias, a.event_id, e.name, e.date FROM event_aliases a "
            "JOIN events e ON e.id = a.event_id WHERE a.alias IN ({})"
        )
        exact = [AliasRow(**r) for r in self._rows(sql.format(marks), keys)]
        return resolve(query, exact, self.alias_index)

    def is_event_alias(self, query: str) -> bool:
        """Whether `query` (with or without a year) is exactly some event's alias."""
        text, _ = split_year(query)
        keys = [k for k in {normalise(query), text} if k]
        if not keys:
            return False
        marks = ",".join("?" for _ in keys)
        return self.db.execute(f"SELECT 1 FROM event_aliases WHERE alias IN ({marks}) LIMIT 1", keys).fetchone() is not None

    def search_events(self, query: str, limit: int = 25) -> list[str]:
        """Ids of the events that resemble `query`, best match first."""
        return [event_id for event_id, *_ in rank(query, self.alias_index())[:limit]]

    def matching_events(self, query: str, limit: int = 25) -> list[str]:
        """Ids of the events every word of `query` names (in their name, venue, series or
        aliases; a word's beginning or a slip of the keyboard will do), best first; else
        those whose whole name resembles it closely."""
        stamp = self._alias_version(self.db.conn)
        if self._word_index is None or self._word_index[0] != stamp:
            self._word_index = (stamp, _build_word_index(self.db.conn))
        found = self._word_index[1].search(query)
        if not found:
            found = [event_id for event_id, score, *_ in rank(query, self.alias_index()) if score >= ACCEPT_SCORE]
        return found[:limit]

    def alias_index(self) -> AliasIndex:
        """Every alias, for fuzzy lookup; rebuilt only when the aliases changed.

        Rebuilding for thousands of events costs far more than a lookup (~100 ms at 10,000),
        so the index is kept until the aliases' version (bumped by whoever writes them, in
        any process) moves: the dispatcher's writes, which are many, leave it alone. The
        running bot also rebuilds it ahead of need, off the event loop (`warm_alias_index`),
        so a lookup seldom finds it stale.
        """
        stamp = self._alias_version(self.db.conn)
        if self._alias_index is None or self._alias_index[0] != stamp:
            self._alias_index = (stamp, _build_alias_index(self.db.conn))
        return self._alias_index[1]

    async def warm_alias_index(self) -> bool:
        """If the aliases changed, rebuild the indexes in a thread of its own, on a connection
        of its own (SQLite's are not shared between threads), and swap it in; True if it did.
        A database in memory has no second connection: the next lookup rebuilds it instead."""
        path = self._path()
        if path is None or (self._alias_index and self._alias_index[0] == self._alias_version(self.db.conn)):
            return False
        stamp, index, words = await asyncio.to_thread(_read_alias_index, path)
        if self._alias_index is None or stamp > self._alias_index[0]:
            self._alias_index = (stamp, index)
        if self._word_index is None or stamp > self._word_index[0]:
            self._word_index = (stamp, words)
        return True

    def _path(self) -> str | None:
        row = self.db.execute("PRAGMA database_list").fetchone()
        return row[2] if row and row[2] else None

    @staticmethod
    def _alias_version(conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT value FROM store_meta WHERE key = 'aliases'").fetchone()
        return row[0] if row else 0

    def event(self, event_id: str) -> Event | None:
        """The event with this id, or None."""
        rows = self._rows("SELECT * FROM events WHERE id = ?", [event_id])
        return _event(rows[0], self._aliases(event_id)) if rows else None

    def _aliases(self, event_id: str) -> tuple[str, ...]:
        rows = self.db.execute("SELECT alias FROM event_aliases WHERE event_id = ? ORDER BY alias", [event_id])
        return tuple(r[0] for r in rows)

    def series(self, series_id: str) -> Series | None:
        """The series with this id, or None."""
        rows = self._rows("SELECT * FROM series WHERE id = ?", [series_id])
        return Series(**rows[0]) if rows else None

    def all_series(self) -> list[Series]:
        """Every series, by name."""
        return [Series(**r) for r in self._rows("SELECT id, name, short_name FROM series ORDER BY name")]

    def events(self, limit: int = 20, offset: int = 0) -> list[Event]:
        """Events, most recent first."""
        rows = self._rows("SELECT * FROM events ORDER BY date DESC, name LIMIT ? OFFSET ?", [limit, offset])
        return [_event(r, ()) for r in rows]

    # sessions -----------------------------------------------------------------------
    def sessions(self, event_id: str) -> list[Session]:
        """The event's sessions, practice before qualifying before race."""
        rows = self._rows(
            "SELECT * FROM sessions WHERE event_id = ? ORDER BY "
            "CASE kind WHEN 'practice' THEN 0 WHEN 'qualifying' THEN 1 ELSE 2 END, starts_at, id",
            [event_id],
        )
        return [_session(r) for r in rows]

    def any_live_session(self) -> bool:
        """Whether some session is running now (sources then poll faster)."""
        return self.db.execute("SELECT 1 FROM sessions WHERE status = 'live' LIMIT 1").fetchone() is not None

    def upcoming_sessions(self, now: datetime, limit: int = 10,
                          date_only: bool = False) -> list[tuple[Session, Event]]:
        """Sessions starting after `now` (not cancelled), soonest first, each with its event; with
        `date_only`, also the ones whose day is known but not their time (today or later),
        placed at the end of their day."""
        utc = now.astimezone(timezone.utc)
        rows = self._rows(
            "SELECT s.*, e.id AS e_id FROM sessions s JOIN events e ON e.id = s.event_id "
            "WHERE s.status != 'cancelled' AND (s.starts_at >= :now OR (:date_only AND s.starts_at IS NULL "
            "AND s.day >= :today)) "
            "ORDER BY coalesce(s.starts_at, s.day || 'T23:59:59') LIMIT :limit",
            {"now": utc.isoformat(), "today": utc.date().isoformat(), "date_only": date_only, "limit": limit},
        )
        return [(_session(r), self.event(r["e_id"])) for r in rows]

    # results ------------------------------------------------------------------------
    def classifications(self, session_id: str) -> list[str]:
        """The classifications a session has results for: "" (overall) first, then the
        classes in the order the event lists them (`classes = ["Pro", "Am"]`), then others."""
        found = [r[0] for r in self.db.execute(
            "SELECT DISTINCT classification FROM result_lists WHERE session_id = ? ORDER BY classification",
            [session_id])]
        row = self.db.execute("SELECT e.classes FROM sessions s JOIN events e ON e.id = s.event_id WHERE s.id = ?",
                              [session_id]).fetchone()
        order = [c.casefold() for c in json.loads(row[0] or "[]")] if row else []
        return sorted(found, key=lambda c: (c != "", c.casefold() not in order,
                                            order.index(c.casefold()) if c.casefold() in order else 0, c))

    def _lists(self, session_id: str, classification: str) -> list[tuple[str, str, int, list[Result]]]:
        """Every source's list of this classification, best source first: (source id, its
        name, its priority, the results in the source's order)."""
        rows = self.db.execute(
            "SELECT l.source_id, s.name, s.priority, l.rows FROM result_lists l JOIN sources s ON s.id = l.source_id "
            "WHERE l.session_id = ? AND l.classification = ? ORDER BY s.priority DESC, l.size DESC, l.source_id",
            [session_id, classification]).fetchall()
        return [(source, name, priority, [_result(session_id, classification, source, row)
                                          for row in json.loads(unpack_rows(data))])
                for source, name, priority, data in rows]

    def results(self, session_id: str, classification: str) -> list[Result]:
        """One classification of a session, from its best source, in finishing order."""
        lists = self._lists(session_id, classification)
        if not lists:
            return []
        ordered = list(enumerate(lists[0][3]))
        ordered.sort(key=lambda item: (item[1].position is None, item[1].position or 0, item[0]))
        return [result for _, result in ordered]

    def hourly_leaders(self, session_id: str) -> dict[int, list[Result]]:
        """An endurance race's leaders at each hour whose classification was read: hour ->
        the leader of each classification (overall first, then each class)."""
        found: dict[int, list[Result]] = {}
        rows = self.db.execute(
            "SELECT source_id, classification, rows FROM result_lists WHERE session_id = ? AND source_id LIKE ? "
            "ORDER BY source_id, classification", [session_id, f"%-{HOURLY_SUFFIX}__"]).fetchall()
        for source, classification, data in rows:
            hour = source.rsplit("-", 1)[-1]
            results = [_result(session_id, classification, source, row) for row in json.loads(unpack_rows(data))]
            leader = min((r for r in results if r.position), key=lambda r: r.position, default=None)
            if hour.isdigit() and leader is not None:
                found.setdefault(int(hour), []).append(leader)
        return found

    def differing_sources(self, session_id: str, classification: str) -> list[tuple[str, list[tuple[int, str]]]]:
        """Other sources that give this classification differently from the one shown:
        (source name, [(position, driver) they give where the shown one differs])."""
        lists = self._lists(session_id, classification)
        if not lists:
            return []
        shown = {r.position: r for r in lists[0][3] if r.position is not None}

        def same_car(a: Result, b: Result) -> bool:
            """One car told two ways: a crew, or one of its drivers (a report names one)."""
            ours, theirs = {normalise(d) for d in a.drivers}, {normalise(d) for d in b.drivers}
            return bool(ours & theirs) and (ours <= theirs or theirs <= ours)

        others = []
        for source, name, _, rows in sorted(lists[1:]):
            places = sorted((r.position, r.driver) for r in rows
                            if r.position is not None and r.position in shown and not same_car(shown[r.position], r))
            if places:
                others.append((name, places))
        return others

    def drivers(self, event_id: str) -> list[str]:
        """Every driver named in the event's results and quotes, for autocomplete."""
        named: set[str] = set()
        for (data,) in self.db.execute("SELECT l.rows FROM result_lists l JOIN sessions s ON s.id = l.session_id "
                                       "WHERE s.event_id = ?", [event_id]):
            named.update(driver for row in json.loads(unpack_rows(data)) for driver in row[1])
        named.update(r[0] for r in self.db.execute("SELECT DISTINCT speaker FROM quotes WHERE event_id = ?", [event_id]))
        return sorted(named)

    # incidents ----------------------------------------------------------------------
    def incidents(self, session_id: str) -> list[Incident]:
        """The session's incidents in race order: each source's account merged (periods from
        the best source that has any, crashes likewise, causes from whoever knows them)."""
        rows = self._rows(
            "SELECT i.*, s.priority AS source_priority FROM incidents i JOIN sources s ON s.id = i.source_id "
            "WHERE i.session_id = ? ORDER BY s.priority DESC, i.source_id, i.seq", [session_id])
        by_source: dict[str, tuple[int, list[Incident]]] = {}
        for row in rows:
            by_source.setdefault(row["source_id"], (row["source_priority"], []))[1].append(_incident(row))
        # Best source first; among sources of one priority, the one that tells more.
        ranked = sorted(by_source.values(), key=lambda entry: (-entry[0], -len(entry[1])))
        return merge_incidents([found for _, found in ranked])

    # laps ---------------------------------------------------------------------------
    def laps(self, session_id: str) -> list[Lap]:
        """The session's laps from its best source (highest priority, then the one with the
        most laps: a later copy of a lap analysis holds more), by lap then position."""
        rows = self.db.execute(
            "SELECT l.source_id, s.priority, l.number, l.size, l.laps FROM lap_lists l "
            "JOIN sources s ON s.id = l.source_id WHERE l.session_id = ?", [session_id]).fetchall()
        totals: dict[str, tuple[int, int]] = {}
        for source, priority, _, size, _ in rows:
            totals[source] = (priority, totals.get(source, (priority, 0))[1] + size)
        if not totals:
            return []
        best = max(sorted(totals), key=lambda source: totals[source])
        laps = [Lap(session_id, number, lap, position, car_class, driver, elapsed, lap_time, source)
                for source, _, number, _, data in rows if source == best
                for car_class, kept in [unpack_laps(data)]
                for lap, position, elapsed, lap_time, driver in kept]
        laps.sort(key=lambda x: (x.lap, x.position is None, x.position or 0, x.number))
        return laps

    # quotes -------------------------------------------------------------------------
    def quotes(self, event_id: str, driver: str | None = None, search: str | None = None) -> list[Quote]:
        """The event's quotes, optionally by one speaker and/or matching words (full-text)."""
        sql = "SELECT q.* FROM quotes q WHERE q.event_id = ?"
        params: list = [event_id]
        if driver:
            sql += " AND q.speaker = ?"
            params.append(driver)
        if search:
            sql += " AND q.id IN (SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH ?)"
            params.append(fts_query(search))
        sql += " ORDER BY q.seq, q.id"
        return [_quote(r) for r in self._rows(sql, params)]

    def speakers(self, event_id: str) -> list[str]:
        """Who is quoted at this event."""
        rows = self.db.execute("SELECT DISTINCT speaker FROM quotes WHERE event_id = ? ORDER BY speaker", [event_id])
        return [r[0] for r in rows]


def fts_query(text: str) -> str:
    """Turn what a user typed into a safe FTS5 query: every word must appear, as a prefix."""
    words = normalise(text).split()
    return " ".join(f'"{w}"*' for w in words) or '""'


def _event(row: dict, aliases: tuple[str, ...]) -> Event:
    return Event(
        id=row["id"],
        series_id=row["series_id"],
        name=row["name"],
        date=date.fromisoformat(row["date"]),
        timezone=row["timezone"],
        venue=row["venue"],
        circuit_length_m=row["circuit_length_m"],
        starters=row["starters"],
        aliases=aliases,
        classes=tuple(json.loads(row["classes"] or "[]")),
        date_known=bool(row.get("date_known", 1)),
    )


def _loads(value: str | None):
    return json.loads(value) if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _build(cls, row: dict, **converted):
    """A domain object from a row: columns named like its fields, plus `converted` ones."""
    plain = {f.name: row[f.name] for f in fields(cls) if f.name in row and f.name not in converted}
    return cls(**plain, **converted)


def _session(row: dict) -> Session:
    day = date.fromisoformat(row["day"]) if row["day"] else None
    return _build(Session, row, day=day, start=_dt(row["starts_at"]), end=_dt(row["ends_at"]))


def _result(session_id: str, classification: str, source_id: str, row: list) -> Result:
    values = dict(zip(RESULT_FIELDS, row))
    values.setdefault("status", "classified")
    values["status"] = values["status"] or "classified"
    return result_from_dict({**values, "session_id": session_id, "classification": classification,
                             "source_id": source_id})


def _incident(row: dict) -> Incident:
    return incident_from_dict({**row, "cause": _loads(row["cause"]), "location": _loads(row["location"]),
                               "note": _loads(row["note"]), "drivers": json.loads(row["drivers"] or "[]")})


def _quote(row: dict) -> Quote:
    return _build(Quote, row)
