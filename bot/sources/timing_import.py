"""An Al Kamel file into the store, for an event the store already knows: a classification
becomes the session's results (and finishes the session), a lap analysis its neutralisation
periods. Timing outranks every other source (priority 100); the same file read again
replaces what it said before."""
from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from bot.domain import EventBundle, Lap, Source
from bot.sources import alkamel
from bot.domain import HOURLY_SUFFIX, SOURCE_PRIORITY
from bot.sources.fields import FileError
from bot.sources.target import SESSION_KINDS, Target, TargetError, find_target
from bot.store.queries import Queries

MAX_BYTES = 50_000_000
# The classification has the last word; below it, the order a lap analysis gives at the
# flag (provisional: no penalties yet); below that, an hourly classification (the order
# after hour N, never the finish).
LAPS_PRIORITY = SOURCE_PRIORITY["timing"] - 5
HOURLY_PRIORITY = 60  # hour N's list ranks N above it: the latest hour is the order so far
__all__ = ["HOURLY_SUFFIX", "SESSION_KINDS", "TimingError", "timing_bundle", "timing_facts"]


class TimingError(ValueError):
    """A wrong --event or --session, told as one sentence."""


def timing_facts(target: Target, raw: bytes, name: str, source_id: str | None = None,
                 interim: int | None = None) -> EventBundle:
    """The facts of one Al Kamel file's bytes for `target`. A classification says the
    session is over (unless `interim`: the order after that hour, kept as that hour's own
    list); a lap analysis says it is under way, or over once it shows the finish flag."""
    text = raw[:MAX_BYTES].decode("utf-8", errors="replace")
    digest = hashlib.sha256(raw).hexdigest()[:12]
    kind = alkamel.kind_of(text)
    priority = LAPS_PRIORITY if kind == "laps" else \
        HOURLY_PRIORITY + min(interim, 30) if interim is not None else SOURCE_PRIORITY["timing"]
    source = Source(source_id or f"timing-{Path(name).stem}-{digest}"[:80], "timing", f"Al Kamel {name}", None, None,
                    priority)
    session_id = target.session.id
    if kind == "laps":
        analysis = alkamel.lap_analysis(text, name, session_id, source.id)
        # At the flag the laps give the order (provisional: the classification corrects it).
        results, incidents = list(analysis.order), list(analysis.incidents)
        laps = analysis.lap_list  # kept for charts
        status = "finished" if analysis.chequered else "live"
        # Laps under green flags only (early in a race, or a clean one) are news of nothing,
        # not a broken file: still the session's status. Only a lap analysis without laps is.
        empty = not analysis.laps
    elif kind == "classification":
        results, incidents = alkamel.classification(text, name, session_id, source.id), []
        laps = ()
        status, empty = "live" if interim is not None else "finished", not results
    else:
        raise FileError(name, "", "is neither a classification (POSITION, NUMBER …) nor a lap analysis (FLAG_AT_FL)")
    if empty:
        raise FileError(name, "", "holds no classification and no laps; nothing to import")
    bundle = target.bundle(source, status, _as_the_event_spells(results, target.event.classes), incidents)
    return replace(bundle, laps=tuple(_as_the_event_spells(laps, target.event.classes))) if laps else bundle


def _as_the_event_spells(results: list, classes: tuple[str, ...]) -> list:
    """Class names as the event file writes them: timing's `PRO` is the event's `Pro`, one
    table, not two."""
    spelled = {c.casefold(): c for c in classes}

    def fix(name):
        """The event's spelling of a class name, if it lists that class."""
        return spelled.get(name.casefold(), name) if name else name

    if not spelled:
        return list(results)
    # Laps (one per car and lap) have no classification: only their class is respelled, and
    # only where it differs (a 24-hour race is 23,000 of them).
    return [(replace(r, car_class=fix(r.car_class)) if fix(r.car_class) != r.car_class else r) if isinstance(r, Lap)
            else replace(r, classification=fix(r.classification), car_class=fix(r.car_class)) for r in results]


def timing_bundle(queries: Queries, path: Path, event_query: str, session_kind: str) -> EventBundle:
    """The facts of one Al Kamel file, as a bundle for `App.add_source_facts`."""
    try:
        target = find_target(queries, event_query, session_kind)
    except TargetError as err:
        text = str(err).replace("the session must", "--session must")
        raise TimingError(text[0].upper() + text[1:]) from None
    try:
        raw = path.read_bytes()[:MAX_BYTES]
    except OSError as err:
        raise FileError(str(path), "", f"cannot be read ({err.strerror or err})") from None
    return timing_facts(target, raw, path.name)
