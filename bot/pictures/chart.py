"""Race charts: each car's position, or its gap to the leader, lap by lap, one panel per
class, with the safety-car, full-course-yellow and red-flag periods shaded behind.

Drawn with matplotlib's object API on an Agg canvas (no pyplot, no global state, no
display), imported inside `race_chart`: a text command never pays the half second that
importing matplotlib costs.
"""
from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass

from bot.domain import Event, Incident, Lap, Session
from bot.i18n import Lang

KINDS = ("positions", "gaps")
# Period colours: what a timing screen shows for each (yellow FCY, orange SC, red flag).
SHADES = {
    "full_course_yellow": "#ffd21f",
    "safety_car": "#ff9f1a",
    "virtual_safety_car": "#ffc266",
    "red_flag": "#e53935",
}
SHADE_ALPHA = 0.28
WIDTH_PX, PANEL_PX, CHROME_PX, DPI = 1400, 520, 130, 100
LABELLED = 10  # cars named at the right edge of each panel: the top of the order at the end
# matplotlib's tab10, written out: ten colours told apart at a glance, for the named cars.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
           "#7f7f7f")


@dataclass(frozen=True)
class Span:
    """A shaded period: its kind and the laps it covers on the x axis."""

    kind: str
    start: float
    end: float


def shaded_periods(periods: list[Incident], last_lap: int) -> list[Span]:
    """The neutralisations a chart shades, on its lap axis. The leader's laps start_lap to
    end_lap were run under the flag, so the band runs from the line before start_lap to
    the line after end_lap; a period still open runs to the last lap drawn. Periods known
    only by the clock (no lap) cannot be placed and are left out."""
    spans = []
    for period in periods:
        kind = "virtual_safety_car" if period.kind == "vsc" else period.kind
        if kind not in SHADES or period.start_lap is None:
            continue
        end = period.end_lap if period.end_lap is not None else last_lap
        spans.append(Span(kind, max(period.start_lap - 1, 0), max(end, period.start_lap)))
    return spans


MAX_PANELS = 8


def groups(event: Event, laps: list[Lap]) -> list[tuple[str | None, list[Lap]]]:
    """The panels: one per class (in the event's order, then any other class the laps name)
    when the event has classes, else one with every car."""
    if not event.classes:
        return [(None, laps)]
    by_class: dict[str, list[Lap]] = defaultdict(list)
    for lap in laps:
        by_class[(lap.car_class or "").casefold()].append(lap)
    names = {c.casefold(): c for c in event.classes}
    for lap in laps:
        names.setdefault((lap.car_class or "").casefold(), lap.car_class or "")
    return [(names[key], by_class[key]) for key in names if by_class.get(key)]


def series(laps: list[Lap], kind: str) -> dict[str, list[tuple[int, float]]]:
    """Each car's points, (lap, value): its place among these cars at the end of each lap,
    or how many seconds after the first of them it completed that lap."""
    by_lap: dict[int, list[Lap]] = defaultdict(list)
    for lap in laps:
        by_lap[lap.lap].append(lap)
    points: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for number in by_lap:
        crossed = by_lap[number]
        if kind == "positions":
            # The overall place orders the class: its cars crossed the line in that order.
            crossed.sort(key=lambda x: (x.position is None, x.position or 0, x.elapsed_ms or 0))
            for place, lap in enumerate(crossed, 1):
                points[lap.number].append((number, place))
        else:
            timed = [x for x in crossed if x.elapsed_ms is not None]
            if timed:
                first = min(x.elapsed_ms for x in timed)
                for lap in timed:
                    points[lap.number].append((number, (lap.elapsed_ms - first) / 1000))
    for values in points.values():
        values.sort()
    return dict(points)


def final_order(points: dict[str, list[tuple[int, float]]]) -> list[str]:
    """The cars by where they ended: most laps first, then the smaller value (place or gap)."""
    return sorted(points, key=lambda car: (-points[car][-1][0], points[car][-1][1], car))


def race_chart(lang: Lang, event: Event, session: Session, laps: list[Lap], periods: list[Incident],
               kind: str = "positions") -> bytes:
    """The chart as PNG bytes: `kind` "positions" (place by lap, the leader on top) or "gaps"
    (seconds behind the leader by lap), one panel per class, neutralisations shaded."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    # Telegram takes no picture whose sides add up past 10,000 px: the first classes only.
    panels = groups(event, laps)[:MAX_PANELS]
    last_lap = max((lap.lap for lap in laps), default=1)
    spans = shaded_periods(periods, last_lap)
    height = CHROME_PX + PANEL_PX * max(len(panels), 1)
    figure = Figure(figsize=(WIDTH_PX / DPI, height / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    title = lang.t("chart.title", event=f"{event.name} {event.date.year}", session=lang.t(f"session.{session.kind}"),
                   kind=lang.t(f"chart.{kind}"))
    figure.suptitle(title, fontsize=16, fontweight="bold")
    axes = figure.subplots(max(len(panels), 1), 1, squeeze=False)[:, 0]
    classed = panels[0][0] is not None if panels else False
    for ax, (name, cars_laps) in zip(axes, panels or [(None, [])]):
        _panel(lang, ax, name, series(cars_laps, kind), kind, spans, last_lap, classed, MaxNLocator)
    axes[-1].set_xlabel(lang.t("chart.lap"), fontsize=12)
    kinds = list(dict.fromkeys(span.kind for span in spans))
    if kinds:
        handles = [Patch(facecolor=SHADES[k], alpha=SHADE_ALPHA + 0.2, label=lang.t(f"chart.{k}")) for k in kinds]
        # Below the lap axis: above, it would collide with the title.
        figure.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False, fontsize=11)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def _panel(lang: Lang, ax, name: str | None, points: dict, kind: str, spans: list[Span], last_lap: int,
           classed: bool, locator) -> None:
    """One class's panel: the bands first, then a line per car, the leaders named at the right."""
    for span in spans:
        ax.axvspan(span.start, span.end, facecolor=SHADES[span.kind], alpha=SHADE_ALPHA, linewidth=0, zorder=0)
    order = final_order(points)
    ends = []
    for rank, car in enumerate(order):
        xs, ys = zip(*points[car])
        # The leaders in ten distinct colours, thick and on top, named at their line's end:
        # they are what a reader looks for. The rest of the field is a thin grey backdrop.
        leading = rank < LABELLED
        colour = PALETTE[rank] if leading else "#b8b8b8"
        ax.plot(xs, ys, color=colour, linewidth=1.9 if leading else 0.9, alpha=1.0 if leading else 0.8,
                zorder=3 + (len(order) - rank) if leading else 2)
        if leading:
            ends.append((f"#{car}", xs[-1], ys[-1], colour))
    # Room after the last lap for the names (constrained layout does not count annotations).
    ax.set_xlim(0, last_lap * 1.05 + 1)
    ax.set_xticks([x for x in ax.get_xticks() if 0 <= x <= last_lap])
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if name:
        ax.set_title(name, loc="left", fontsize=13, fontweight="bold")
    if kind == "positions":
        ax.set_ylim(max(len(order), 1) + 0.5, 0.5)  # inverted: the leader on top
        if len(order) <= 30:
            ax.set_yticks(range(1, len(order) + 1))
        else:
            ax.yaxis.set_major_locator(locator(integer=True, nbins=15))
        ax.set_ylabel(lang.t("chart.class_position" if classed else "chart.position"), fontsize=11)
    else:
        limit = _gap_scale(points)
        ax.set_ylim(limit, -limit * 0.02)  # inverted too: the leader on top, the gap growing down
        off = sum(1 for car in order if points[car][-1][1] > limit)
        if off:
            ax.text(0.99, 0.02, lang.t("chart.off_scale", count=off), transform=ax.transAxes, ha="right",
                    va="bottom", fontsize=9, color="#555555", zorder=50,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 2})
        ax.set_ylabel(lang.t("chart.class_seconds" if classed else "chart.seconds"), fontsize=11)
    _name_lines(ax, ends, last_lap)


def _name_lines(ax, ends: list[tuple[str, int, float, str]], last_lap: int) -> None:
    """Each named car's number after its line's end, moved apart where lines end close
    together (two cars a second apart would print one number over the other)."""
    y0, y1 = ax.get_ylim()
    step = 0.04  # of the panel's height: about a line of 9-point text
    placed = []
    for label, x, y, colour in sorted(ends, key=lambda end: -(end[2] - y0) / (y1 - y0)):
        where = min(max((y - y0) / (y1 - y0), 0.0), 1.0)
        if placed and where > placed[-1] - step:
            where = placed[-1] - step
        placed.append(where)
    # One column just after this panel's own last lap (a class may end laps before the race).
    column = max((x for _, x, _, _ in ends), default=last_lap) + last_lap * 0.006
    if placed and placed[-1] < 0:  # pushed off the bottom: move the stack up
        placed = [where - placed[-1] for where in placed]
    for (label, x, y, colour), where in zip(sorted(ends, key=lambda end: -(end[2] - y0) / (y1 - y0)), placed):
        ax.annotate(label, (x, min(max(y, min(y0, y1)), max(y0, y1))), xytext=(column, where),
                    textcoords=("data", "axes fraction"), va="center", fontsize=9, color=colour, fontweight="bold",
                    annotation_clip=False)


def _gap_scale(points: dict) -> float:
    """How far down the gap axis goes: past the cars still in the fight, not to the one
    that spent an hour in the garage (its line runs off the scale, said so on the chart)."""
    finals = sorted(values[-1][1] for values in points.values() if values)
    if not finals:
        return 1.0
    # The field's last quarter may be laps down; three quarters of it set the scale.
    reach = finals[max(int(len(finals) * 0.75) - 1, 0)]
    return max(reach * 1.3, 10.0)
