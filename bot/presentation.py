"""How facts are shown, shared by the commands' answers and the posts: a classification as
a table, an incident as a sentence, a quote's role, in the reader's language."""
from __future__ import annotations

from bot.domain import NEUTRALISATIONS, OVERALL, Incident, Result
from bot.i18n import Lang, pick
from bot.messages import Column, Table

ROLES = ("winner", "class_winner", "pole")


def caption(lang: Lang, classification: str) -> str:
    """`Overall` or `Class B`, in the reader's language."""
    return lang.t("overall") if classification == OVERALL else lang.t("class", name=classification)


def results_table(lang: Lang, classification: str, rows: list[Result], spoiler: bool = False) -> Table:
    """A classification as a table, leaving out columns the source never filled."""
    columns: list[tuple[Column, callable]] = [(Column(lang.t("col.pos"), "right"), lambda r: str(r.position or "–"))]
    optional = [
        (Column(lang.t("col.no"), "right"), lambda r: r.number or ""),
        (Column(lang.t("col.driver")), lambda r: r.driver),
        (Column(lang.t("col.class")), lambda r: (r.car_class or "") if classification == OVERALL else ""),
        (Column(lang.t("col.team")), lambda r: r.team or ""),
        (Column(lang.t("col.laps"), "right"), lambda r: "" if r.laps is None else str(r.laps)),
        (Column(lang.t("col.time"), "right"),
         lambda r: lang.lap(r.total_time_ms) if r.position == 1 and r.total_time_ms
         else (lang.gap(r.gap) or lang.lap(r.total_time_ms))),
        (Column(lang.t("col.best"), "right"), lambda r: lang.lap(r.best_lap_ms)),
        (Column(lang.t("col.status")), lambda r: lang.t(f"result.{r.status}")),
    ]
    columns += [(col, get) for col, get in optional if any(get(r) for r in rows)]
    return Table(caption=caption(lang, classification), columns=tuple(col for col, _ in columns),
                 rows=tuple(tuple(get(r) for _, get in columns) for r in rows), spoiler=spoiler)


def laps(lang: Lang, i: Incident) -> str:
    """`laps 1–4`, `from lap 1` or `lap 1`."""
    if i.start_lap is None:
        return ""
    if i.end_lap is not None and i.end_lap != i.start_lap:
        return lang.t("incident.laps", start=i.start_lap, end=i.end_lap)
    if i.kind in NEUTRALISATIONS and i.end_lap is None:
        return lang.t("incident.from_lap", start=i.start_lap)
    return lang.t("incident.lap", start=i.start_lap)


def describe(lang: Lang, i: Incident) -> str:
    """One incident as a sentence: what, when, where, why, who, and any note."""
    parts = [lang.t(f"incident.{i.kind}")]
    when = laps(lang, i)
    if when:
        parts.append(when)
    place = pick(i.location, lang.code)
    if place:
        parts.append(lang.at(place))
    head = " ".join(parts)
    extra = []
    cause = pick(i.cause, lang.code)
    if cause:
        extra.append(lang.t("incident.cause", cause=cause))
    if i.drivers:
        extra.append(lang.t("incident.involving", drivers=", ".join(i.drivers)))
    line = head + (f" ({'; '.join(extra)})" if extra else "")
    note = pick(i.note, lang.code)
    return f"{line}. {note}" if note else f"{line}."


def role(lang: Lang, name: str | None) -> str | None:
    """A quote's speaker's role, translated when it is one Pitboard knows."""
    return lang.t(f"role.{name}") if name in ROLES else name
