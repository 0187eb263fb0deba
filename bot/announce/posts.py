"""Update → Message for one channel: its language, time zone, spoiler mode and role.

Posts are rendered when they are sent, from the update's latest payload, so a delivery
that waited (spoiler delay, retries) shows the newest facts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.announce.channels import Channel
from bot.commands.incidents import describe
from bot.commands.results import caption, results_table
from bot.domain import Incident, Result
from bot.i18n import Lang
from bot.messages import Message, QuoteBlock, Text
from bot.updates import SPOILER_KINDS


@dataclass(frozen=True)
class Post:
    """An update as the dispatcher reads it back from the outbox."""

    id: int
    kind: str
    payload: dict
    revision: int


def _result(row: dict) -> Result:
    return Result(**{**row, "drivers": tuple(row["drivers"])})


def _incident(row: dict) -> Incident:
    data = dict(row)
    data["drivers"] = tuple(row["drivers"])
    for key in ("start_time", "end_time"):
        data[key] = datetime.fromisoformat(row[key]) if row[key] else None
    return Incident(**data)


def render_post(post: Post, channel: Channel, corrected: bool = False) -> Message:
    """The message a channel gets for this update."""
    lang = Lang(channel.lang, channel.timezone)
    p = post.payload
    event = f"{p['event']} {p['year']}"
    spoiler = channel.spoiler_mode and post.kind in SPOILER_KINDS
    blocks: list = []
    times: list[tuple[str, float]] = []
    if post.kind == "pole":
        pole = _result(p["grid"][0])
        title = lang.t("post.pole", driver=pole.driver) if not spoiler else lang.t("pole.title", event=event)
        time_text = lang.lap(pole.best_lap_ms)
        line = lang.t("pole.text", driver=pole.driver, time=time_text) if time_text else lang.t("pole.text_notime", driver=pole.driver)
        blocks.append(Text(f"{event}: {line}", spoiler=spoiler))
        if len(p["grid"]) > 1:
            blocks.append(results_table(lang, "", [_result(r) for r in p["grid"]]))
    elif post.kind in ("safety_car", "safety_car_in", "vsc", "red_flag"):
        incident = _incident(p["incident"])
        ending = p["phase"] == "end"
        kind_name = lang.t(f"incident.{incident.kind}")
        if post.kind == "safety_car":
            title = lang.t("post.safety_car", event=event)
        elif post.kind == "safety_car_in":
            title = lang.t("post.safety_car_in", event=event)
        elif post.kind == "vsc":
            title = lang.t("post.vsc_end" if ending else "post.vsc", kind=kind_name, event=event)
        else:
            title = lang.t("post.red_flag_end" if ending else "post.red_flag", event=event)
        if ending and post.kind == "safety_car_in":
            blocks.append(Text(lang.t("post.safety_car_in_text")))
        if not ending:  # the crash behind it was told when the period began
            blocks += [Text(describe(lang, _incident(c))) for c in p["crashes"]]
        blocks.append(Text(describe(lang, incident)))
    elif post.kind == "finish":
        tables = p["classifications"]
        winner = next((r for r in tables[0]["rows"] if r["position"] == 1), tables[0]["rows"][0])
        title = lang.t("post.finish", winner=" / ".join(winner["drivers"]), event=event) if not spoiler else \
            lang.t("results.title", event=event, session=lang.t(f"session.{p['session']}"))
        for c in tables:
            table = results_table(lang, c["classification"], [_result(r) for r in c["rows"]])
            blocks.append(type(table)(caption(lang, c["classification"]), table.columns, table.rows, spoiler=spoiler))
        blocks.append(Text(lang.t(f"post.finish_status_{p['status']}")))
    elif post.kind == "quote":
        title = lang.t("post.quote", speaker=p["speaker"], event=event)
        role = lang.t(f"role.{p['role']}") if p["role"] in ("winner", "class_winner", "pole") else p["role"]
        blocks.append(QuoteBlock(p["text"], p["speaker"], role))
    elif post.kind == "reminder":
        session = lang.t(f"session.{p['session']}")
        title = lang.t("post.reminder", session=session, event=event)
        start = datetime.fromisoformat(p["start"])
        moment = lang.moment(start, p["timezone"])
        times.append((moment, start.timestamp()))
        blocks.append(Text(lang.t("post.reminder_text", session=session, time=moment)))
    elif post.kind == "digest":
        title = lang.t("post.digest", event=event)
        if p["posts"]:
            # Each post of the day by its own title, as this channel saw it (language,
            # spoiler mode), so the digest never says more than the posts did.
            titles = [render_post(Post(0, c["kind"], c["payload"], 1), channel).title for c in p["posts"]]
            blocks.append(Text(lang.t("post.digest_posted") + "\n" + "\n".join(f"• {t}" for t in titles)))
        if p["next"]:
            lines = []
            for s in p["next"]:
                start = datetime.fromisoformat(s["start"])
                moment = lang.moment(start, p["timezone"])
                times.append((moment, start.timestamp()))
                lines.append(f"• {lang.t('session.' + s['session'])} — {moment}")
            blocks.append(Text(lang.t("post.digest_next") + "\n" + "\n".join(lines)))
    else:
        raise ValueError(f"no post for updates of kind {post.kind!r}")
    if corrected:
        title = f"{lang.t('post.corrected')}: {title}"
    if spoiler:
        blocks.insert(0, Text(lang.t("post.spoiler_note")))
    return Message(title=title, blocks=tuple(blocks), lang=lang.code, mention=channel.mention_role,
                   corrected=corrected, times=tuple(times), data={"update": post.id, "kind": post.kind, "revision": post.revision})
