"""What a result card says, row by row, before anything is drawn: the cars in order with
their texts already in the reader's language. Kept apart from the drawing so the facts
(class places, fastest lap, pole) can be checked without Pillow."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from bot.domain import OVERALL, Event, Result
from bot.i18n import Lang


@dataclass(frozen=True)
class CardMarks:
    """What a card singles out: the pole sitter (a driver's name, as the results write it)
    and whether the fastest lap's cell is highlighted."""

    pole: str | None = None
    fastest_lap: bool = True


@dataclass(frozen=True)
class Line:
    """One car on the card, every cell as text; `car_class` picks the badge colour."""

    position: str
    number: str
    driver: str
    team: str
    car_class: str | None
    class_position: str
    laps: str
    time: str
    best: str
    gap: str
    fastest: bool = False
    pole: bool = False
    out: bool = False  # not classified (DNF, DNS, DSQ): drawn dimmer


def _key(r: Result) -> tuple:
    """The same car in two lists: by number when the source gives one, else by crew."""
    return ("#", r.number) if r.number else ("crew", r.drivers)


def _complete(rows: list[Result]) -> bool:
    """Whether the classified places run 1, 2, 3… without a hole: only then may places be
    counted from the list (a partial list would make the 4th listed car look 4th)."""
    places = sorted(r.position for r in rows if r.position)
    return bool(places) and places == list(range(1, len(places) + 1))


def class_order(event: Event, results: list[Result]) -> list[str]:
    """The classes in the event's order, then any other the results name."""
    seen = [c for c in event.classes]
    for r in results:
        for name in (r.classification, r.car_class):
            if name and name not in seen:
                seen.append(name)
    return seen


def ordered(event: Event, results: list[Result]) -> tuple[list[Result], dict[tuple, tuple[str, int | None]]]:
    """The cars in card order and, per car, its class and place in class.

    The overall order comes first; cars only a class list names (a partial overall list)
    follow it, class by class. Without an overall list, each class's list in turn."""
    overall = sorted((r for r in results if r.classification == OVERALL), key=_sort_key)
    by_class: dict[tuple, tuple[str, int | None]] = {}
    for r in results:
        if r.classification != OVERALL:
            by_class.setdefault(_key(r), (r.classification, r.position))
    if _complete(overall):
        # Places in class counted from a complete overall order, where no class list says.
        counted: dict[str, int] = {}
        for r in overall:
            if r.car_class and _key(r) not in by_class:
                place = None
                if r.position:
                    place = counted[r.car_class] = counted.get(r.car_class, 0) + 1
                by_class[_key(r)] = (r.car_class, place)
    shown = {_key(r) for r in overall}
    rest = []
    for name in class_order(event, results):
        rest += sorted((r for r in results if r.classification == name and _key(r) not in shown), key=_sort_key)
    return overall + rest, by_class


def partial(event: Event, results: list[Result]) -> bool:
    """Whether the overall list has holes, or fewer cars than started: the card says so."""
    overall = [r for r in results if r.classification == OVERALL]
    if not overall:
        return False
    return not _complete(overall) or bool(event.starters and len(overall) < event.starters)


def _sort_key(r: Result) -> tuple:
    # Classified cars by place, the others after them in the order the source gave.
    return (r.position is None, r.position or 0)


def winners(event: Event, results: list[Result]) -> tuple[Result | None, list[tuple[str, Result]]]:
    """The overall winner (P1) and each class's, as far as the results say."""
    cars, by_class = ordered(event, results)
    first = next((r for r in cars if r.classification == OVERALL and r.position == 1), None)
    found: dict[str, Result] = {}
    for r in cars:
        name, place = by_class.get(_key(r), (r.car_class, None))
        if name and place == 1:
            found.setdefault(name, r)
    return first, [(name, found[name]) for name in class_order(event, results) if name in found]


NAME_MAX = 80  # characters of a name or team a card shows: a name longer is no one's


def plain(text: str) -> str:
    """A name as a picture or a caption can show it: control and direction-override
    characters out (a line break would break the layout, an override turn the line
    around), spaces collapsed, cut to NAME_MAX."""
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text
                   if unicodedata.category(c) != "Cf" or c in "\u200c\u200d")  # joiners shape some scripts
    kept = " ".join(kept.split())
    return kept if len(kept) <= NAME_MAX else kept[:NAME_MAX - 1] + "…"


def card_lines(lang: Lang, event: Event, kind: str, results: list[Result], marks: CardMarks) -> list[Line]:
    """Every row of the card, in order, with its texts in `lang`."""
    cars, by_class = ordered(event, results)
    laps = [r.best_lap_ms for r in cars if r.best_lap_ms]
    fastest = min(laps) if marks.fastest_lap and laps else None
    leader = next((r for r in cars if r.position == 1), None)
    lines = []
    for r in cars:
        name, place = by_class.get(_key(r), (r.car_class, None))
        if r.classification != OVERALL:
            name, place = r.classification, r.position
        out = r.status != "classified"
        lines.append(Line(
            position=("–" if out else "") if r.position is None or r.classification != OVERALL else str(r.position),
            number=plain(r.number or ""),
            driver=plain(r.driver),
            team=plain(r.team or ""),
            car_class=name or None,
            class_position=f"P{place}" if place else "",
            laps="" if r.laps is None else str(r.laps),
            time=_time(lang, r) if not out else lang.t(f"result.{r.status}"),
            best=lang.lap(r.best_lap_ms),
            gap=_gap_to_pole(lang, r, leader) if not out else lang.t(f"result.{r.status}"),
            fastest=fastest is not None and r.best_lap_ms == fastest,
            pole=bool(marks.pole) and marks.pole in (r.driver, *r.drivers),
            out=out,
        ))
    return lines


def _time(lang: Lang, r: Result) -> str:
    """The winner's race time, everyone else's gap (as the text table writes them)."""
    if r.position == 1 and r.total_time_ms:
        return lang.lap(r.total_time_ms)
    return lang.gap(r.gap) or lang.lap(r.total_time_ms)


def _gap_to_pole(lang: Lang, r: Result, leader: Result | None) -> str:
    """In qualifying: the gap to the pole lap, worked out from the laps when both are known."""
    if r is leader:
        return ""
    thousandths = r.best_lap_ms - leader.best_lap_ms if leader and leader.best_lap_ms and r.best_lap_ms else -1
    if thousandths >= 0:  # a lap faster than pole's (a deleted lap, a penalty): the source's gap
        return lang.gap(f"{thousandths // 1000}.{thousandths % 1000:03d}")
    return lang.gap(r.gap)
