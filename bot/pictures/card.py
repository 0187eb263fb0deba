"""The result card: a classification drawn as a PNG, with its alt text.

Legible at any field size: the type and the row height never shrink. A big field is
drawn in two columns side by side (up to 32 rows each), and a field too big even for that
goes on several pictures (`result_cards`). Dark theme, one colour per class."""
from __future__ import annotations

import functools
import io
import math
import threading
from dataclasses import dataclass

from bot.domain import Event, Result, Session
from bot.i18n import Lang
from bot.pictures.fonts import font
from bot.pictures.lines import CardMarks, Line, card_lines, class_order, partial, plain, winners

__all__ = ["CardMarks", "card_alt_text", "result_card", "result_cards"]

ROWS_PER_COLUMN = 32
COLUMNS_PER_CARD = 2
ROW_H, TEXT, SMALL, HEADER, TITLE = 36, 20, 16, 15, 32  # pixels: fixed, whatever the field size
MARGIN, GUTTER, CELL_GAP = 22, 28, 14
HEAD_H, COLUMN_HEAD_H, FOOT_H = 112, 34, 52
WIDE, NARROW = 1600, 1000  # a two-column card, the narrowest one-column card
ALT_LIMIT = 900  # a Telegram caption holds 1,024 characters; leave room for a link
# Cards are drawn in worker threads (off the event loop) with fonts shared between calls; one
# FreeType face must not rasterise two texts at once, so one card is drawn at a time.
_DRAWING = threading.Lock()

BACKGROUND, PANEL = (17, 19, 25), (27, 30, 38)
STRIPES = ((23, 26, 33), (30, 34, 43))
INK, MUTED, DIM = (238, 240, 244), (150, 158, 172), (112, 118, 130)
ACCENT = (214, 40, 40)
FASTEST = (128, 54, 184)  # purple: the fastest lap, as timing screens show it
POLE = (236, 178, 24)
STATUS_COLOURS = {"provisional": (214, 137, 16), "final": (39, 150, 84), "corrected": (52, 120, 212)}
# Class badges, by the class's place in the event's list; text colour picked per badge.
PALETTE = ((52, 120, 212), (236, 126, 38), (46, 170, 100), (220, 60, 70), (240, 200, 40), (26, 176, 160),
           (220, 90, 160), (150, 160, 170), (110, 80, 200), (140, 190, 60))


@dataclass(frozen=True)
class Notes:
    """What the legend explains besides the fastest lap: a pole mark, a partial list."""

    pole: bool = False
    partial: bool = False


@dataclass(frozen=True)
class _Column:
    """A column of the table: which Line field it shows, its header and how it is aligned."""

    field: str
    header: str
    align: str = "left"  # or "right"
    bold: bool = False


def result_card(lang: Lang, event: Event, session: Session, results: list[Result], status: str,
                marks: CardMarks = CardMarks()) -> bytes:
    """A PNG of the classification (its first picture when the field needs several: only
    that one is drawn, however big the field)."""
    return result_cards(lang, event, session, results, status, marks, pages=1)[0]


def result_cards(lang: Lang, event: Event, session: Session, results: list[Result], status: str,
                 marks: CardMarks = CardMarks(), pages: int | None = None) -> list[bytes]:
    """PNGs of the classification: one, unless more than 64 cars need another picture
    (at most `pages` of them drawn)."""
    wanted = pages
    lines = card_lines(lang, event, session.kind, results, marks)
    per_card = ROWS_PER_COLUMN * COLUMNS_PER_CARD
    pages = [lines[i:i + per_card] for i in range(0, len(lines), per_card)] or [[]]
    columns = _columns(lang, session.kind, lines)
    palette = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(class_order(event, results))}
    notes = Notes(pole=bool(marks.pole), partial=partial(event, results))
    with _DRAWING:
        return [_draw(lang, event, session, status, page, columns, palette, (n, len(pages)), notes)
                for n, page in enumerate(pages[:wanted], 1)]


def card_alt_text(lang: Lang, event: Event, session: Session, results: list[Result], status: str) -> str:
    """What the card shows, in one or two sentences: the event, the session, the status,
    the winner (or pole sitter) and each class's: for alt text or a caption."""
    title = f"{event.name} {event.date.year}"
    values = {"event": title, "session": lang.t(f"session.{session.kind}"), "status": lang.t(f"card.status.{status}")}
    first, of_class = winners(event, results)
    if first is None:
        # A class's list alone (no overall order): its winner is told below.
        text = lang.t("card.alt.head" if of_class else "card.alt.none", **values)
    else:
        text = lang.t(f"card.alt.{session.kind}", driver=_who(first), **values)
    if of_class:
        names = "; ".join(lang.t("card.alt.class_winner", name=lang.t("class", name=name), driver=_who(r))
                          for name, r in of_class)
        key = "card.alt.class_winners" if session.kind == "race" else "card.alt.class_leaders"
        text = f"{text} {lang.t(key, winners=names)}"
    # Far too many classes for a caption: cut at a word, never mid-name.
    return text if len(text) <= ALT_LIMIT else text[:ALT_LIMIT - 1].rsplit(" ", 1)[0] + "…"


def _who(r: Result) -> str:
    driver = plain(r.driver)
    return f"{driver} (#{plain(r.number)})" if r.number else driver


def _columns(lang: Lang, kind: str, lines: list[Line]) -> list[_Column]:
    """The columns worth drawing: a session's own set, less those no row fills."""
    if kind == "qualifying":
        wanted = [_Column("position", lang.t("col.pos"), "right", True), _Column("number", lang.t("col.no"), "right"),
                  _Column("driver", lang.t("col.driver"), bold=True), _Column("car_class", lang.t("col.class")),
                  _Column("best", lang.t("col.best"), "right"), _Column("gap", lang.t("card.gap_pole"), "right")]
    else:
        wanted = [_Column("position", lang.t("col.pos"), "right", True), _Column("number", lang.t("col.no"), "right"),
                  _Column("driver", lang.t("col.driver"), bold=True), _Column("team", lang.t("col.team")),
                  _Column("car_class", lang.t("col.class")), _Column("laps", lang.t("col.laps"), "right"),
                  _Column("time", lang.t("col.time"), "right"), _Column("best", lang.t("col.best"), "right")]
    return [c for c in wanted if c.field == "driver" or any(getattr(line, c.field) for line in lines)]


def _contrast(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white, whichever reads better on `colour` (by perceived brightness)."""
    r, g, b = colour
    return (16, 16, 16) if 0.299 * r + 0.587 * g + 0.114 * b > 150 else (255, 255, 255)


@functools.lru_cache(maxsize=8192)
def _length(face, text: str) -> float:
    """How wide `text` is in `face`: the same cell is measured for the layout and again to
    fit it, and measuring costs as much as a third of drawing."""
    return face.getlength(text)


def _shorter(crew: str) -> list[str]:
    """`Sven Quintal / Kenta Moreau-Lisle` → `S. Quintal / K. Moreau-Lisle`, then `Quintal /
    Moreau-Lisle`: a driver or crew in a narrow column keeps every surname rather than
    losing one to an ellipsis."""
    names = [n.strip().partition(" ") for n in crew.split(" / ")]
    initials = " / ".join(f"{first[0]}. {rest}" if rest and first else first for first, _, rest in names)
    surnames = " / ".join(rest or first for first, _, rest in names)
    return [initials, surnames] if len(names) > 1 else [initials]


def _fit(text: str, face, width: float, names: bool = False) -> str:
    """`text` cut with an ellipsis to fit `width` pixels (a long crew of four drivers);
    `names`: first try the drivers' initials, then their surnames alone."""
    if _length(face, text) <= width:
        return text
    forms = _shorter(text) if names else []
    for shorter in forms:
        if _length(face, shorter) <= width:
            return shorter
    if forms:  # even surnames alone are too long: cut those, so the first surname at least shows
        text = forms[-1]
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with its ellipsis
        mid = (low + high + 1) // 2
        if _length(face, text[:mid].rstrip() + "…") <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + "…"


def _cut_names(lines: list[Line], width: float) -> int:
    """How many drivers or crews would lose letters in `width`, even as surnames alone."""
    bold = font(TEXT, True)
    return sum(1 for line in lines if line.driver and _length(bold, _shorter(line.driver)[-1]) > width)


def _widths(columns: list[_Column], lines: list[Line], palette: dict, panel: int | None) -> dict[str, int]:
    """Each column's width: measured for the fixed ones; the driver (and team) share what is
    left of `panel`, or take their natural width (capped) when `panel` is None."""
    regular, bold, header = font(TEXT), font(TEXT, True), font(HEADER, True)
    widths = {}
    for c in columns:
        face = bold if c.bold else regular
        if c.field == "car_class":
            badge = _badge_width(palette)
            cells = [badge + 8 + _length(regular, line.class_position) for line in lines]
        else:
            cells = [_length(face, getattr(line, c.field)) for line in lines]
        widths[c.field] = math.ceil(max([_length(header, c.header), *cells]))
    flexible = [c.field for c in columns if c.field in ("driver", "team")]
    natural = {"driver": min(widths["driver"], 440), "team": min(widths.get("team", 0), 300)}
    if panel is None:
        widths.update({f: natural[f] for f in flexible})
        return widths
    room = panel - sum(widths[c.field] for c in columns if c.field not in flexible) - CELL_GAP * (len(columns) - 1)
    if "team" in flexible:
        # Both at full length when they fit; else the team gives way first (2/5 of the room).
        fits = room >= natural["driver"] + natural["team"]
        widths["team"] = natural["team"] if fits else min(natural["team"], room * 2 // 5)
        room -= widths["team"]
    # Room beyond what the names need stays at the row's end: a sparse list (places and
    # names only) would otherwise push its last column far from the names it belongs to.
    widths["driver"] = max(min(room, natural["driver"] + 160), 120)
    return widths


def _draw(lang: Lang, event: Event, session: Session, status: str, lines: list[Line], columns: list[_Column],
          palette: dict, page: tuple[int, int], notes: Notes) -> bytes:
    """One picture: the title band, then the rows in one or two columns, then the legend."""
    from PIL import Image, ImageDraw  # only pictures pay for Pillow

    split = len(lines) > ROWS_PER_COLUMN
    every = columns
    if "team" in {c.field for c in columns} and split:
        # Two columns leave no room for a team beside the crew: the crew matters more.
        columns = [c for c in columns if c.field != "team"]
    if split:
        width = WIDE
        panel = (WIDE - 2 * MARGIN - GUTTER) // 2
        if _cut_names(lines, _widths(columns, lines, palette, panel - 24)["driver"]) > len(lines) // 10:
            # Endurance crews: side by side even their surnames would be cut. One tall column
            # instead; a phone scrolls down a picture more easily than it zooms.
            split, columns = False, every
    if not split:
        natural = _widths(columns, lines, palette, None)
        wanted = sum(natural.values()) + CELL_GAP * (len(columns) - 1) + 2 * MARGIN + 24
        width = max(NARROW, min(WIDE, wanted))
        panel = width - 2 * MARGIN
    widths = _widths(columns, lines, palette, panel - 24)  # 24: the row's inner padding
    per_column = math.ceil(len(lines) / 2) if split else max(len(lines), 1)
    height = HEAD_H + COLUMN_HEAD_H + per_column * ROW_H + FOOT_H + 12
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    _head(draw, lang, event, session, status, width, page)
    chunks = [lines[:per_column], lines[per_column:]] if split else [lines]
    for i, chunk in enumerate(chunks):
        left = MARGIN + i * (panel + GUTTER)
        _table(image, draw, chunk, columns, widths, palette, left, panel)
    _legend(draw, lang, lines, height, width, notes)
    buffer = io.BytesIO()
    # A flat dark card has few colours: as a 256-colour palette it is written in about half the
    # time of full colour and weighs 40 % as much; no dithering, so text edges stay clean.
    image = image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    image.save(buffer, "PNG", optimize=False, compress_level=3)
    return buffer.getvalue()


def _head(draw, lang: Lang, event: Event, session: Session, status: str, width: int, page: tuple[int, int]) -> None:
    """The red edge, the title, the venue and date, and the status pill."""
    draw.rectangle((0, 0, width, 6), fill=ACCENT)
    label = lang.t(f"card.status.{status}")
    if page[1] > 1:
        label = f"{label} · {lang.t('card.page', page=page[0], pages=page[1])}"
    pill = font(SMALL, True)
    pill_w = pill.getlength(label) + 28
    x1 = width - MARGIN
    draw.rounded_rectangle((x1 - pill_w, 30, x1, 62), radius=16, fill=STATUS_COLOURS.get(status, MUTED))
    draw.text((x1 - pill_w / 2, 46), label, font=pill, fill=(255, 255, 255), anchor="mm")
    title = plain(lang.t("results.title", event=f"{event.name} {event.date.year}",
                         session=lang.t(f"session.{session.kind}")))
    room = x1 - pill_w - 24 - MARGIN
    # A long event name: a size smaller before an ellipsis.
    title_face = next((f for f in (font(TITLE, True), font(TITLE - 6, True)) if _length(f, title) <= room), font(TITLE - 6, True))
    draw.text((MARGIN, 46), _fit(title, title_face, room), font=title_face, fill=INK, anchor="lm")
    facts = [event.venue or "", lang.day(event.date) if event.date_known else str(event.date.year)]
    if event.starters:
        facts.append(lang.t("card.starters", count=event.starters))
    draw.text((MARGIN, 86), " · ".join(f for f in facts if f), font=font(TEXT), fill=MUTED, anchor="lm")


def _table(image, draw, lines: list[Line], columns: list[_Column], widths: dict, palette: dict, left: int,
           panel: int) -> None:
    """One column of rows: headers, then a stripe per car."""
    header, regular, bold = font(HEADER, True), font(TEXT), font(TEXT, True)
    top = HEAD_H
    xs, x = [], left + 12
    for c in columns:
        xs.append(x)
        x += widths[c.field] + CELL_GAP
    for c, x in zip(columns, xs):
        anchor_x = x + widths[c.field] if c.align == "right" else x
        draw.text((anchor_x, top + COLUMN_HEAD_H / 2), c.header, font=header, fill=MUTED,
                  anchor="rm" if c.align == "right" else "lm")
    y = top + COLUMN_HEAD_H
    for n, line in enumerate(lines):
        draw.rectangle((left, y, left + panel, y + ROW_H - 1), fill=STRIPES[n % 2])
        if line.pole:
            draw.rectangle((left, y, left + 5, y + ROW_H - 1), fill=POLE)
        middle = y + ROW_H / 2
        ink = DIM if line.out else INK
        for c, x in zip(columns, xs):
            w = widths[c.field]
            if c.field == "car_class":
                _badge(image, draw, line, palette, x, middle, regular, ink)
                continue
            text = getattr(line, c.field)
            if not text:
                continue
            face = bold if c.bold else regular
            if c.field == "best" and line.fastest:
                draw.rounded_rectangle((x - 6, y + 5, x + w + 6, y + ROW_H - 6), radius=6, fill=FASTEST)
                draw.text((x + w, middle), text, font=bold, fill=(255, 255, 255), anchor="rm")
                continue
            if c.field == "driver":
                text = _fit(text, face, w - (58 if line.pole else 0), names=True)
                if line.pole:
                    _pole_tag(draw, x + _length(face, text) + 10, middle)
            elif c.field == "team":
                text = _fit(text, face, w)
            colour = MUTED if c.field in ("team", "number") and not line.out else ink
            if c.field in ("time", "gap") and line.out:
                colour = ACCENT
            draw.text((x + w if c.align == "right" else x, middle), text, font=face, fill=colour,
                      anchor="rm" if c.align == "right" else "lm")
        y += ROW_H


def _badge_width(palette: dict) -> int:
    """One width for every badge, the widest class name's: the places after them line up."""
    return math.ceil(max((_length(font(SMALL, True), n) for n in palette), default=0)) + 16


@functools.lru_cache(maxsize=64)
def _badge_image(name: str, colour: tuple[int, int, int], width: int):
    """A class badge drawn once and pasted on every row of that class (drawing text is the
    card's main cost)."""
    from PIL import Image, ImageDraw

    badge = Image.new("RGBA", (width, 24), (0, 0, 0, 0))
    pen = ImageDraw.Draw(badge)
    pen.rounded_rectangle((0, 0, width - 1, 23), radius=5, fill=colour)
    pen.text((width / 2, 12), name, font=font(SMALL, True), fill=_contrast(colour), anchor="mm")
    return badge


def _badge(image, draw, line: Line, palette: dict, x: int, middle: float, face, ink) -> None:
    """The class as a coloured badge, then the car's place in it."""
    if not line.car_class:
        return
    width = _badge_width(palette or {line.car_class: None})
    badge = _badge_image(line.car_class, palette.get(line.car_class, PALETTE[-1]), width)
    image.paste(badge, (int(x), int(middle) - 12), badge)
    if line.class_position:
        draw.text((x + width + 8, middle), line.class_position, font=face, fill=ink, anchor="lm")


def _pole_tag(draw, x: float, middle: float) -> None:
    """A small gold `P` after the pole sitter's name (the legend says what it means)."""
    draw.rounded_rectangle((x, middle - 10, x + 22, middle + 10), radius=4, fill=POLE)
    draw.text((x + 11, middle), "P", font=font(SMALL, True), fill=_contrast(POLE), anchor="mm")


def _legend(draw, lang: Lang, lines: list[Line], height: int, width: int, notes: Notes) -> None:
    """What the marks mean (only those drawn), whether places are missing, and the bot's name."""
    middle = height - FOOT_H / 2 - 4
    small = font(SMALL)
    x = MARGIN
    if any(line.fastest for line in lines):
        draw.rounded_rectangle((x, middle - 8, x + 28, middle + 8), radius=4, fill=FASTEST)
        x += 36
        draw.text((x, middle), lang.t("card.fastest_lap"), font=small, fill=MUTED, anchor="lm")
        x += small.getlength(lang.t("card.fastest_lap")) + 28
    if notes.pole and any(line.pole for line in lines):
        _pole_tag(draw, x, middle)
        x += 30
        draw.text((x, middle), lang.t("card.pole"), font=small, fill=MUTED, anchor="lm")
        x += small.getlength(lang.t("card.pole")) + 28
    if notes.partial:
        draw.text((x, middle), lang.t("card.partial"), font=small, fill=MUTED, anchor="lm")
    draw.text((width - MARGIN, middle), "Pitboard", font=font(SMALL, True), fill=DIM, anchor="rm")
