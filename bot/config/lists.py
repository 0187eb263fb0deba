"""The config file's lists of tables: [[channels]] (channels set up at every start, with
their settings by the one definition in bot.channel) and [[sources]] (polled sources)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.channel import SETTINGS, ChannelPreset, SettingError, parse_setting, setting_named
from bot.config.errors import ConfigError
from bot.config.values import hint, url
from bot.domain import LANGUAGES, UPDATE_KINDS

JOLPICA_URL = "https://api.jolpi.ca/ergast/f1"
RESERVED_SOURCE = "event-folder"  # the watched folder of event files, polled by every `pitboard run`
PLATFORMS = ("console", "telegram", "discord")


@dataclass(frozen=True)
class SourceSpec:
    """A polled source declared in the config file ([[sources]])."""

    name: str
    kind: str  # openf1, jolpica, alkamel or rss
    url: str | None = None
    event: str | None = None  # the event it feeds (all kinds but rss)
    session_key: int | None = None  # openf1
    session: str = "race"
    interval: float = 60.0
    live_interval: float = 5.0
    season: str = "current"  # jolpica
    round: str = "last"  # jolpica
    path: Path | None = None  # alkamel: a folder to watch, or one file
    # Whether requests keep to the API's limits. Only a test's server, which enforces
    # none, is polled without them: the real APIs answer 429s, or ban.
    request_limits: bool = True


# Kind -> (keys it needs, keys it may have, default interval, default live interval).
SOURCE_KINDS = {
    "openf1": ({"url", "event", "session_key"}, {"session"}, 60.0, 5.0),
    "jolpica": ({"event"}, {"url", "season", "round", "session"}, 600.0, 60.0),
    "alkamel": ({"event"}, {"url", "path", "session"}, 60.0, 15.0),
    "rss": ({"url"}, set(), 900.0, 300.0),
}


# --- [[channels]] ------------------------------------------------------------------------------

_SETTING_TYPES = {"language": str, "zone": str, "role": str, "minutes": int, "switch": bool, "grouping": (str, bool)}


def preset(data: dict, where: str) -> ChannelPreset:
    """One [[channels]] table, checked key by key."""
    known = {"platform", "address", "name", "follow", "kinds"} | {n for s in SETTINGS for n in (s.name, *s.aliases)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}{hint(unknown[0], known)}; the keys are "
                          f"{', '.join(sorted(known))}.")
    platform = data.get("platform")
    if platform not in PLATFORMS:
        raise ConfigError(f"{where}: platform must be one of {', '.join(PLATFORMS)}; fix it.")
    address = data.get("address")
    if isinstance(address, int) and not isinstance(address, bool):
        address = str(address)  # Telegram chat ids are numbers; we store them as text
    if not (isinstance(address, str) and address.strip()):
        raise ConfigError(f"{where}: address must be the chat or channel id, in quotes; fix it.")
    follow = data.get("follow", ["all"])
    targets = []
    for item in [follow] if isinstance(follow, str) else follow if isinstance(follow, list) else [None]:
        kind, _, target = str(item).partition(":")
        if not isinstance(item, str) or (kind == "all" and target) or (kind != "all" and (kind not in ("series", "event") or not target)):
            raise ConfigError(f"{where}: follow entries are \"all\", \"series:ID\" or \"event:ID\"; {item!r} is none of these.")
        targets.append((kind, target))
    kinds = data.get("kinds", [])
    if not isinstance(kinds, list) or any(k not in UPDATE_KINDS for k in kinds):
        raise ConfigError(f"{where}: kinds must be a list drawn from {', '.join(UPDATE_KINDS)}; fix it.")
    settings = [_setting(key, value, where) for key, value in data.items() if setting_named(key)]
    if platform != "discord" and any(field == "mention_role" and value for field, value in settings):
        raise ConfigError(f"{where}: role is for Discord channels only (a {platform} channel has no roles); "
                          "remove it.")
    if platform != "discord" and any(field == "server_events" and value for field, value in settings):
        raise ConfigError(f"{where}: server_events is for Discord channels only (a {platform} channel has no "
                          "server to list scheduled events on); remove it.")
    name = data.get("name")
    if name is not None and not isinstance(name, str):
        raise ConfigError(f"{where}: name must be text in quotes; fix it.")
    return ChannelPreset(platform, address.strip(), name, tuple(targets), tuple(dict.fromkeys(kinds)), tuple(settings))


def _setting(key: str, value, where: str) -> tuple[str, object]:
    """A channel setting written in a preset, by its one definition (bot.channel)."""
    setting = setting_named(key)
    wanted = _SETTING_TYPES[setting.kind]
    if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
        kind = "true or false" if wanted is bool else "a whole number" if wanted is int else "text in quotes"
        raise ConfigError(f"{where}: {key} must be {kind}; fix it.")
    try:
        return setting.field, parse_setting(setting, value)
    except SettingError as err:
        problems = {
            "bad_minutes": f"{key} must be between 0 and {setting.maximum}; fix it.",
            "bad_language": f"{key} is {value!r}; use one of {', '.join(LANGUAGES)}.",
            "bad_tz": f"{key} {value!r} is not a time zone such as Europe/Paris; fix it.",
            "bad_role": f"{key} must be a Discord role mention such as \"<@&123456789>\" or its id; fix it.",
            "bad_grouping": f"{key} must be \"off\", \"event\" (a thread or topic per race weekend) or \"series\"; "
                            "fix it.",
        }
        raise ConfigError(f"{where}: {problems.get(err.problem, f'{key} cannot be {value!r}; fix it.')}") from None


# --- [[sources]] -------------------------------------------------------------------------------

def _a(word: str) -> str:
    """The word with its article: "an alkamel", "an openf1", "a jolpica"."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def source(data: dict, where: str, base: Path) -> SourceSpec:
    """One [[sources]] table, checked key by key for its kind."""
    kind = data.get("kind")
    if kind not in SOURCE_KINDS:
        raise ConfigError(f"{where}: kind must be one of {', '.join(SOURCE_KINDS)}; fix it.")
    needed, optional, interval, live_interval = SOURCE_KINDS[kind]
    known = {"name", "kind", "interval", "live_interval", "request_limits"} | needed | optional
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} for {_a(kind)} source{hint(unknown[0], known)}; "
                          f"its keys are {', '.join(sorted(known))}.")
    missing = sorted(needed - set(data))
    if missing:
        raise ConfigError(f"{where}: {_a(kind)} source needs {missing[0]!r}; add it.")
    for key in ("name", "event"):
        if key in data and not (isinstance(data[key], str) and data[key].strip()):
            raise ConfigError(f"{where}: {key} must be text in quotes; fix it.")
    if not (isinstance(data.get("name"), str) and data["name"].strip()):
        raise ConfigError(f"{where}: name must be text in quotes; fix it.")
    if data["name"].strip() == RESERVED_SOURCE:
        raise ConfigError(f"{where}: the name {RESERVED_SOURCE!r} is the event folder's own; choose another.")
    if "event" in data and not re.search(r"(?:19|20)\d\d", data["event"]):
        # A name alone follows the newest event of that name: next year's, once its
        # calendar is imported, would get this year's race.
        raise ConfigError(f"{where}: event must name the year too, e.g. \"{data['event'].strip()} 2026\"; fix it.")
    spec: dict = {"interval": interval, "live_interval": live_interval}
    if "url" in data:
        spec["url"] = url(data["url"], f"{where}: url")
    elif kind == "jolpica":
        spec["url"] = JOLPICA_URL
    if "session_key" in data:
        if not (isinstance(data["session_key"], int) and not isinstance(data["session_key"], bool)):
            raise ConfigError(f"{where}: session_key must be the feed's session number, e.g. 9158; fix it.")
        spec["session_key"] = data["session_key"]
    for key, word in (("season", "current"), ("round", "last")):
        if key in data:
            value = data[key]
            if not ((isinstance(value, int) and not isinstance(value, bool) and value > 0) or value == word):
                raise ConfigError(f"{where}: {key} must be a number or \"{word}\"; fix it.")
            spec[key] = str(value)
    if "path" in data:
        if not (isinstance(data["path"], str) and data["path"].strip()):
            raise ConfigError(f"{where}: path must be a folder or file path in quotes; fix it.")
        spec["path"] = (base / data["path"]).resolve()
    if kind == "alkamel" and ("path" in data) == ("url" in data):
        raise ConfigError(f"{where}: an alkamel source reads a path (a folder or a file) or a url; give one of them.")
    for key in ("interval", "live_interval"):
        if key in data:
            value = data[key]
            if not (isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value <= 3600):
                raise ConfigError(f"{where}: {key} must be seconds between 1 and 3600; fix it.")
            spec[key] = float(value)
    if "request_limits" in data:
        if not isinstance(data["request_limits"], bool):
            raise ConfigError(f"{where}: request_limits must be true or false; fix it.")
        spec["request_limits"] = data["request_limits"]
    session = data.get("session", "race")
    allowed = ("race", "qualifying") if kind == "jolpica" else ("race", "qualifying", "practice")
    if session not in allowed:
        raise ConfigError(f"{where}: session must be {' or '.join(allowed)}; fix it.")
    event = data["event"].strip() if "event" in data else None
    return SourceSpec(data["name"].strip(), kind, event=event, session=session, **spec)
