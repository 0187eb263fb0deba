"""Result cards for posts: the picture a finish or pole post carries to the channels that
turned `images` on, drawn from the post's own payload (so the card shows exactly the
revision the text shows, never a newer or older one)."""
from __future__ import annotations

from datetime import date

from bot.domain import OVERALL, Event, Session, result_from_dict
from bot.i18n import Lang
from bot.messages import Image
from bot.store.outbox import Post

CARD_KINDS = ("finish", "pole")


def post_card(post: Post, lang: Lang, spoiler: bool = False, corrected: bool = False) -> Image | None:
    """The card of a finish or pole post in `lang` (None for other kinds). Slow (a
    picture is drawn): call it off the event loop."""
    if post.kind not in CARD_KINDS:
        return None
    from bot.pictures.card import CardMarks, card_alt_text, result_card  # Pillow: loaded only to draw

    p = post.payload
    if post.kind == "finish":
        tables = p["classifications"]
        results = [result_from_dict(row) for table in tables for row in table["rows"]]
        classes = tuple(t["classification"] for t in tables if t["classification"] != OVERALL)
        marks = CardMarks()
    else:
        results = [result_from_dict(row) for row in p["grid"]]
        classes = tuple(dict.fromkeys(r.car_class for r in results if r.car_class))
        marks = CardMarks(pole=results[0].driver if results else None)
    # The payload knows the event by name and year: the card shows the year alone.
    event = Event("", "", p["event"], date(p["year"], 1, 1), p["timezone"], starters=p.get("starters"),
                  classes=classes, date_known=False)
    session = Session("", "", p["session"], p.get("session_name") or p["session"], status=p.get("status", ""))
    status = "corrected" if corrected else "final" if p.get("status") == "final" else "provisional"
    png = result_card(lang, event, session, results, status, marks)
    # Behind a spoiler, the words under the picture must not give away what it hides.
    alt = lang.t("card.alt.hidden", event=f"{event.name} {event.date.year}") if spoiler \
        else card_alt_text(lang, event, session, results, status)
    return Image(png, alt, name=card_name(post), spoiler=spoiler)


def card_name(post: Post) -> str:
    """The card's file name: the same for every revision, so a correction whose card could
    not be drawn can still point at the one posted."""
    return f"{post.kind}-{post.id}.png"
