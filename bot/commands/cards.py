"""A session's result card, found as `/results` finds its classification: the event by its
forgiving lookup, the race by default (else the latest session with results)."""
from __future__ import annotations

import struct
from dataclasses import dataclass

from bot.commands.common import SESSION_ALIASES, find_event, find_session, same_name
from bot.commands.registry import Context, UserError
from bot.domain import OVERALL, SESSION_KINDS, Event, Result, Session
from bot.pictures.card import CardMarks, card_alt_text, result_cards


@dataclass(frozen=True)
class Card:
    """The pictures of one classification (one, unless the field is over 64 cars), with
    what a caption or the terminal says about them."""

    pngs: tuple[bytes, ...]
    alt: str
    event_id: str
    session: str
    status: str

    @property
    def size(self) -> tuple[int, int]:
        """The first picture's width and height, read from its PNG header."""
        return struct.unpack(">II", self.pngs[0][16:24])


def split_words(words: list[str]) -> tuple[str, str | None]:
    """`lemans qualifying` → (`lemans`, `qualifying`): a last word naming a session kind
    (or one of its aliases) is the session; the rest is the event, however many words."""
    last = SESSION_ALIASES.get(words[-1].lower(), words[-1].lower()) if words else ""
    if len(words) > 1 and last in SESSION_KINDS:
        return " ".join(words[:-1]), last
    return " ".join(words), None


def card_status(session: Session) -> str:
    """`final` once the session's results are declared final, else `provisional` (as
    /results says "Provisional classification." for a finished session)."""
    return "final" if session.status == "final" else "provisional"


def card_for(ctx: Context, words: list[str], car_class: str | None = None) -> Card:
    """The result card of the session `words` name (`lemans`, `lemans qualifying`), every
    class or only `car_class`; a UserError when there is nothing to draw."""
    lang = ctx.lang
    query, kind = split_words(words)
    event = find_event(ctx, query)
    session = find_session(ctx, event, kind)
    session_name = lang.t(f"session.{session.kind}")
    available = ctx.queries.classifications(session.id)
    if not available:
        raise UserError(lang.t("err.no_results", event=event.name, session=session_name))
    wanted = available
    if car_class:
        wanted = [c for c in available if same_name(c or "overall", car_class)
                  or (c == OVERALL and same_name(car_class, lang.t("overall")))]
        if not wanted:
            names = ", ".join(c or lang.t("overall") for c in available)
            sessions = ", ".join(lang.t(f"session.{s.kind}") for s in ctx.queries.sessions(event.id))
            raise UserError(lang.t("err.no_class", event=event.name, session=session_name, name=car_class,
                                   classes=names, sessions=sessions))
    results = [r for c in wanted for r in ctx.queries.results(session.id, c)]
    status = card_status(session)
    marks = CardMarks(pole=_pole_sitter(ctx, event, session, results))
    return Card(tuple(result_cards(lang, event, session, results, status, marks)),
                card_alt_text(lang, event, session, results, status), event.id, session.kind, status)


def _pole_sitter(ctx: Context, event: Event, session: Session, results: list[Result]) -> str | None:
    """Who took pole: P1 of this qualifying, or of the event's latest qualifying with results."""
    if session.kind == "qualifying":
        rows = [r for r in results if r.classification == OVERALL]
    else:
        done = [s for s in ctx.queries.sessions(event.id) if s.kind == "qualifying"
                and OVERALL in ctx.queries.classifications(s.id)]
        rows = ctx.queries.results(done[-1].id, OVERALL) if done else []
    first = next((r for r in rows if r.position == 1), None)
    return first.driver if first else None
