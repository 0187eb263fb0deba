"""The summary at the head of a race weekend's thread or topic: its sessions and their
times, the pole, the flag now, the leader or the winner, edited as the weekend goes on."""
from __future__ import annotations

from bot.domain import NEUTRALISATIONS, OVERALL
from bot.i18n import Lang
from bot.messages import Fields, Link, Links, Message, Text
from bot.store.queries import Queries


def weekend_summary(queries: Queries, event_id: str, lang: Lang, spoiler: bool = False,
                    posts=()) -> Message | None:
    """The weekend as it stands, in `lang` (times in its zone, else the event's); None when
    the event is unknown. Session times are marked for platforms that show them in each
    reader's own time (Discord). With `spoiler` (a channel hiding results), no pole, leader
    or winner: the summary says no more than the channel's posts do. `posts` (title, link)
    are the weekend's posts, listed as links to them."""
    event = queries.event(event_id)
    if event is None:
        return None
    title = lang.t("summary.title", event=f"{event.name} {event.date.year}")
    items, times = [], []
    pole = leader = flag = None
    for session in queries.sessions(event.id):
        if session.start is not None:
            when = lang.moment(session.start, event.timezone)
            times.append((when, session.start.timestamp()))
        else:
            when = lang.day(session.day) if session.day else lang.t("summary.tbc")
        items.append((lang.t(f"session.{session.kind}"), f"{when} · {lang.t(f'summary.status_{session.status}')}"))
        first = next((r for r in queries.results(session.id, OVERALL) if r.position == 1), None) \
            if session.status in ("live", "finished", "final") else None
        if session.kind == "qualifying" and first is not None:
            pole = first.driver
        if session.kind == "race" and first is not None:
            leader = lang.t("summary.winner" if session.status in ("finished", "final") else "summary.leader",
                            driver=first.driver)
        if session.status == "live":
            running = [i for i in queries.incidents(session.id) if i.kind in NEUTRALISATIONS and not i.is_over]
            flag = lang.t(f"incident.{running[-1].kind}") if running else lang.t("summary.green")
    if spoiler:
        pole = leader = None
    if pole:
        items.append((lang.t("summary.pole"), pole))
    if flag:
        items.append((lang.t("summary.flag"), flag))
    blocks = [Fields(tuple(items))]
    if leader:
        blocks.append(Text(leader))
    if posts:
        blocks.append(Text(lang.t("summary.posts")))
        blocks.append(Links(tuple(Link(title, url) for title, url in posts)))
    return Message(title=title, blocks=tuple(blocks), lang=lang.code, times=tuple(times),
                   data={"event": event.id, "summary": True})


def heading(queries: Queries, scope: str, lang: Lang, spoiler: bool = False, posts=()) -> Message | None:
    """What opens (and heads) a place: a weekend's summary ("event:ID") or a series' heading
    ("series:ID")."""
    kind, _, ident = scope.partition(":")
    if kind == "event":
        return weekend_summary(queries, ident, lang, spoiler, posts)
    return series_heading(queries, ident, lang)


def series_heading(queries: Queries, series_id: str, lang: Lang) -> Message | None:
    """What opens a series' topic or thread: its name and what comes there."""
    series = queries.series(series_id)
    name = series.name if series is not None else series_id
    return Message(title=name, blocks=(Text(lang.t("summary.series", series=name)),), lang=lang.code,
                   data={"series": series_id, "summary": True})
