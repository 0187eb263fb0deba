"""The config file's schema: every section and key it may have, and how each is checked.

A key the schema does not know is refused with the nearest known one, so `[databse]`,
`[[channel]]` or a top-level `telegram_token = …` is a sentence, not a silently ignored
line. Each check turns the file's value into the Config field it sets.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rapidfuzz import process

from bot.channel import SETTINGS, ChannelPreset, SettingError, parse_setting, setting_named
from bot.config.errors import ConfigError
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


# Kind -> (keys it needs, keys it may have, default interval, default live interval).
SOURCE_KINDS = {
    "openf1": ({"url", "event", "session_key"}, {"session"}, 60.0, 5.0),
    "jolpica": ({"event"}, {"url", "season", "round", "session"}, 600.0, 60.0),
    "alkamel": ({"event"}, {"url", "path", "session"}, 60.0, 15.0),
    "rss": ({"url"}, set(), 900.0, 300.0),
}


def _hint(key: str, known) -> str:
    close = process.extractOne(key, list(known), score_cutoff=70)
    return f" (did you mean {close[0]!r}?)" if close else ""


def url(value: object, where: str, ws: bool = False) -> str:
    """An http(s) address (or ws(s) for a gateway)."""
    schemes = ("ws://", "wss://") if ws else ("http://", "https://")
    example = "ws://127.0.0.1:8080/" if ws else "http://127.0.0.1:8081/bot"
    if not (isinstance(value, str) and value.startswith(schemes)):
        raise ConfigError(f"{where} must be an address such as {example}; fix it.")
    return value


def user_ids(values: object, where: str) -> tuple[str, ...]:
    """A list of platform user ids (numbers, or digits in quotes), each once."""
    if not isinstance(values, list):
        raise ConfigError(f"{where} must be a list of user ids, e.g. [123456789]; fix it.")
    ids = []
    for value in values:
        text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
        if not text.isdigit() or len(text) > 20:
            raise ConfigError(f"{where}: {value!r} is not a user id (digits only, e.g. 123456789); fix it.")
        ids.append(text)
    return tuple(dict.fromkeys(ids))


# --- the single-table sections: key -> (Config field, check(value, where, base)) -----------

def _path(value, where, base):
    if not (isinstance(value, str) and value.strip()):
        raise ConfigError(f"{where} must be a file path in quotes; fix it or remove it.")
    return (base / value).resolve()


def _switch(value, where, base):
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false; fix it.")
    return value


def _language(value, where, base):
    if value not in LANGUAGES:
        raise ConfigError(f"{where} is {value!r}; use one of {', '.join(LANGUAGES)}.")
    return value


def _zone(value, where, base):
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where} {value!r} is not a time zone such as Europe/Paris.") from None
    return value


def _hour(value, where, base):
    if value is not False and not (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 23):
        raise ConfigError(f"{where} must be an hour from 0 to 23 (UTC), or false for no digest; fix it.")
    return None if value is False else value


def _confidence(value, where, base):
    if value is not False and not (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 1):
        raise ConfigError(f"{where} must be a number above 0 and at most 1, or false; fix it.")
    return None if value is False else float(value)


SECTIONS: dict[str, dict[str, tuple[str, Callable]]] = {
    "database": {"path": ("db_path", _path), "events_dir": ("events_dir", _path),
                 "seed_events": ("seed_events", _switch)},
    "defaults": {"lang": ("lang", _language), "timezone": ("timezone", _zone)},
    "announcements": {"digest_hour": ("digest_hour", _hour)},
    "telegram": {"api_base_url": ("telegram_api_base_url", lambda v, w, b: url(v, w)),
                 "send_limits": ("telegram_send_limits", _switch)},
    "discord": {"api_base_url": ("discord_api_base_url", lambda v, w, b: url(v, w)),
                "gateway_url": ("discord_gateway_url", lambda v, w, b: url(v, w, ws=True)),
                "send_limits": ("discord_send_limits", _switch)},
    "reports": {"auto_publish_confidence": ("report_auto_confidence", _confidence)},
}
LISTS = ("channels", "sources")  # written as [[channels]] and [[sources]] tables
TOP = (*SECTIONS, "operators", *LISTS)


def read_file(path: Path) -> dict:
    """The Config fields the file at `path` sets, every key checked."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as err:
        raise ConfigError(f"{path}: cannot be read as TOML ({type(err).__name__}: {err}); fix it or remove it.") from None
    for key in data:
        if key not in TOP:
            if "token" in key.lower():
                raise ConfigError(f"{path}: {key} cannot be set in this file: platform tokens are read from the "
                                  "environment only (TELEGRAM_BOT_TOKEN, DISCORD_BOT_TOKEN); remove it.")
            raise ConfigError(f"{path}: {key!r} is not a section of the config file{_hint(key, TOP)}; fix it or "
                              "remove it (config/pitboard.example.toml lists them all).")
    found: dict = {}
    for section, keys in SECTIONS.items():
        table = _table(data, section, path)
        for key, value in table.items():
            if key not in keys:
                raise ConfigError(f"{path}: {section}.{key} is not a setting{_hint(key, keys)}; its settings are "
                                  f"{', '.join(keys)}.")
            field, check = keys[key]
            found[field] = check(value, f"{path}: {section}.{key}", path.parent)
    operators = _table(data, "operators", path)
    for platform in operators:
        if platform not in ("telegram", "discord"):
            raise ConfigError(f"{path}: operators.{platform} is not a platform; name telegram or discord user ids.")
    if operators:
        found["operators"] = tuple((p, user_ids(ids, f"{path}: operators.{p}")) for p, ids in operators.items())
    found["channels"] = tuple(_preset(p, f"{path}: channels[{i + 1}]") for i, p in enumerate(_list(data, "channels", path)))
    specs = tuple(_source(s, f"{path}: sources[{i + 1}]", path.parent) for i, s in enumerate(_list(data, "sources", path)))
    names = [s.name for s in specs]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice:
        raise ConfigError(f"{path}: two sources are named {twice!r}; give each its own name.")
    found["sources"] = specs
    return found


def _table(data: dict, key: str, path: Path) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{key}] must be a table of settings; fix it or remove it.")
    return value


def _list(data: dict, key: str, path: Path) -> list[dict]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{path}: {key} must be written as [[{key}]] tables; fix it or remove it.")
    return value


# --- [[channels]] ------------------------------------------------------------------------------

_SETTING_TYPES = {"language": str, "zone": str, "role": str, "minutes": int, "switch": bool}


def _preset(data: dict, where: str) -> ChannelPreset:
    """One [[channels]] table, checked key by key."""
    known = {"platform", "address", "name", "follow", "kinds"} | {n for s in SETTINGS for n in (s.name, *s.aliases)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}{_hint(unknown[0], known)}; the keys are "
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
        }
        raise ConfigError(f"{where}: {problems.get(err.problem, f'{key} cannot be {value!r}; fix it.')}") from None


# --- [[sources]] -------------------------------------------------------------------------------

def _source(data: dict, where: str, base: Path) -> SourceSpec:
    """One [[sources]] table, checked key by key for its kind."""
    kind = data.get("kind")
    if kind not in SOURCE_KINDS:
        raise ConfigError(f"{where}: kind must be one of {', '.join(SOURCE_KINDS)}; fix it.")
    needed, optional, interval, live_interval = SOURCE_KINDS[kind]
    known = {"name", "kind", "interval", "live_interval"} | needed | optional
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} for a {kind} source{_hint(unknown[0], known)}; "
                          f"its keys are {', '.join(sorted(known))}.")
    missing = sorted(needed - set(data))
    if missing:
        raise ConfigError(f"{where}: a {kind} source needs {missing[0]!r}; add it.")
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
    session = data.get("session", "race")
    allowed = ("race", "qualifying") if kind == "jolpica" else ("race", "qualifying", "practice")
    if session not in allowed:
        raise ConfigError(f"{where}: session must be {' or '.join(allowed)}; fix it.")
    event = data["event"].strip() if "event" in data else None
    return SourceSpec(data["name"].strip(), kind, event=event, session=session, **spec)
