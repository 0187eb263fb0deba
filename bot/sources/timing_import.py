"""An Al Kamel file into the store, for an event the store already knows: a classification
becomes the session's results, a lap analysis its neutralisation periods. Timing outranks
every other source (priority 100); importing the same file again replaces what it said."""
from __future__ import annotations

import hashlib
from pathlib import Path

from bot.domain import EventBundle, Session, Source
from bot.sources import alkamel
from bot.sources.event_file import DEFAULT_PRIORITY
from bot.sources.fields import FileError
from bot.store.queries import Queries

SESSION_KINDS = ("race", "qualifying", "practice")


class TimingError(ValueError):
    """A wrong --event or --session, told as one sentence."""


def timing_bundle(queries: Queries, path: Path, event_query: str, session_kind: str) -> EventBundle:
    """The facts of one Al Kamel file, as a bundle for `App.add_source_facts`."""
    if session_kind not in SESSION_KINDS:
        raise TimingError(f"--session must be one of {', '.join(SESSION_KINDS)}, not {session_kind!r}.")
    found = queries.find_event(event_query)
    event = queries.event(found.event_id) if found.event_id else None
    if event is None:
        hint = f" Did you mean {', '.join(found.suggestions[:3])}?" if found.suggestions else ""
        raise TimingError(f"No event {event_query!r} is known: import its event file first, or name it as "
                          f"`pitboard events` lists it.{hint}")
    try:
        raw = path.read_bytes()[:50_000_000]
    except OSError as err:
        raise FileError(str(path), "", f"cannot be read ({err.strerror or err})") from None
    text = raw.decode("utf-8", errors="replace")
    digest = hashlib.sha256(raw).hexdigest()[:12]
    source = Source(f"timing-{path.stem}-{digest}"[:80], "timing", f"Al Kamel {path.name}", None, None,
                    DEFAULT_PRIORITY["timing"])
    session = next((s for s in queries.sessions(event.id) if s.kind == session_kind), None) or \
        Session(f"{event.id}/{session_kind}", event.id, session_kind, session_kind.capitalize(), status="finished",
                day=event.date)
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    if "FLAG_AT_FL" in header:
        results, incidents = [], alkamel.neutralisations(text, path.name, session.id, source.id)
    else:
        results, incidents = alkamel.classification(text, path.name, session.id, source.id), []
    if not results and not incidents:
        raise FileError(str(path), "", "holds no classification and no flags; nothing to import")
    series = queries.series(event.series_id)
    return EventBundle(series, event, (source,), (session,), tuple(results), tuple(incidents))
