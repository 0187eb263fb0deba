"""`/chart`: a race drawn lap by lap (positions or gaps), from the laps a lap analysis gave."""
from __future__ import annotations

from dataclasses import dataclass

from bot.commands.common import drawn, event_data, event_footer, find_event
from bot.commands.incidents import incident_data
from bot.commands.registry import Context
from bot.domain import NEUTRALISATIONS, Event, Incident, Lap, Session
from bot.messages import Image, Message, Text

CHART_KINDS = ("positions", "gaps")
KIND_ALIASES = {"position": "positions", "places": "positions", "gap": "gaps", "ecarts": "gaps", "écarts": "gaps"}


@dataclass(frozen=True)
class ChartFacts:
    """What a chart is drawn from: the event, the session whose laps are kept, its laps and
    its neutralisations."""

    event: Event
    session: Session | None
    laps: tuple[Lap, ...]
    periods: tuple[Incident, ...]


def chart_facts(ctx: Context, event_query: str) -> ChartFacts:
    """The event `event_query` names and the session to draw: the last race with laps, else
    the last session of any kind with laps (no session when none has any)."""
    ev = find_event(ctx, event_query)
    sessions = ctx.queries.sessions(ev.id)
    # A race first: it is what a chart is for; a practice's laps only when no race has any.
    for session in sorted(reversed(sessions), key=lambda s: s.kind != "race"):
        laps = ctx.queries.laps(session.id)
        if laps:
            periods = tuple(i for i in ctx.queries.incidents(session.id) if i.kind in NEUTRALISATIONS)
            return ChartFacts(ev, session, tuple(laps), periods)
    return ChartFacts(ev, None, (), ())


def chart_png(ctx: Context, event_query: str, kind: str = "positions") -> tuple[bytes, str]:
    """The chart of an event as PNG bytes and the sentence that says what it shows (alt
    text); empty bytes and the reason when no lap data is kept for it."""
    facts = chart_facts(ctx, event_query)
    if facts.session is None:
        return b"", ctx.lang.t("chart.none", event=f"{facts.event.name} {facts.event.date.year}")
    return _draw(ctx, facts, kind)


def _draw(ctx: Context, facts: ChartFacts, kind: str) -> tuple[bytes, str]:
    from bot.pictures.chart import race_chart  # matplotlib: only a chart pays its import

    png = race_chart(ctx.lang, facts.event, facts.session, list(facts.laps), list(facts.periods), kind)
    return png, _summary(ctx, facts, kind)


def _summary(ctx: Context, facts: ChartFacts, kind: str) -> str:
    lang = ctx.lang
    cars = len({lap.number for lap in facts.laps})
    laps = max(lap.lap for lap in facts.laps)
    drawn = sum(1 for p in facts.periods if p.start_lap is not None)
    what = lang.t(f"chart.{kind}")
    return lang.t("chart.summary", kind=what[0].upper() + what[1:], cars=cars, laps=laps, count=drawn)


def chart(ctx: Context, event: str, kind: str | None = None):
    """Draw a race lap by lap: each car's position (positions, the default) or its gap in
    seconds to the leader (gaps), per class, with safety cars, full-course yellows and red
    flags shaded. Needs the race's lap analysis (Al Kamel timing). Example: /chart imola gaps"""
    lang = ctx.lang
    kind = kind or "positions"
    facts = chart_facts(ctx, event)
    ev = facts.event
    title_event = f"{ev.name} {ev.date.year}"
    data = {"event": event_data(ev), "kind": kind, "session": None, "cars": 0, "laps": 0, "periods": []}
    if facts.session is None:
        return Message(title=lang.t("chart.title", event=title_event, session=lang.t("session.race"),
                                    kind=lang.t(f"chart.{kind}")),
                       blocks=(Text(lang.t("chart.none", event=title_event)),), lang=lang.code, data=data)
    return _answer(ctx, facts, kind, data, title_event)


async def _answer(ctx: Context, facts: ChartFacts, kind: str, data: dict, title_event: str) -> Message:
    """The chart drawn in a thread (a second of CPU the event loop must not spend), with
    what it shows."""
    lang, ev = ctx.lang, facts.event
    png, alt = await drawn(ctx, _draw, ctx, facts, kind)
    session = facts.session
    data.update(session={"id": session.id, "kind": session.kind, "status": session.status},
                cars=len({lap.number for lap in facts.laps}), laps=max(lap.lap for lap in facts.laps),
                classes=list(dict.fromkeys(lap.car_class for lap in facts.laps if lap.car_class)),
                periods=[incident_data(lang, session.kind, p) for p in facts.periods])
    return Message(
        title=lang.t("chart.title", event=title_event, session=lang.t(f"session.{session.kind}"),
                     kind=lang.t(f"chart.{kind}")),
        blocks=(Text(alt),),
        footer=event_footer(ctx, ev),
        lang=lang.code,
        data=data,
        image=Image(png, alt, name=f"chart-{ev.id}-{kind}.png"),
    )
