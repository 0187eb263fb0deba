"""Channels (a platform plus its chat id), what they follow, and their settings.

Each setting is named once, here: the name users type (`/settings spoiler_delay:10`) and
write in the config file, the channel field it sets, and what values it takes.
"""
from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain import LANGUAGES, role_id


@dataclass(frozen=True)
class Channel:
    id: int
    platform: str
    address: str
    name: str | None = None
    lang: str = "en"
    timezone: str | None = None
    spoiler_delay_min: int = 0
    spoiler_mode: bool = False
    mention_role: str | None = None
    reminders_min: int = 0
    paused_reason: str | None = None
    digest: bool = False
    hourly: bool = False  # the class leaders at each hour of an endurance race
    images: bool = False  # finish and pole posts carry a picture of the classification
    threads: str = "off"  # off, event or series: each weekend's (or series') posts in a place of its own
    server_events: bool = False  # its Discord server lists the followed sessions as scheduled events


@dataclass(frozen=True)
class Subscription:
    id: int
    channel_id: int
    target_kind: str  # all, series, event
    target_id: str
    kinds: tuple[str, ...]
    paused: bool


@dataclass(frozen=True)
class Setting:
    """One channel setting: its name, the Channel field it sets, and its values."""

    name: str
    field: str
    kind: str  # language, zone, minutes, switch, role
    maximum: int = 0  # for minutes: 0..maximum
    aliases: tuple[str, ...] = ()  # other names it may be given (an older config file)


SETTINGS = (
    Setting("language", "lang", "language", aliases=("lang",)),
    Setting("timezone", "timezone", "zone"),
    Setting("spoiler_delay", "spoiler_delay_min", "minutes", 1440),
    Setting("spoiler", "spoiler_mode", "switch"),
    Setting("role", "mention_role", "role"),
    Setting("reminders", "reminders_min", "minutes", 120),
    Setting("digest", "digest", "switch"),
    Setting("hourly", "hourly", "switch"),
    Setting("images", "images", "switch"),
    Setting("threads", "threads", "grouping"),
    Setting("server_events", "server_events", "switch"),
)
SETTING_FIELDS = tuple(s.field for s in SETTINGS)
_OFF = ("none", "off", "aucun", "non", "no", "false", "0")
GROUPINGS = ("off", "event", "series")
_ON = ("on", "oui", "yes", "true", "1")


class SettingError(ValueError):
    """A value a setting cannot take; `problem` is a key of the i18n catalog."""

    def __init__(self, setting: Setting, problem: str, value: object):
        super().__init__(f"{setting.name}: {problem} ({value!r})")
        self.setting, self.problem, self.value = setting, problem, value


def setting_named(name: str) -> Setting | None:
    """The setting called `name` (or one of its aliases)."""
    return next((s for s in SETTINGS if name in (s.name, *s.aliases)), None)


def parse_setting(setting: Setting, raw: object) -> object:
    """The field value `raw` (typed text, or a config file's value) sets; SettingError when
    it is not one the setting takes."""
    text = raw.strip() if isinstance(raw, str) else raw
    if setting.kind == "language":
        if text not in LANGUAGES:
            raise SettingError(setting, "bad_language", raw)
        return text
    if setting.kind == "zone":
        try:
            ZoneInfo(str(text))
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingError(setting, "bad_tz", raw) from None
        return text
    if setting.kind == "minutes":
        if isinstance(text, bool) or not (isinstance(text, int) or (isinstance(text, str) and text.isdigit())):
            raise SettingError(setting, "bad_minutes", raw)
        if not 0 <= int(text) <= setting.maximum:
            raise SettingError(setting, "bad_minutes", raw)
        return int(text)
    if setting.kind == "switch":
        if isinstance(text, bool):
            return text
        if str(text).lower() in _ON:
            return True
        if str(text).lower() in _OFF:
            return False
        raise SettingError(setting, "bad_switch", raw)
    if setting.kind == "grouping":
        # "on" is the usual grouping: a thread (or topic) per race weekend.
        value = {"on": "event", **dict.fromkeys(_OFF, "off")}.get(str(text).lower(), str(text).lower())
        if isinstance(text, bool):
            value = "event" if text else "off"
        if value not in GROUPINGS:
            raise SettingError(setting, "bad_grouping", raw)
        return value
    if setting.kind == "role":
        if isinstance(text, str) and text.lower() in _OFF:
            return None
        found = role_id(text) if isinstance(text, str) else None
        if found is None:
            raise SettingError(setting, "bad_role", raw)
        return found
    raise AssertionError(f"unknown setting kind {setting.kind}")


@dataclass(frozen=True)
class ChannelPreset:
    """A channel set up by the config file: applied at every start of `pitboard run`."""

    platform: str
    address: str
    name: str | None = None
    follow: tuple[tuple[str, str], ...] = (("all", ""),)  # (all|series|event, id)
    kinds: tuple[str, ...] = ()
    settings: tuple[tuple[str, object], ...] = ()  # (Channel field, value)
