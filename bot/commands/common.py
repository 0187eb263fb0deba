"""What several commands share: finding the event and session a user means."""
from __future__ import annotations

import asyncio
import threading

from bot.commands.registry import Context, UserError
from bot.domain import Event, Session
from bot.lookup import normalise

SESSION_ALIASES = {
    "quali": "qualifying", "qualif": "qualifying", "q": "qualifying", "qualifications": "qualifying",
    "pole": "qualifying", "course": "race", "r": "race", "fp": "practice", "essais": "practice",
    "free practice": "practice", "p": "practice",
}


def find_event(ctx: Context, query: str) -> Event:
    """The event `query` names, or a UserError suggesting close names."""
    found = ctx.queries.find_event(query)
    if found.event_id is None:
        lang = ctx.lang
        if found.suggestions:
            names = lang.join([lang.t("quoted", text=s) for s in found.suggestions])
            raise UserError(lang.t("err.no_event", query=query, suggestions=names),
                            {"code": "no_event", "suggestions": list(found.suggestions)})
        raise UserError(lang.t("err.no_event_plain", query=query), {"code": "no_event", "suggestions": []})
    return ctx.queries.event(found.event_id)


def find_session(ctx: Context, event: Event, kind: str | None, default: tuple[str, ...] = ("race",)) -> Session:
    """The event's session of `kind`; without a kind, the first of `default` that has
    results, else the most advanced session the event has."""
    lang = ctx.lang
    sessions = ctx.queries.sessions(event.id)
    if not sessions:
        raise UserError(lang.t("err.no_sessions", event=event.name))
    if kind:
        of_kind = [s for s in sessions if s.kind == kind]
        if of_kind:
            # The latest such session that has results; a future one only when none has.
            with_results = [s for s in of_kind if ctx.queries.classifications(s.id)]
            return (with_results or of_kind)[-1]
        names = ", ".join(lang.t(f"session.{s.kind}") for s in sessions)
        raise UserError(lang.t("err.no_session", event=event.name, session=lang.t(f"session.{kind}"), sessions=names))
    for wanted in default:
        for s in reversed(sessions):
            if s.kind == wanted and ctx.queries.classifications(s.id):
                return s
    return sessions[-1]


def event_footer(ctx: Context, event: Event) -> str:
    """Venue, date, starters and lap length, as far as they are known."""
    lang = ctx.lang
    venue = event.venue or event.name
    day = lang.day(event.date) if event.date_known else str(event.date.year)
    if event.starters and event.circuit_length_m:
        return lang.t("event.footer", venue=venue, date=day, starters=event.starters,
                      length=lang.km(event.circuit_length_m))
    return lang.t("event.footer_short", venue=venue, date=day)


def event_data(event: Event) -> dict:
    """The event as JSON output shows it."""
    return {
        "id": event.id,
        "name": event.name,
        "series": event.series_id,
        "date": event.date.isoformat() if event.date_known else None,  # unknown: not made up
        "year": event.date.year,
        "timezone": event.timezone,
        "venue": event.venue,
        "circuit_length_m": event.circuit_length_m,
        "starters": event.starters,
        "classes": list(event.classes),
    }


def same_name(a: str, b: str) -> bool:
    """Names equal once case, accents and punctuation are ignored."""
    return normalise(a) == normalise(b)


# Pictures drawn for answers at once, in the whole process: a chart takes a second of CPU,
# and a crowd pressing 🖼 must not queue minutes of drawing (posts' cards are drawn apart).
DRAWING_AT_ONCE = 2
_drawers = threading.BoundedSemaphore(DRAWING_AT_ONCE)


async def drawn(ctx: Context, draw, *args):
    """`draw(*args)` run in a thread, off the event loop; refused in one sentence when as
    many pictures as allowed are being drawn already (try again in a moment)."""
    if not _drawers.acquire(blocking=False):
        raise UserError(ctx.lang.t("err.pictures_busy"))
    try:
        return await asyncio.to_thread(draw, *args)
    finally:
        _drawers.release()
