"""`/events` and `/next`: what Pitboard knows and what comes next."""
from __future__ import annotations

from bot.commands.common import event_data
from bot.commands.registry import Context
from bot.messages import Column, Message, Table, Text


def events(ctx: Context, query: str | None = None) -> Message:
    """List the events Pitboard knows, most recent first, or search them by name, venue,
    alias or year. Example: /events, /events le mans"""
    lang = ctx.lang
    if query:
        found = [ctx.queries.event(i) for i in ctx.queries.matching_events(query)]
        title = lang.t("events.matching", query=query)
        empty = lang.t("events.none_match", query=query)
    else:
        found = ctx.queries.events(limit=25)
        title = lang.t("events.title")
        empty = lang.t("events.none")
    data = [event_data(e) for e in found]
    if not found:
        return Message(title=title, blocks=(Text(empty),), lang=lang.code, data=data)
    table = Table(
        caption="",
        columns=(Column(lang.t("col.date")), Column(lang.t("col.event")), Column(lang.t("col.venue"))),
        rows=tuple((lang.day(e.date) if e.date_known else str(e.date.year), f"{e.name} {e.date.year}", e.venue or "")
                   for e in found),
    )
    return Message(title=title, blocks=(table,), lang=lang.code, data=data)


def next_sessions(ctx: Context, count: int = 5) -> Message:
    """List the next scheduled sessions, soonest first, in your time zone. Example: /next"""
    lang = ctx.lang
    # A session whose day is known but not its time is listed too, by its day.
    upcoming = ctx.queries.upcoming_sessions(ctx.now, limit=count, date_only=True)
    title = lang.t("next.title")
    data = [
        {"event": event_data(ev), "session": s.kind, "name": s.name,
         "start": s.start.isoformat() if s.start else None, "day": s.day.isoformat() if s.day else None}
        for s, ev in upcoming
    ]
    if not upcoming:
        text = lang.t("next.none", now=lang.moment(ctx.now, "UTC"))
        return Message(title=title, blocks=(Text(text),), lang=lang.code, data=data)
    table = Table(
        caption="",
        columns=(Column(lang.t("col.starts")), Column(lang.t("col.event")), Column(lang.t("col.session"))),
        rows=tuple((lang.moment(s.start, ev.timezone) if s.start else lang.day(s.day), f"{ev.name} {ev.date.year}",
                    _session_label(lang, s)) for s, ev in upcoming),
    )
    times = tuple((lang.moment(s.start, ev.timezone), s.start.timestamp()) for s, ev in upcoming if s.start)
    return Message(title=title, blocks=(table,), lang=lang.code, data=data, times=times)


def _session_label(lang, session) -> str:
    """The session's kind in the reader's language, plus its own name when that says more."""
    kind = lang.t(f"session.{session.kind}")
    return kind if session.name.lower() in (kind.lower(), session.kind) else f"{kind} ({session.name})"
