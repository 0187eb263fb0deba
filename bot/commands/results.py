"""`/results` and `/pole`: classifications and pole position."""
from __future__ import annotations

import logging
from dataclasses import replace

from bot.commands.common import drawn, event_data, event_footer, find_event, find_session, same_name
from bot.commands.registry import Context, UserError
from bot.domain import OVERALL, Result
from bot.i18n import Lang
from bot.messages import Button, Fields, Message, Text
from bot.presentation import results_table

log = logging.getLogger(__name__)


def results(ctx: Context, event: str, session: str | None = None, car_class: str | None = None,
            image: str | None = None):
    """Show an event's classification: overall and each class, for the race unless you
    name another session; image:true answers with a picture of it too (a result card).
    Example: /results lemans, /results lemans qualifying, /results lemans race class:B"""
    lang = ctx.lang
    ev = find_event(ctx, event)
    sess = find_session(ctx, ev, session)
    session_name = lang.t(f"session.{sess.kind}")
    available = ctx.queries.classifications(sess.id)
    if not available:
        # Nothing yet is an answer (exit 0, an empty list in JSON), as "no quotes" is: not a mistake.
        title = lang.t("results.title", event=f"{ev.name} {ev.date.year}", session=session_name)
        return Message(title=title, blocks=(Text(lang.t("err.no_results", event=ev.name, session=session_name)),),
                       footer=event_footer(ctx, ev), lang=lang.code,
                       data={"event": event_data(ev), "session": sess.kind, "results": []})
    wanted = available
    if car_class:
        match = [c for c in available if same_name(c or "overall", car_class) or (c == OVERALL and same_name(car_class, lang.t("overall")))]
        if not match:
            names = ", ".join(c or lang.t("overall") for c in available)
            # "sprint" in `/results lemans sprint` was meant as a session: say it is neither.
            sessions = ", ".join(lang.t(f"session.{s.kind}") for s in ctx.queries.sessions(ev.id))
            raise UserError(lang.t("err.no_class", event=ev.name, session=session_name, name=car_class,
                                   classes=names, sessions=sessions))
        wanted = match

    tables, rows_data, partial, differs, card_rows = [], [], False, [], []
    for classification in wanted:
        rows = ctx.queries.results(sess.id, classification)
        card_rows += rows
        tables.append(results_table(lang, classification, rows))
        for source, places in ctx.queries.differing_sources(sess.id, classification):
            shown = ", ".join(lang.t("results.place", position=p, driver=d) for p, d in places)
            differs.append(lang.t("results.differs", source=source, places=shown))
        partial |= _is_partial(rows, ev.starters if classification == OVERALL else None)
        rows_data += [result_data(r) for r in rows]
    footer = event_footer(ctx, ev)
    if sess.status == "finished":
        footer = f"{footer}\n{lang.t('post.finish_status_finished')}"
    if partial:
        footer = f"{footer}\n{lang.t('results.partial')}"
    for line in dict.fromkeys(differs):  # nothing silently overwritten: say who says otherwise
        footer = f"{footer}\n{line}"
    with_results = list(dict.fromkeys(s.kind for s in ctx.queries.sessions(ev.id) if ctx.queries.classifications(s.id)))
    chosen = wanted[0] if car_class else None
    answer = Message(
        title=lang.t("results.title", event=f"{ev.name} {ev.date.year}", session=session_name),
        blocks=tuple(tables),
        footer=footer,
        lang=lang.code,
        buttons=_navigation(lang, ev.id, sess.kind, with_results, available, chosen),
        data={
            "event": event_data(ev),
            "session": {"id": sess.id, "kind": sess.kind, "status": sess.status},
            "results": rows_data,
            # What a platform needs to offer "other session / other class" buttons.
            "navigation": {
                "event_id": ev.id,
                "session": sess.kind,
                "sessions": with_results,
                "classes": available,
                "class": chosen,
            },
        },
    )
    if image != "true":
        return answer
    status = "final" if sess.status == "final" else "provisional"
    return _with_card(ctx, answer, ev, sess, card_rows, status)


async def _with_card(ctx: Context, answer: Message, event, session, rows: list[Result], status: str) -> Message:
    """The answer with its card, drawn in a thread: a big field takes a tenth of a second
    or more, which the event loop (every other chat's answers) must not wait for."""
    lang = ctx.lang
    from bot.messages import Image
    from bot.pictures.card import CardMarks, card_alt_text, result_card  # Pillow: loaded only to draw

    pole = next((r.driver for r in rows if r.position == 1), None) if session.kind == "qualifying" else None
    try:
        png = await drawn(ctx, result_card, lang, event, session, rows, status, CardMarks(pole=pole))
    except UserError:
        raise  # too many pictures being drawn: said in one sentence
    except Exception as err:  # noqa: BLE001 - the classification is the answer; the card a bonus
        log.warning("the card of %s %s could not be drawn: %s", event.id, session.kind, err)
        return answer
    alt = card_alt_text(lang, event, session, rows, status)
    return replace(answer, image=Image(png, alt, name=f"{event.id}-{session.kind}.png"))


def _navigation(lang: Lang, event_id: str, session: str, sessions: list[str], classes: list[str],
                chosen: str | None) -> tuple[tuple[Button, ...], ...]:
    """Buttons to show another session, or one class, of the same event."""

    def button(label: str, kind: str, car_class: str | None, selected: bool) -> Button:
        """A button showing this session (and class) of the event."""
        line = f"/results {event_id} session:{kind}" + ("" if car_class is None else f" class:{car_class or 'overall'}")
        return Button(("• " if selected else "") + label, line, selected)

    rows = []
    # The same classification as a picture (platforms with buttons: Telegram, Discord).
    rows.append((Button(lang.t("results.card_button"), f"/results {event_id} session:{session}"
                        + ("" if chosen is None else f" class:{chosen or 'overall'}") + " image:true"),))
    if len(sessions) > 1:
        rows.append(tuple(button(lang.t(f"session.{s}"), s, None, s == session) for s in sessions))
    if len(classes) > 1:
        row = [button(lang.t("all_classes"), session, None, chosen is None)]
        row += [button(lang.t("class", name=c) if c else lang.t("overall"), session, c, c == chosen) for c in classes]
        rows.append(tuple(row))
    return tuple(rows)


def _is_partial(rows: list[Result], starters: int | None) -> bool:
    positions = [r.position for r in rows if r.position]
    gaps = positions and sorted(positions) != list(range(1, len(positions) + 1))
    return bool(gaps or (starters and len(rows) < starters))


def result_data(r: Result) -> dict:
    """One result as JSON output shows it."""
    return {
        "position": r.position,
        "driver": r.driver,
        "drivers": list(r.drivers),
        "class": r.car_class,
        "classification": r.classification or "overall",
        "status": r.status,
        "number": r.number,
        "team": r.team,
        "car": r.car,
        "laps": r.laps,
        "total_time_ms": r.total_time_ms,
        "gap": r.gap,
        "best_lap_ms": r.best_lap_ms,
    }


def pole(ctx: Context, event: str) -> Message:
    """Show who took pole position at an event, with the lap time and the other grid
    places the source names. Example: /pole lemans"""
    lang = ctx.lang
    ev = find_event(ctx, event)
    sess = find_session(ctx, ev, None, default=("qualifying",))
    rows = ctx.queries.results(sess.id, OVERALL) if sess.kind == "qualifying" else []
    first = next((r for r in rows if r.position == 1), None)
    if first is None:
        raise UserError(lang.t("err.no_pole", event=ev.name))
    time_text = lang.lap(first.best_lap_ms)
    text = lang.t("pole.text", driver=first.driver, time=time_text) if time_text else lang.t("pole.text_notime", driver=first.driver)
    others = [r for r in rows if r.position and r.position > 1]
    blocks: list = [Text(text)]
    if others:
        blocks.append(Fields(tuple((lang.t("pole.place", position=r.position), _with_time(lang, r)) for r in others)))
    return Message(
        title=lang.t("pole.title", event=f"{ev.name} {ev.date.year}"),
        blocks=tuple(blocks),
        footer=event_footer(ctx, ev),
        lang=lang.code,
        data={
            "event": event_data(ev),
            "driver": first.driver,
            "drivers": list(first.drivers),
            "number": first.number,
            "team": first.team,
            "lap_time_ms": first.best_lap_ms,
            "lap_time": time_text or None,
            "grid": [result_data(r) for r in rows],
        },
    )


def _with_time(lang: Lang, r: Result) -> str:
    return f"{r.driver} ({lang.lap(r.best_lap_ms)})" if r.best_lap_ms else r.driver
