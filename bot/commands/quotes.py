"""`/quotes`: what the drivers said, by speaker or by words."""
from __future__ import annotations

import shlex

from rapidfuzz import fuzz, process

from bot.commands.common import find_event
from bot.commands.registry import Context
from bot.messages import Button, Message, QuoteBlock, Text
from bot.presentation import role


def quotes(ctx: Context, event: str, driver: str | None = None, search: str | None = None,
           page: int | None = None) -> Message:
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
    blocks = tuple(QuoteBlock(q.text, q.speaker, role(lang, q.role)) for q in found)
    size = ctx.page_size
    if not size or len(blocks) <= size:
        return Message(title=title, blocks=blocks, lang=lang.code, data=data)
    # Many quotes on a platform that pages them: this page, with buttons to the others.
    pages = -(-len(blocks) // size)
    shown = min(max((page or 1) - 1, 0), pages - 1)
    line = f"/quotes {ev.id}" + (f" driver:{shlex.quote(driver)}" if driver else "") + \
        (f" search:{shlex.quote(search)}" if search else "")
    turns = [Button("‹", f"{line} page:{shown}")] if shown > 0 else []
    turns += [Button("›", f"{line} page:{shown + 2}")] if shown < pages - 1 else []
    return Message(title=f"{title} ({shown + 1}/{pages})", blocks=blocks[shown * size:(shown + 1) * size],
                   lang=lang.code, buttons=(tuple(turns),), data=data)


def resolve_speaker(speakers: list[str], typed: str) -> str | None:
    """The quoted speaker `typed` most likely means: `cammish` finds Dan Cammish."""
    if not speakers:
        return None
    best = process.extractOne(typed, speakers, scorer=fuzz.WRatio, processor=str.lower, score_cutoff=80)
    return best[0] if best else None

