"""Update → Message for one channel: its language, time zone, spoiler mode and role.

Posts are rendered when they are sent, from the update's latest payload, so a delivery
that waited (spoiler delay, retries) shows the newest facts. Each kind of update has its
own small renderer; `render_post` adds what every post shares (correction, spoiler note,
the channel's role).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.channel import Channel
from bot.domain import LIVE, PRIORITY, SPOILER_KINDS, incident_from_dict, result_from_dict
from bot.i18n import Lang
from bot.messages import Message, QuoteBlock, Text
from bot.presentation import describe, results_table, role
from bot.store.outbox import Post


@dataclass
class Draft:
    """A post being written: what the renderers of each kind fill in."""

    lang: Lang
    channel: Channel
    payload: dict
    event: str  # "Name Year"
    spoiler: bool  # this channel hides results, and this post gives one away
    title: str = ""
    blocks: list = field(default_factory=list)
    times: list[tuple[str, float]] = field(default_factory=list)

    def moment(self, iso: str) -> str:
        """A moment written out in the reader's zone, marked for platforms that localise it."""
        start = datetime.fromisoformat(iso)
        shown = self.lang.moment(start, self.payload["timezone"])
        self.times.append((shown, start.timestamp()))
        return shown


def _pole(d: Draft, kind: str) -> None:
    lang, grid = d.lang, d.payload["grid"]
    pole = result_from_dict(grid[0])
    d.title = lang.t("post.pole", driver=pole.driver) if not d.spoiler else lang.t("pole.title", event=d.event)
    time_text = lang.lap(pole.best_lap_ms)
    line = lang.t("pole.text", driver=pole.driver, time=time_text) if time_text else \
        lang.t("pole.text_notime", driver=pole.driver)
    d.blocks.append(Text(f"{d.event}: {line}", spoiler=d.spoiler))
    if len(grid) > 1:  # the grid gives the pole away too: hidden like the line above it
        d.blocks.append(results_table(lang, "", [result_from_dict(r) for r in grid], spoiler=d.spoiler))


_PERIOD_TITLES = {("safety_car", "start"): "post.safety_car", ("safety_car_in", "end"): "post.safety_car_in",
                  ("vsc", "start"): "post.vsc", ("vsc", "end"): "post.vsc_end",
                  ("red_flag", "start"): "post.red_flag", ("red_flag", "end"): "post.red_flag_end"}


def _period(d: Draft, kind: str) -> None:
    lang, p = d.lang, d.payload
    incident = incident_from_dict(p["incident"])
    ending = p["phase"] == "end"
    d.title = lang.t(_PERIOD_TITLES[(kind, p["phase"])], event=d.event, kind=lang.t(f"incident.{incident.kind}"))
    if ending and kind == "safety_car_in":
        d.blocks.append(Text(lang.t("post.safety_car_in_text")))
    if not ending:  # the crash behind it was told when the period began
        d.blocks += [Text(describe(lang, incident_from_dict(c))) for c in p["crashes"]]
    d.blocks.append(Text(describe(lang, incident)))


def _finish(d: Draft, kind: str) -> None:
    lang, p = d.lang, d.payload
    tables = p["classifications"]
    winner = next((r for r in tables[0]["rows"] if r["position"] == 1), tables[0]["rows"][0])
    crew = len(winner["drivers"]) > 1  # "A / B win", not "A / B wins"
    d.title = lang.t("post.finish_crew" if crew else "post.finish", winner=" / ".join(winner["drivers"]),
                     event=d.event) if not d.spoiler else \
        lang.t("results.title", event=d.event, session=lang.t(f"session.{p['session']}"))
    for c in tables:
        d.blocks.append(results_table(lang, c["classification"], [result_from_dict(r) for r in c["rows"]],
                                      spoiler=d.spoiler))
    d.blocks.append(Text(lang.t(f"post.finish_status_{p['status']}")))


def _quote(d: Draft, kind: str) -> None:
    p = d.payload
    d.title = d.lang.t("post.quote", speaker=p["speaker"], event=d.event)
    d.blocks.append(QuoteBlock(p["text"], p["speaker"], role(d.lang, p["role"])))


def _hourly(d: Draft, kind: str) -> None:
    """An endurance race's leaders after hour N: overall, then each class."""
    lang, p = d.lang, d.payload
    d.title = lang.t("post.hourly", hours=p["hour"], event=d.event)
    lines = []
    for row in p["leaders"]:
        leader = result_from_dict(row)
        label = leader.classification or lang.t("overall")
        lines.append(lang.t("post.hourly_line", classification=label, driver=leader.driver,
                            number=leader.number or "?", laps=leader.laps if leader.laps is not None else "?"))
    d.blocks.append(Text("\n".join(lines)))


def _test(d: Draft, kind: str) -> None:
    """An admin's `/test`: says what it is, then shows a safety-car post as this channel
    would get one (its language, its role)."""
    lang = d.lang
    d.title = lang.t("post.test", event=d.event)
    d.blocks.append(Text(lang.t("post.test_text")))
    d.blocks.append(Text(lang.t("post.safety_car", event=d.event) + "\n" +
                         describe(lang, incident_from_dict(d.payload["incident"]))))


def _reminder(d: Draft, kind: str) -> None:
    lang, p = d.lang, d.payload
    session = lang.t(f"session.{p['session']}")
    d.title = lang.t("post.reminder", session=session, event=d.event)
    d.blocks.append(Text(lang.t("post.reminder_text", session=session, time=d.moment(p["start"]))))


def _schedule(d: Draft, kind: str) -> None:
    """A session moved (both times, in this channel's zone) or cancelled."""
    lang, p = d.lang, d.payload
    session = lang.t(f"session.{p['session']}")
    if p["change"] == "cancelled":
        d.title = lang.t("post.cancelled", session=session, event=d.event)
        d.blocks.append(Text(lang.t("post.cancelled_text", session=session, old=d.moment(p["old"])) if p["old"]
                             else lang.t("post.cancelled_text_notime", session=session)))
        return
    if p["change"] == "reinstated":
        d.title = lang.t("post.reinstated", session=session, event=d.event)
        d.blocks.append(Text(lang.t("post.reinstated_text", session=session, new=d.moment(p["new"]))))
        return
    d.title = lang.t("post.moved", session=session, event=d.event)
    d.blocks.append(Text(lang.t("post.moved_text", session=session, new=d.moment(p["new"]), old=d.moment(p["old"]))))


def _weekend(d: Draft, kind: str) -> None:
    """A race weekend's thread opening (the dispatcher sends the summary instead; this
    stands in wherever a post of every kind is shown)."""
    d.title = d.lang.t("summary.title", event=d.event)


def _digest(d: Draft, kind: str) -> None:
    lang, p = d.lang, d.payload
    d.title = lang.t("post.digest", event=d.event)
    if p["posts"]:
        # Each post of the day by its own title, as this channel saw it (language, spoiler
        # mode), so the digest never says more than the posts did.
        titles = [render_post(Post(0, c["kind"], c["payload"], 1), d.channel).title for c in p["posts"]]
        d.blocks.append(Text(lang.t("post.digest_posted") + "\n" + "\n".join(f"• {t}" for t in titles)))
    if p["next"]:
        lines = [f"• {lang.t('session.' + s['session'])} — {d.moment(s['start'])}" for s in p["next"]]
        d.blocks.append(Text(lang.t("post.digest_next") + "\n" + "\n".join(lines)))


RENDERERS: dict[str, Callable[[Draft, str], None]] = {
    "pole": _pole, "safety_car": _period, "safety_car_in": _period, "vsc": _period, "red_flag": _period,
    "finish": _finish, "quote": _quote, "reminder": _reminder, "digest": _digest, "test": _test,
    "hourly": _hourly, "schedule": _schedule, "weekend": _weekend,
}


def render_post(post: Post, channel: Channel, corrected: bool = False) -> Message:
    """The message a channel gets for this update."""
    renderer = RENDERERS.get(post.kind)
    if renderer is None:
        raise ValueError(f"no post for updates of kind {post.kind!r}")
    p = post.payload
    draft = Draft(Lang(channel.lang, channel.timezone), channel, p, f"{p['event']} {p['year']}",
                  channel.spoiler_mode and post.kind in SPOILER_KINDS)
    renderer(draft, post.kind)
    title = f"{draft.lang.t('post.corrected')}: {draft.title}" if corrected else draft.title
    if draft.spoiler:
        draft.blocks.insert(0, Text(draft.lang.t("post.spoiler_note")))
    return Message(title=title, blocks=tuple(draft.blocks), lang=draft.lang.code, mention=channel.mention_role,
                   corrected=corrected, times=tuple(draft.times), live=PRIORITY.get(post.kind) == LIVE,
                   data={"update": post.id, "kind": post.kind, "revision": post.revision})
