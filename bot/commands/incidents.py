"""`/safetycar`: neutralisations (safety car, VSC, full-course yellow, red flag) and crashes."""
from __future__ import annotations

from bot.commands.common import event_data, event_footer, find_event
from bot.commands.registry import Context
from bot.domain import NEUTRALISATIONS, Incident
from bot.i18n import Lang, pick
from bot.messages import Message, Text
from bot.presentation import describe


def safetycar(ctx: Context, event: str) -> Message:
    """Show an event's safety-car, virtual-safety-car, full-course-yellow and red-flag
    periods, with their laps and causes, and the crashes behind them. Example: /safetycar lemans"""
    lang = ctx.lang
    ev = find_event(ctx, event)
    found: list[tuple[str, Incident]] = []
    for sess in ctx.queries.sessions(ev.id):
        found += [(sess.kind, i) for i in ctx.queries.incidents(sess.id)]
    title = lang.t("sc.title", event=f"{ev.name} {ev.date.year}")
    if not any(i.kind in NEUTRALISATIONS for _, i in found):
        text = lang.t("sc.none", event=ev.name)
        return Message(title=title, blocks=(Text(text),), lang=lang.code, data={"event": event_data(ev), "incidents": []})
    lines = [describe(lang, i) for _, i in found]
    return Message(
        title=title,
        blocks=tuple(Text(line) for line in lines),
        footer=event_footer(ctx, ev),
        lang=lang.code,
        data={"event": event_data(ev), "incidents": [incident_data(lang, kind, i) for kind, i in found]},
    )


def incident_data(lang: Lang, session_kind: str, i: Incident) -> dict:
    """One incident as JSON output shows it."""
    return {
        "session": session_kind,
        "kind": i.kind,
        "start_lap": i.start_lap,
        "end_lap": i.end_lap,
        "start_time": i.start_time.isoformat() if i.start_time else None,
        "end_time": i.end_time.isoformat() if i.end_time else None,
        "cause": pick(i.cause, lang.code),
        "location": pick(i.location, lang.code),
        "drivers": list(i.drivers),
        "note": pick(i.note, lang.code),
    }
