"""`/quotes`: what the drivers said, by speaker or by words."""
from __future__ import annotations

from rapidfuzz import fuzz, process

from bot.commands.common import find_event
from bot.commands.registry import Context
from bot.messages import Message, QuoteBlock, Text


def quotes(ctx: Context, event: str, driver: str | None = None, search: str | None = None) -> Message:
    """Show what the drivers said at an event; narrow it to one driver (a last name is
    enough) or to quotes containing some words. Example: /quotes lemans driver:Cammish"""
    lang = ctx.lang
    ev = find_event(ctx, event)
    speaker = resolve_speaker(ctx.queries.speakers(ev.id), driver) if driver else None
    found = ctx.queries.quotes(ev.id, speaker or (driver if driver else None), search)
    title = lang.t("quotes.title", event=f"{ev.name} {ev.date.year}")
    data = [
        {"speaker": q.speaker, "role": q.role, "text": q.text, "language": q.language, "source": q.source_id}
        for q in found
    ]
    if not found:
        if search:
            text = lang.t("quotes.none_match", event=ev.name, search=search)
        elif driver:
            text = lang.t("quotes.none_for", event=ev.name, driver=driver)
        else:
            text = lang.t("quotes.none", event=ev.name)
        return Message(title=title, blocks=(Text(text),), lang=lang.code, data=data)
    blocks = tuple(
        QuoteBlock(q.text, q.speaker, lang.t(f"role.{q.role}") if q.role in ("winner", "class_winner", "pole") else q.role)
        for q in found
    )
    return Message(title=title, blocks=blocks, lang=lang.code, data=data)


def resolve_speaker(speakers: list[str], typed: str) -> str | None:
    """The quoted speaker `typed` most likely means: `cammish` finds Dan Cammish."""
    if not speakers:
        return None
    best = process.extractOne(typed, speakers, scorer=fuzz.WRatio, processor=str.lower, score_cutoff=80)
    return best[0] if best else None

