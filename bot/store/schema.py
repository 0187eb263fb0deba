"""The database schema, built only through registered sqlite-utils migrations.

Every change to the schema is a new function appended here; an applied migration is
never edited, so any database, however old, reaches the current shape by `apply`.
"""
from __future__ import annotations

import json
import zlib
from contextlib import contextmanager

from sqlite_utils import Database, Migrations

migrations = Migrations("pitboard")


@migrations()
def m001_core(db: Database) -> None:
    """Sources, series, events, sessions, results, incidents and quotes (with FTS)."""
    db["sources"].create(
        {"id": str, "kind": str, "name": str, "url": str, "language": str, "priority": int},
        pk="id",
        not_null={"kind", "name"},
        defaults={"priority": 0},
    )
    db["series"].create({"id": str, "name": str, "short_name": str}, pk="id", not_null={"name"})
    db["events"].create(
        {
            "id": str,
            "series_id": str,
            "name": str,
            "date": str,
            "timezone": str,
            "venue": str,
            "circuit_length_m": int,
            "starters": int,
            "classes": str,  # JSON list, in the order the series presents them
            "source_id": str,
            "digest": str,  # of the event file last imported, so a re-import is a no-op
        },
        pk="id",
        not_null={"series_id", "name", "date", "timezone"},
        foreign_keys=[("series_id", "series", "id"), ("source_id", "sources", "id")],
    )
    db["event_aliases"].create(
        {"alias": str, "event_id": str},
        pk=("alias", "event_id"),
        foreign_keys=[("event_id", "events", "id")],
    )
    db["sessions"].create(
        {
            "id": str,
            "event_id": str,
            "kind": str,
            "name": str,
            "status": str,
            "day": str,
            "starts_at": str,  # ISO 8601 with offset
            "ends_at": str,
        },
        pk="id",
        not_null={"event_id", "kind", "name", "status"},
        foreign_keys=[("event_id", "events", "id")],
    )
    db["results"].create(
        {
            "session_id": str,
            "classification": str,  # "" for the overall order, else the class name
            "source_id": str,
            "position": int,
            "line": int,  # order within the source's list, for unclassified cars
            "drivers": str,  # JSON list
            "driver": str,  # the crew as one line, for lookups
            "status": str,
            "car_class": str,
            "number": str,
            "team": str,
            "car": str,
            "laps": int,
            "total_time_ms": int,
            "gap": str,
            "best_lap_ms": int,
        },
        pk=("session_id", "classification", "source_id", "line"),
        not_null={"drivers", "status"},
        foreign_keys=[("session_id", "sessions", "id"), ("source_id", "sources", "id")],
    )
    db["incidents"].create(
        {
            "session_id": str,
            "source_id": str,
            "seq": int,
            "kind": str,
            "start_lap": int,
            "end_lap": int,
            "start_time": str,
            "end_time": str,
            "cause": str,
            "location": str,
            "drivers": str,  # JSON list
            "note": str,
        },
        pk=("session_id", "source_id", "seq"),
        not_null={"kind"},
        foreign_keys=[("session_id", "sessions", "id"), ("source_id", "sources", "id")],
    )
    db["quotes"].create(
        {
            "id": int,
            "event_id": str,
            "source_id": str,
            "seq": int,
            "session_id": str,
            "speaker": str,
            "role": str,
            "text": str,
            "language": str,
        },
        pk="id",
        not_null={"event_id", "source_id", "speaker", "text", "language"},
        foreign_keys=[
            ("event_id", "events", "id"),
            ("source_id", "sources", "id"),
            ("session_id", "sessions", "id"),
        ],
    )
    # One index per lookup the commands make (see queries.py).
    db["quotes"].create_index(["event_id", "source_id", "seq"], unique=True)
    db["quotes"].create_index(["speaker"])
    db["events"].create_index(["date"])
    db["events"].create_index(["series_id", "date"])
    db["event_aliases"].create_index(["event_id"])
    db["sessions"].create_index(["event_id", "kind"])
    db["sessions"].create_index(["starts_at"])
    db["results"].create_index(["driver"])
    db["results"].create_index(["source_id"])
    db["incidents"].create_index(["source_id"])
    db["quotes"].enable_fts(["speaker", "text"], create_triggers=True, tokenize="unicode61 remove_diacritics 2")


@migrations()
def m002_announcements(db: Database) -> None:
    """Updates, channels, subscriptions and the outbox of deliveries; incidents may end
    without a known lap or time."""
    db["incidents"].add_column("ended", int)
    db["updates"].create(
        {
            "id": int,
            "key": str,  # stable: the same fact arriving again finds this row
            "kind": str,
            "event_id": str,
            "session_id": str,
            "series_id": str,
            "payload": str,  # JSON: everything needed to render the post
            "digest": str,  # of the payload, to tell a correction from a repeat
            "revision": int,
            "created_at": str,
            "revised_at": str,
        },
        pk="id",
        not_null={"key", "kind", "event_id", "payload", "digest", "revision", "created_at"},
        foreign_keys=[("event_id", "events", "id")],
    )
    db["updates"].create_index(["key"], unique=True)
    db["channels"].create(
        {
            "id": int,
            "platform": str,
            "address": str,  # the platform's own chat or channel id
            "name": str,
            "lang": str,
            "timezone": str,
            "spoiler_delay_min": int,
            "spoiler_mode": int,
            "mention_role": str,
            "reminders_min": int,  # remind this many minutes before sessions; 0 = no reminders
            "paused_reason": str,  # set when the platform says the channel is gone
            "created_at": str,
        },
        pk="id",
        not_null={"platform", "address", "lang", "created_at"},
        defaults={"lang": "en", "spoiler_delay_min": 0, "spoiler_mode": 0, "reminders_min": 0},
    )
    db["channels"].create_index(["platform", "address"], unique=True)
    db["subscriptions"].create(
        {
            "id": int,
            "channel_id": int,
            "target_kind": str,  # "all", "series" or "event"
            "target_id": str,  # "" for all
            "kinds": str,  # JSON list of update kinds; empty list = every kind
            "paused": int,
            "created_at": str,
        },
        pk="id",
        not_null={"channel_id", "target_kind", "target_id", "kinds", "created_at"},
        defaults={"paused": 0},
        foreign_keys=[("channel_id", "channels", "id")],
    )
    db["subscriptions"].create_index(["channel_id", "target_kind", "target_id"], unique=True)
    db["subscriptions"].create_index(["target_kind", "target_id"])
    db["deliveries"].create(
        {
            "id": int,
            "update_id": int,
            "channel_id": int,
            "status": str,  # pending, sending, sent, failed
            "action": str,  # send; edit (correct what was sent); repost (the post to correct is gone)
            "revision": int,  # the update's revision this delivery last showed
            "not_before": float,  # epoch seconds: spoiler delay and retry backoff
            "attempts": int,
            "last_error": str,
            "message_id": str,  # the platform's id, for edits
            "sent_at": str,
            "created_at": str,
        },
        pk="id",
        not_null={"update_id", "channel_id", "status", "action", "not_before", "created_at"},
        defaults={"attempts": 0, "revision": 0},
        foreign_keys=[("update_id", "updates", "id"), ("channel_id", "channels", "id")],
    )
    db["deliveries"].create_index(["update_id", "channel_id"], unique=True)
    db["deliveries"].create_index(["status", "not_before"])
    db["deliveries"].create_index(["channel_id", "status"])


@migrations()
def m003_bundle_sources(db: Database) -> None:
    """Remember which sources an event's file declared, so a re-import that renames or
    drops a source also drops what the old one said."""
    db["events"].add_column("bundle_sources", str)


@migrations()
def m004_dispatch_indexes(db: Database) -> None:
    """Indexes for the dispatcher's round: which updates have due deliveries (from the
    index alone), and each update's next deliveries in order."""
    db["deliveries"].create_index(["status", "not_before", "update_id"], index_name="idx_deliveries_due")
    db["deliveries"].create_index(["update_id", "status"], index_name="idx_deliveries_update_status")
    db.execute("DROP INDEX IF EXISTS idx_deliveries_status_not_before")


@migrations()
def m005_channel_digest(db: Database) -> None:
    """Channels opt in to the daily digest."""
    db["channels"].add_column("digest", int, not_null_default=0)


@migrations()
def m006_platform_state(db: Database) -> None:
    """Small facts a platform keeps between runs (the fingerprint of the last command
    tree synced to Discord, so it is synced only when it changed)."""
    db["platform_state"].create({"key": str, "value": str, "updated_at": str}, pk="key", not_null={"value"})


@migrations()
def m007_pending_reports(db: Database) -> None:
    """Reports an admin sent from a chat, waiting for their confirmation before publishing."""
    db["pending_reports"].create({"token": str, "source": str, "url": str, "text": str, "channel_id": int,
                                  "created_at": str}, pk="token", not_null={"source", "text", "created_at"})


@migrations()
def m008_event_date_known(db: Database) -> None:
    """Events first met in a report know their year, not their day."""
    db["events"].add_column("date_known", int, not_null_default=1)


@migrations()
def m009_source_state(db: Database) -> None:
    """What each polled source remembers: validators, when it may poll again, what went wrong."""
    db["source_state"].create({"name": str, "etags": str, "last_poll": str, "items": int, "last_error": str,
                               "failures": int, "next_poll": float}, pk="name", defaults={"items": 0, "failures": 0})


@migrations()
def m010_source_items(db: Database) -> None:
    """The items each source has read (articles, files): one never read twice, even after a restart."""
    db["source_items"].create({"source": str, "item": str, "seen_at": str}, pk=("source", "item"))


@migrations()
def m011_publishing(db: Database) -> None:
    """Who published what: a pending report is bound to the chat and person who sent it,
    expires, and keeps the facts shown (what is confirmed is what was seen); every source
    records who published its facts and when."""
    for column in ("user", "expires_at", "facts", "language"):
        db["pending_reports"].add_column(column, str)
    db["sources"].add_column("published_by", str)
    db["sources"].add_column("published_at", str)


@migrations()
def m012_drop_source_etags(db: Database) -> None:
    """Validators live with the bodies they validate, in memory: the etags column was never used."""
    db["source_state"].transform(drop={"etags"})


@migrations()
def m013_send_order(db: Database) -> None:
    """What the dispatcher orders sends by: each update's priority (live before bulk) and its
    first delivery (a delivery's rank in its fan-out, to interleave fan-outs fairly); and a
    small table of counters (the aliases' version, so fuzzy lookup reloads only when they change)."""
    db["updates"].add_column("priority", int, not_null_default=1)
    db["updates"].add_column("first_delivery", int)
    db.execute("UPDATE updates SET priority = 0 WHERE kind IN "
               "('pole', 'safety_car', 'safety_car_in', 'vsc', 'red_flag', 'restart', 'finish')")
    db.execute("UPDATE updates SET first_delivery = (SELECT min(id) FROM deliveries d WHERE d.update_id = updates.id)")
    db["store_meta"].create({"key": str, "value": int}, pk="key", not_null={"value"})


# How a classification's rows are kept (m014): one JSON list per car, fields in this order,
# trailing empty ones left off (`status` too, when the car is classified); the whole list
# compressed (a classification repeats its teams and cars: 5 KB of text becomes about 1).
RESULT_FIELDS = ("position", "drivers", "number", "team", "car", "car_class", "laps", "total_time_ms", "gap",
                 "best_lap_ms", "status")
_RESULTS_VIEW = """
CREATE VIEW results AS
SELECT l.session_id, l.classification, l.source_id, r.key + 1 AS line,
       json_extract(r.value, '$[0]') AS position, json_extract(r.value, '$[1]') AS drivers,
       (SELECT group_concat(d.value, ' / ') FROM json_each(json_extract(r.value, '$[1]')) d) AS driver,
       json_extract(r.value, '$[2]') AS number, json_extract(r.value, '$[3]') AS team,
       json_extract(r.value, '$[4]') AS car, json_extract(r.value, '$[5]') AS car_class,
       json_extract(r.value, '$[6]') AS laps, json_extract(r.value, '$[7]') AS total_time_ms,
       json_extract(r.value, '$[8]') AS gap, json_extract(r.value, '$[9]') AS best_lap_ms,
       coalesce(json_extract(r.value, '$[10]'), 'classified') AS status
FROM result_lists l, json_each(pitboard_rows(l.rows)) r
"""


@contextmanager
def transaction(db: Database):
    """A write transaction that takes the write lock at once (BEGIN IMMEDIATE), waiting for
    it up to the busy timeout: a deferred one that reads first gives up at once in WAL mode
    when another process (the running bot) wrote meanwhile. Inside one already open: a
    savepoint."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def pack_rows(rows: list[list]) -> bytes:
    """A classification's rows as kept."""
    return zlib.compress(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode(), 6)


def unpack_rows(data: bytes) -> str:
    """The JSON text of a classification's kept rows (also the SQL function pitboard_rows)."""
    return zlib.decompress(data).decode()


def result_row(values: dict) -> list:
    """A car's row as kept in a classification's list."""
    row = [values.get(f) for f in RESULT_FIELDS]
    if row[-1] == "classified":
        row[-1] = None
    while row and row[-1] is None:
        row.pop()
    return row


@migrations()
def m014_compact_results(db: Database) -> None:
    """A classification is one row: its cars as a compressed JSON list (about 25 bytes a car,
    against some 330 with a row and three indexes each). A view named `results` still shows
    one row per car, for anyone reading the database through Pitboard's connection (which
    has the function that unpacks the list)."""
    db.execute("CREATE TABLE result_lists (id INTEGER PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id), "
               "classification TEXT NOT NULL, source_id TEXT NOT NULL REFERENCES sources(id), "
               "size INTEGER NOT NULL, rows BLOB NOT NULL, UNIQUE (session_id, classification, source_id))")
    lists: dict[tuple, list] = {}
    cursor = db.execute("SELECT * FROM results ORDER BY session_id, classification, source_id, line")
    names = [d[0] for d in cursor.description]
    for row in cursor.fetchall():
        values = dict(zip(names, row))
        values["drivers"] = json.loads(values["drivers"])
        lists.setdefault((values["session_id"], values["classification"], values["source_id"]), []).append(
            result_row(values))
    for (session, classification, source), rows in lists.items():
        db.execute("INSERT INTO result_lists (session_id, classification, source_id, size, rows) VALUES (?, ?, ?, ?, ?)",
                   [session, classification, source, len(rows), pack_rows(rows)])
    db.execute("DROP TABLE results")
    db.execute(_RESULTS_VIEW)


@migrations()
def m015_lighter_delivery_writes(db: Database) -> None:
    """Drop the deliveries index only the rounds' pick used: every change of a delivery's
    state rewrote it too (one commit per send, so its pages were a fifth of the writing)."""
    db.execute("DROP INDEX IF EXISTS idx_deliveries_update_status")


@migrations()
def m016_hourly_standings(db: Database) -> None:
    """Channels may opt in to an endurance race's standings at each hour."""
    db["channels"].add_column("hourly", int, not_null_default=0)


@migrations()
def m017_channel_images(db: Database) -> None:
    """Channels may opt in to a picture of the classification with finish and pole posts."""
    db["channels"].add_column("images", int, not_null_default=0)


@migrations()
def m018_lap_lists(db: Database) -> None:
    """A lap analysis's laps, for charts: one row per car and source, its laps as one
    compressed JSON list (a 24-hour race is some 23,000 laps: a row each would be 23,000
    rows and an index, for data that is only ever read a whole session at a time)."""
    db.execute("CREATE TABLE lap_lists (id INTEGER PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id), "
               "source_id TEXT NOT NULL REFERENCES sources(id), number TEXT NOT NULL, size INTEGER NOT NULL, "
               "laps BLOB NOT NULL, UNIQUE (session_id, source_id, number))")


@migrations()
def m019_session_schedule(db: Database) -> None:
    """Each session's start and status as fans were last told them, so a moved or cancelled
    session is noticed (the sessions table only holds the latest)."""
    db.execute("CREATE TABLE session_schedule (session_id TEXT PRIMARY KEY, starts_at TEXT, status TEXT NOT NULL)")


@migrations()
def m020_places(db: Database) -> None:
    """Channels may put each race weekend's (or series') posts in a place of its own: a
    Discord thread or forum post, a Telegram topic; each place made is remembered with its
    summary message, so a restart reuses it."""
    db["channels"].add_column("threads", str, not_null_default="off")
    db.execute("CREATE TABLE places (channel_id INTEGER NOT NULL REFERENCES channels(id), scope TEXT NOT NULL, "
               "address TEXT NOT NULL, summary TEXT, PRIMARY KEY (channel_id, scope))")


@migrations()
def m021_server_events(db: Database) -> None:
    """Discord channels may have their server list the sessions they follow as scheduled
    events; each one made is remembered per server and session with the start, end, name
    and status last sent, so a restart never makes it twice. No foreign key to sessions:
    an event file re-imported without a session must not be refused for it."""
    db["channels"].add_column("server_events", int, not_null_default=0)
    db.execute("CREATE TABLE server_events (guild_id TEXT NOT NULL, session_id TEXT NOT NULL, "
               "event_id TEXT NOT NULL, discord_id TEXT NOT NULL, name TEXT NOT NULL, starts_at TEXT NOT NULL, "
               "ends_at TEXT NOT NULL, status TEXT NOT NULL, PRIMARY KEY (guild_id, session_id))")


@migrations()
def m022_place_posts(db: Database) -> None:
    """A place keeps links to the posts sent into it, which its summary lists."""
    db["places"].add_column("posts", str, not_null_default="[]")


def pack_laps(car_class: str | None, laps: list[tuple]) -> bytes:
    """One car's laps as kept: its class, the drivers named once, and per lap
    [lap, position, elapsed ms, lap time ms, driver's index] (a driver repeats on every lap)."""
    drivers: list[str] = []
    rows = []
    for lap, position, elapsed, lap_time, driver in laps:
        if driver is not None and driver not in drivers:
            drivers.append(driver)
        rows.append([lap, position, elapsed, lap_time, drivers.index(driver) if driver is not None else None])
    data = {"class": car_class, "drivers": drivers, "laps": rows}
    return zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), 6)


def unpack_laps(data: bytes) -> tuple[str | None, list[tuple]]:
    """A car's kept laps back: its class and (lap, position, elapsed ms, lap time ms, driver)."""
    kept = json.loads(zlib.decompress(data))
    drivers = kept["drivers"]
    return kept["class"], [(lap, position, elapsed, lap_time, drivers[d] if d is not None else None)
                           for lap, position, elapsed, lap_time, d in kept["laps"]]


def apply(db: Database) -> int:
    """Bring `db` to the current schema; returns how many migrations were applied."""
    pending = len(migrations.pending(db))
    migrations.apply(db)
    return pending
