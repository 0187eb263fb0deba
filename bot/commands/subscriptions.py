"""`/subscribe`, `/unsubscribe` and `/settings`: what a channel follows and how it is told.

Channel admins only: the registry refuses others, and each platform decides who is an
admin there (chat administrators, Manage Channels, the local user in the console).
"""
from __future__ import annotations

from bot.channel import SETTING_FIELDS, SettingError, parse_setting, setting_named
from bot.commands.registry import Context, UserError
from bot.domain import UPDATE_KINDS, Incident, UpdateDraft, incident_to_dict
from bot.lookup import normalise
from bot.messages import Fields, Message, RoleMention, Text

ALL = ("all", "everything", "tout")


def _channel(ctx: Context):
    if ctx.channel is None or ctx.channels is None:
        raise UserError(ctx.lang.t("cmd.no_channel"))
    return ctx.channel


def resolve_target(ctx: Context, query: str) -> tuple[str, str, str]:
    """(kind, id, label) of what `query` names: everything, a series, or an event."""
    lang = ctx.lang
    if normalise(query) in ALL:
        return "all", "", lang.t("cmd.all")
    for series in ctx.queries.all_series():
        if normalise(query) in {normalise(series.id), normalise(series.name), normalise(series.short_name or "")}:
            return "series", series.id, lang.t("cmd.series", name=series.name)
    found = ctx.queries.find_event(query)
    if found.event_id is None:
        raise UserError(lang.t("cmd.no_target", query=query))
    event = ctx.queries.event(found.event_id)
    return "event", event.id, lang.t("cmd.event", name=f"{event.name} {event.date.year}")


def _label(ctx: Context, kind: str, target_id: str) -> str:
    lang = ctx.lang
    if kind == "all":
        return lang.t("cmd.all")
    if kind == "series":
        series = ctx.queries.series(target_id)
        return lang.t("cmd.series", name=series.name if series else target_id)
    event = ctx.queries.event(target_id)
    return f"{event.name} {event.date.year}" if event else target_id


def subscribe(ctx: Context, target: str, kinds: str | None = None) -> Message:
    """Make this channel follow a series, an event, or `all`, optionally only some kinds of
    post (pole, safety_car, safety_car_in, vsc, red_flag, finish, quote, reminder, digest, hourly,
    schedule: a session moved or cancelled).
    Example: /subscribe porsche-carrera-cup-france kinds:pole,finish"""
    channel = _channel(ctx)
    lang = ctx.lang
    kind, target_id, label = resolve_target(ctx, target)
    chosen = tuple(dict.fromkeys(k.strip().lower() for k in (kinds or "").replace(" ", ",").split(",") if k.strip()))
    for k in chosen:
        if k not in UPDATE_KINDS:
            raise UserError(lang.t("cmd.bad_kind", kind=k, kinds=", ".join(UPDATE_KINDS)))
    ctx.channels.subscribe(channel.id, kind, target_id, chosen)
    text = lang.t("cmd.subscribed", target=label, kinds=", ".join(chosen) or lang.t("cmd.every_kind"))
    return Message(title=text, lang=lang.code, data={"target_kind": kind, "target_id": target_id, "kinds": list(chosen)})


def unsubscribe(ctx: Context, target: str) -> Message:
    """Stop this channel following a series, an event or `all`. Example: /unsubscribe lemans"""
    channel = _channel(ctx)
    lang = ctx.lang
    kind, target_id, label = resolve_target(ctx, target)
    if not ctx.channels.unsubscribe(channel.id, kind, target_id):
        follows = [_label(ctx, s.target_kind, s.target_id) for s in ctx.channels.subscriptions(channel.id)]
        raise UserError(lang.t("cmd.not_subscribed", target=label, targets=", ".join(follows) or lang.t("cmd.nothing_followed")))
    return Message(title=lang.t("cmd.unsubscribed", target=label), lang=lang.code,
                   data={"target_kind": kind, "target_id": target_id})


def chat_id(ctx: Context) -> Message:
    """Tell this chat's id, as the config file's [[channels]] presets and `--channel` name it
    (a Telegram group's -100… id, a Discord channel's number). Example: /chatid"""
    channel = _channel(ctx)
    preset = f'[[channels]]\nplatform = "{channel.platform}"\naddress = "{channel.address}"'
    return Message(title=ctx.lang.t("cmd.chat_id", platform=channel.platform, address=channel.address),
                   blocks=(Text(preset),), lang=ctx.lang.code,
                   data={"platform": channel.platform, "address": channel.address})


def sample_post(ctx: Context) -> Message:
    """Send a test post to this channel, through the same path as race posts, to check the
    bot may post here and to see how posts look with this channel's settings. Example: /test"""
    channel = _channel(ctx)
    # The sample names a real event (one the store holds), as a real post would.
    event = next(iter(ctx.queries.events(limit=1)), None)
    if ctx.outbox is None or event is None:
        raise UserError(ctx.lang.t("cmd.test_no_event"))
    stamp = ctx.now.timestamp()
    payload = {"event": event.name, "year": event.date.year, "timezone": event.timezone, "session": "race",
               "incident": incident_to_dict(Incident(f"{event.id}/race", 1, "safety_car", start_lap=12))}
    draft = UpdateDraft(f"test:{channel.id}:{stamp:.6f}", "test", event.id, event.series_id, None, payload)
    ctx.outbox.record_for(draft, channel.id, stamp)
    return Message(title=ctx.lang.t("cmd.test_sent"), lang=ctx.lang.code, data={"channel": channel.id})


def settings(ctx: Context, **values) -> Message:
    """Show this channel's settings, or change them: language (en, fr), time zone, spoiler
    delay in minutes, spoiler markup on results (on/off), a role to mention (none to stop),
    session reminders in minutes before the start (0 for none), the daily digest (on/off) and
    an endurance race's class leaders at each hour (on/off) and a picture of the
    classification with finish and pole posts (images on/off), and a thread (Discord) or topic
    (Telegram) for each race weekend or series, with a summary kept up to date at its head
    (threads event/series/off), and whether this Discord server lists the sessions the channel
    follows as scheduled events (server_events on/off; the bot needs Manage Events).
    Example: /settings language:fr spoiler_delay:10"""
    channel = _channel(ctx)
    changes: dict = {}
    for name, raw in values.items():
        setting = setting_named(name)
        try:
            changes[setting.field] = parse_setting(setting, raw)
        except SettingError as err:
            shown = str(raw)[:40] + ("…" if len(str(raw)) > 40 else "")
            raise UserError(ctx.lang.t(f"cmd.{err.problem}", value=shown, param=setting.name,
                                       maximum=setting.maximum)) from None
    if changes.get("mention_role") and channel.platform != "discord":
        # Only Discord has roles to ping; elsewhere the setting would be kept and never used.
        raise UserError(ctx.lang.t("cmd.role_discord_only"))
    if changes.get("server_events") and channel.platform != "discord":
        # Scheduled events are a Discord server's; a Telegram chat has nowhere to list them.
        raise UserError(ctx.lang.t("cmd.server_events_discord_only"))
    if changes.get("threads", "off") != "off" and channel.platform not in ("discord", "telegram"):
        # The terminal has no threads: the setting would be kept and never used.
        raise UserError(ctx.lang.t("cmd.threads_platforms_only"))
    channel = ctx.channels.configure(channel.id, **changes)
    lang = changes.get("lang")
    t = ctx.lang.t if lang is None else type(ctx.lang)(lang).t
    subs = ctx.channels.subscriptions(channel.id)
    follows = ", ".join(_label(ctx, s.target_kind, s.target_id) + (f" ({', '.join(s.kinds)})" if s.kinds else "") for s in subs)
    items = [
        (t("set.lang"), channel.lang),
        (t("set.timezone"), channel.timezone or t("set.event_zone")),
        (t("set.spoiler_delay"), str(channel.spoiler_delay_min)),
        (t("set.spoiler"), t("set.on") if channel.spoiler_mode else t("set.off")),
        (t("set.role"), RoleMention(channel.mention_role) if channel.mention_role else t("set.none")),
        (t("set.reminders"), str(channel.reminders_min) if channel.reminders_min else t("set.off")),
        (t("set.digest"), t("set.on") if channel.digest else t("set.off")),
        (t("set.hourly"), t("set.on") if channel.hourly else t("set.off")),
        (t("set.images"), t("set.on") if channel.images else t("set.off")),
        (t("set.threads"), t(f"set.threads_{channel.threads}")),
        (t("set.server_events"), t("set.on") if channel.server_events else t("set.off")),
        (t("set.follows"), follows or t("cmd.nothing_followed")),
    ]
    if channel.paused_reason:
        items.append((t("set.paused"), channel.paused_reason))
    blocks = (Text(t("cmd.settings_saved")), Fields(tuple(items))) if changes else (Fields(tuple(items)),)
    data = {field: getattr(channel, field) for field in (*SETTING_FIELDS, "paused_reason")}
    data["follows"] = [{"target_kind": s.target_kind, "target_id": s.target_id, "kinds": list(s.kinds)} for s in subs]
    return Message(title=t("cmd.settings_title"), blocks=blocks, lang=channel.lang, data=data)
