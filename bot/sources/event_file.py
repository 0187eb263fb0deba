"""Event files: a whole event (sessions, results, incidents, quotes) in one TOML file.

The format is documented in data/events/README.md and versioned by its top-level
`format` key; a file is validated completely before anything touches the database.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain import (
    SOURCE_PRIORITY,
    SESSION_KINDS,
    SESSION_STATUSES,
    SOURCE_KINDS,
    Event,
    EventBundle,
    Quote,
    Series,
    Session,
    Source,
)
from bot.sources.event_facts import parse_classifications, parse_incident, when
from bot.sources.fields import Fields, FileError

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
# The biggest real event (a 24-hour race, 60 cars, every class) is well under 200 KB; a file
# of tens of MB is a mistake or an attack, and parsing it costs ten times its size in memory.
MAX_FILE_BYTES = 1_000_000
# A key of dozens of dotted parts is no event file's, and Python's TOML reader takes time
# growing with the square of such a key's length (60 KB of it held the bot for 15 s).
_DOTTED_RUN = re.compile(r"""(?:(?:[\w-]+|"[^"\n]{0,200}"|'[^'\n]{0,200}')[ \t]*\.[ \t]*){32}""")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

def read_regular_file(path: Path, limit: int) -> bytes:
    """At most `limit` bytes of a regular file. Opened without blocking and checked before
    reading: a FIFO or a device named like an event file would otherwise hang the reader
    (and with it every chat the bot answers)."""
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as err:
        raise FileError(name, "", f"cannot be read ({err.strerror or err})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileError(name, "", "is not a regular file (a pipe, a device or a folder?); give an event file")
        if info.st_size > limit:
            raise FileError(name, "", f"is {info.st_size / 1e6:.1f} MB; an event file is at most "
                                      f"{limit // 1_000_000} MB (split it by event)")
        raw = handle.read(limit + 1)
    if len(raw) > limit:  # it grew while being read
        raise FileError(name, "", f"is over {limit // 1_000_000} MB; an event file is at most that (split it by event)")
    return raw


def load_event_file(path: str | Path) -> EventBundle:
    """Read and validate one event file; raise FileError naming the field at fault."""
    path = Path(path)
    name = str(path)
    raw = read_regular_file(path, MAX_FILE_BYTES)
    try:
        # A BOM is how some editors mark UTF-8; TOML does not allow one, people do.
        text = raw.decode("utf-8").removeprefix("\ufeff")
        if _DOTTED_RUN.search(text):
            raise FileError(name, "", "has a key of more than 30 dotted parts; no event file needs one, flatten it")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise FileError(name, "", "is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as err:
        raise FileError(name, "", f"is not valid TOML ({err})") from None
    except RecursionError:
        raise FileError(name, "", "nests tables or lists too deeply to be an event file; flatten it") from None
    try:
        bundle = parse_event(Fields(data, name))
    except RecursionError:
        raise FileError(name, "", "nests tables or lists too deeply to be an event file; flatten it") from None
    return EventBundle(**{**bundle.__dict__, "digest": hashlib.sha256(raw).hexdigest()})


def load_event_files(paths) -> list[EventBundle]:
    """Read and validate every file; raise FileError at the first problem (two files for
    the same event are one)."""
    paths = [Path(p) for p in paths]
    bundles = [load_event_file(p) for p in paths]
    seen: dict[str, Path] = {}
    for path, bundle in zip(paths, bundles):
        if bundle.event.id in seen:
            raise FileError(str(path), "event.id", f"{bundle.event.id!r} is also the id of {seen[bundle.event.id]}")
        seen[bundle.event.id] = path
    return bundles


def bundled_files(events_dir: Path) -> list[Path]:
    """The event files in `events_dir`, in name order: regular files only (a FIFO or a
    device named `x.toml` would block the start or never end; it is skipped with a warning,
    as the watched folder does)."""
    found = []
    for path in sorted(events_dir.glob("*.toml")) if events_dir.is_dir() else []:
        try:
            regular = stat.S_ISREG(path.stat().st_mode)
        except OSError:
            continue  # gone since the listing, or a broken link
        if regular:
            found.append(path)
        else:
            log.warning("%s: is not a regular file (a pipe or a device?); skipped", path)
    return found


def _ident(f: Fields, key: str) -> str:
    value = f.text(key)
    if not _ID.match(value):
        raise f.fail(key, f"must be lower-case letters, digits and dashes (like le-mans-2017), not {value!r}")
    return value


def parse_event(root: Fields) -> EventBundle:
    """Build an EventBundle from a parsed event file."""
    root.only("format", "series", "event", "sources", "sessions", "quotes")
    version = root.integer("format")
    if version != FORMAT_VERSION:
        raise root.fail("format", f"is {version}, but this Pitboard reads format {FORMAT_VERSION}")
    series = _series(root.table("series"))
    event, tz = _event(root.table("event"), series)
    sources = _sources(root, event.id)
    source_of = _source_finder(sources)
    sessions, results, incidents = [], [], []
    for sf in _unique_sessions(root):
        session = _session(sf, event.id, tz)
        sessions.append(session)
        results += parse_classifications(sf, session.id, event, source_of)
        incidents += [parse_incident(inc, session.id, seq, tz, source_of)
                      for seq, inc in enumerate(sf.tables("incidents"), start=1)]
    quotes = _quotes(root, event.id, sessions, source_of)
    return EventBundle(series, event, tuple(sources), tuple(sessions), tuple(results), tuple(incidents), tuple(quotes))


def _series(s: Fields) -> Series:
    s.only("id", "name", "short_name")
    return Series(_ident(s, "id"), s.text("name"), s.text("short_name", required=False))


def _event(e: Fields, series: Series) -> tuple[Event, ZoneInfo]:
    """The event, and its time zone (a time without offset in the file is local to it)."""
    e.only("id", "name", "date", "timezone", "venue", "circuit_length_km", "starters", "aliases", "classes")
    tz_name = e.text("timezone")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise e.fail("timezone", f"{tz_name!r} is not a time zone name such as Europe/Paris") from None
    length_km = e.number("circuit_length_km", required=False)
    return Event(id=_ident(e, "id"), series_id=series.id, name=e.text("name"), date=e.day("date"), timezone=tz_name,
                 venue=e.text("venue", required=False),
                 circuit_length_m=round(length_km * 1000) if length_km else None,
                 starters=e.integer("starters", required=False, minimum=1),
                 aliases=e.strings("aliases"), classes=e.strings("classes")), tz


def _source_finder(sources: list[Source]):
    """`source_of(table)`: the stored id of the source a table names (the file's first by default)."""
    source_ids = {src.id.split("/", 1)[1]: src.id for src in sources}

    def source_of(f: Fields) -> str:
        """The stored id of the source a table names, the file's first source by default."""
        local = f.text("source", required=False)
        if local is None:
            return sources[0].id
        if local not in source_ids:
            raise f.fail("source", f"names no source of this file ({', '.join(source_ids)})")
        return source_ids[local]

    return source_of


def _unique_sessions(root: Fields):
    """The session tables, each id used once."""
    seen: set[str] = set()
    for sf in root.tables("sessions"):
        sf.only("id", "kind", "name", "status", "start", "end", "classifications", "incidents")
        local = _ident(sf, "id")
        if local in seen:
            raise sf.fail("id", f"{local!r} is used by another session of this event")
        seen.add(local)
        yield sf


def _session(sf: Fields, event_id: str, tz: ZoneInfo) -> Session:
    local = _ident(sf, "id")
    day, start = when(sf, "start", tz)
    _, end = when(sf, "end", tz)
    if start and end and end < start:
        raise sf.fail("end", "is before the start")
    return Session(id=f"{event_id}/{local}", event_id=event_id, kind=sf.text("kind", choices=SESSION_KINDS),
                   name=sf.text("name", required=False) or local.replace("-", " ").capitalize(),
                   status=sf.text("status", required=False, choices=SESSION_STATUSES) or "scheduled",
                   day=day, start=start, end=end)


def _quotes(root: Fields, event_id: str, sessions: list[Session], source_of) -> list[Quote]:
    session_ids = {s.id.split("/", 1)[1]: s.id for s in sessions}
    quotes = []
    for seq, qf in enumerate(root.tables("quotes"), start=1):
        qf.only("speaker", "role", "text", "language", "session", "source")
        session = qf.text("session", required=False)
        if session is not None and session not in session_ids:
            raise qf.fail("session", f"names no session of this event ({', '.join(session_ids)})")
        quotes.append(Quote(event_id=event_id, seq=seq, speaker=qf.text("speaker"), text=qf.text("text"),
                            language=qf.text("language", choices=("en", "fr", "de", "it", "es", "nl", "pt")),
                            role=qf.text("role", required=False),
                            session_id=session_ids.get(session) if session else None, source_id=source_of(qf)))
    return quotes


def _sources(root: Fields, event_id: str) -> list[Source]:
    sources = []
    for sf in root.tables("sources", required=True):
        sf.only("id", "kind", "name", "url", "language", "priority")
        kind = sf.text("kind", choices=SOURCE_KINDS)
        priority = sf.integer("priority", required=False, minimum=0)
        sources.append(
            Source(
                id=f"{event_id}/{_ident(sf, 'id')}",
                kind=kind,
                name=sf.text("name"),
                url=sf.text("url", required=False),
                language=sf.text("language", required=False),
                priority=SOURCE_PRIORITY[kind] if priority is None else priority,
            )
        )
    if not sources:
        raise root.fail("sources", "must list at least one source the facts come from")
    if len({s.id for s in sources}) != len(sources):
        raise root.fail("sources", "uses the same id twice")
    return sources
