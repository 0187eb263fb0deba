"""Configuration: embedded defaults, then an optional TOML file, then the environment.

Secrets (platform tokens) are read from the environment only, never from this file.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain import role_id
from bot.i18n import LANGUAGES
from bot.updates import UPDATE_KINDS

# A clone (or an editable install) keeps data/ beside the package; an installed wheel
# does not, so then data/ is looked for where the command runs.
_SOURCE_ROOT = Path(__file__).resolve().parent.parent
PROJECT_ROOT = _SOURCE_ROOT if (_SOURCE_ROOT / "data" / "events").is_dir() else Path.cwd()
DATA_DIR = PROJECT_ROOT / "data"


class ConfigError(ValueError):
    """A configuration problem, told as one sentence."""


PLATFORMS = ("console", "telegram", "discord")
_PRESET_SETTINGS = {  # key in the file -> (channel setting, type, allowed range)
    "lang": ("lang", str, None),
    "timezone": ("timezone", str, None),
    "spoiler_delay": ("spoiler_delay_min", int, (0, 1440)),
    "spoiler": ("spoiler_mode", bool, None),
    "role": ("mention_role", str, None),
    "reminders": ("reminders_min", int, (0, 120)),
    "digest": ("digest", bool, None),
}


@dataclass(frozen=True)
class ChannelPreset:
    """A channel set up by the config file: applied at every start of `pitboard run`."""

    platform: str
    address: str
    name: str | None = None
    follow: tuple[tuple[str, str], ...] = (("all", ""),)  # (all|series|event, id)
    kinds: tuple[str, ...] = ()
    settings: tuple[tuple[str, object], ...] = ()  # (channel setting, value)


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
JOLPICA_URL = "https://api.jolpi.ca/ergast/f1"
RESERVED_SOURCE = "event-folder"  # the watched folder of event files, polled by every `pitboard run`


@dataclass(frozen=True)
class Config:
    db_path: Path = DATA_DIR / "pitboard.db"
    events_dir: Path = DATA_DIR / "events"
    seed_events: bool = True  # load the bundled events into a brand-new database
    lang: str = "en"
    timezone: str | None = None  # None: show times in each event's own zone
    digest_hour: int | None = 7  # UTC hour of the daily digest (for channels that opt in); None: never
    channels: tuple[ChannelPreset, ...] = ()
    sources: tuple[SourceSpec, ...] = ()
    # The Bot API address before the token (a self-hosted server, or a test's fake).
    telegram_api_base_url: str | None = None
    # Facts from a report sent in a chat at or above this confidence publish at once;
    # the rest wait for an admin's confirmation. None: everything waits.
    report_auto_confidence: float | None = None
    # Discord's REST base and gateway (a proxy, or a test's fake).
    discord_api_base_url: str | None = None
    discord_gateway_url: str | None = None
    # Who may change the facts every channel sees (publish a report): platform user ids.
    # None for a platform: its default (Discord: the application's owner or team;
    # Telegram: nobody). The terminal is always an operator.
    operators: tuple[tuple[str, tuple[str, ...] | None], ...] = ()

    def operators_of(self, platform: str) -> tuple[str, ...] | None:
        """The operator user ids named for `platform`, or None when the config names none."""
        return dict(self.operators).get(platform)


def load_config(env: dict | None = None, path: str | Path | None = None) -> Config:
    """Build the configuration from the defaults, the config file and the environment.

    The file is `path`, else $PITBOARD_CONFIG, else config/pitboard.toml when present.
    """
    env = os.environ if env is None else env
    config = Config()
    path = path or env.get("PITBOARD_CONFIG") or (PROJECT_ROOT / "config" / "pitboard.toml")
    path = Path(path)
    if path.exists():
        config = _apply_file(config, path)
    elif env.get("PITBOARD_CONFIG"):
        raise ConfigError(f"PITBOARD_CONFIG names {path}, which does not exist; fix the path or unset it.")
    if env.get("PITBOARD_DB"):
        config = replace(config, db_path=Path(env["PITBOARD_DB"]))
    if env.get("PITBOARD_LANG"):
        config = replace(config, lang=_lang(env["PITBOARD_LANG"], "PITBOARD_LANG"))
    if env.get("TELEGRAM_API_BASE_URL"):
        config = replace(config, telegram_api_base_url=_url(env["TELEGRAM_API_BASE_URL"], "TELEGRAM_API_BASE_URL"))
    if env.get("DISCORD_API_BASE_URL"):
        config = replace(config, discord_api_base_url=_url(env["DISCORD_API_BASE_URL"], "DISCORD_API_BASE_URL"))
    if env.get("DISCORD_GATEWAY_URL"):
        config = replace(config, discord_gateway_url=_url(env["DISCORD_GATEWAY_URL"], "DISCORD_GATEWAY_URL", ws=True))
    if env.get("PITBOARD_OPERATORS") is not None:
        config = replace(config, operators=_operators_env(env["PITBOARD_OPERATORS"]))
    return config


def _user_ids(values: object, where: str) -> tuple[str, ...]:
    """A list of platform user ids (numbers, or digits in quotes)."""
    if not isinstance(values, list):
        raise ConfigError(f"{where} must be a list of user ids, e.g. [123456789]; fix it.")
    ids = []
    for value in values:
        text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
        if not text.isdigit() or len(text) > 20:
            raise ConfigError(f"{where}: {value!r} is not a user id (digits only, e.g. 123456789); fix it.")
        ids.append(text)
    return tuple(dict.fromkeys(ids))


def _operators_env(value: str) -> tuple[tuple[str, tuple[str, ...] | None], ...]:
    """PITBOARD_OPERATORS="telegram:123,discord:456": operators named in the environment."""
    found: dict[str, list[str]] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        platform, _, user = item.partition(":")
        if platform not in ("telegram", "discord") or not user.strip().isdigit():
            raise ConfigError(f"PITBOARD_OPERATORS: {item!r} should look like telegram:123456789 or "
                              "discord:123456789; fix it.")
        found.setdefault(platform, []).append(user.strip())
    return tuple((platform, tuple(dict.fromkeys(ids))) for platform, ids in found.items())


def _url(value: object, where: str, ws: bool = False) -> str:
    schemes = ("ws://", "wss://") if ws else ("http://", "https://")
    example = "ws://127.0.0.1:8080/" if ws else "http://127.0.0.1:8081/bot"
    if not (isinstance(value, str) and value.startswith(schemes)):
        raise ConfigError(f"{where} must be an address such as {example}; fix it.")
    return value


def _table(data: dict, key: str, path: Path) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{key}] must be a table of settings; fix it or remove it.")
    return value


def _lang(value: str, where: str) -> str:
    if value not in LANGUAGES:
        raise ConfigError(f"{where} is {value!r}; use one of {', '.join(LANGUAGES)}.")
    return value


def _apply_file(config: Config, path: Path) -> Config:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{path}: cannot be read as TOML ({err}); fix it or remove it.") from None
    db = _table(data, "database", path)
    defaults = _table(data, "defaults", path)
    for key in ("path", "events_dir"):
        if key in db and not (isinstance(db[key], str) and db[key].strip()):
            raise ConfigError(f"{path}: database.{key} must be a file path in quotes; fix it or remove it.")
    if "timezone" in defaults:
        try:
            ZoneInfo(str(defaults["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{path}: defaults.timezone {defaults['timezone']!r} is not a time zone such as Europe/Paris.") from None
    base = path.parent
    if "path" in db:
        config = replace(config, db_path=(base / db["path"]).resolve())
    if "events_dir" in db:
        config = replace(config, events_dir=(base / db["events_dir"]).resolve())
    if "seed_events" in db:
        config = replace(config, seed_events=bool(db["seed_events"]))
    if "lang" in defaults:
        config = replace(config, lang=_lang(defaults["lang"], f"{path}: defaults.lang"))
    if "timezone" in defaults:
        config = replace(config, timezone=defaults["timezone"])
    announcements = _table(data, "announcements", path)
    if "digest_hour" in announcements:
        hour = announcements["digest_hour"]
        if hour is not False and not (isinstance(hour, int) and not isinstance(hour, bool) and 0 <= hour <= 23):
            raise ConfigError(f"{path}: announcements.digest_hour must be an hour from 0 to 23 (UTC), or false for "
                              "no digest; fix it.")
        config = replace(config, digest_hour=None if hour is False else hour)
    telegram = _table(data, "telegram", path)
    if "api_base_url" in telegram:
        config = replace(config, telegram_api_base_url=_url(telegram["api_base_url"], f"{path}: telegram.api_base_url"))
    discord = _table(data, "discord", path)
    if "api_base_url" in discord:
        config = replace(config, discord_api_base_url=_url(discord["api_base_url"], f"{path}: discord.api_base_url"))
    if "gateway_url" in discord:
        config = replace(config, discord_gateway_url=_url(discord["gateway_url"], f"{path}: discord.gateway_url", ws=True))
    reports = _table(data, "reports", path)
    if "auto_publish_confidence" in reports:
        level = reports["auto_publish_confidence"]
        if level is not False and not (isinstance(level, (int, float)) and not isinstance(level, bool) and 0 < level <= 1):
            raise ConfigError(f"{path}: reports.auto_publish_confidence must be a number above 0 and at most 1, "
                              "or false; fix it.")
        config = replace(config, report_auto_confidence=None if level is False else float(level))
    operators = _table(data, "operators", path)
    unknown = sorted(set(operators) - {"telegram", "discord"})
    if unknown:
        raise ConfigError(f"{path}: operators.{unknown[0]} is not a platform; name telegram or discord user ids.")
    if operators:
        config = replace(config, operators=tuple((platform, _user_ids(ids, f"{path}: operators.{platform}"))
                                                 for platform, ids in operators.items()))
    presets = data.get("channels", [])
    if not isinstance(presets, list) or not all(isinstance(p, dict) for p in presets):
        raise ConfigError(f"{path}: channels must be written as [[channels]] tables; fix it or remove it.")
    config = replace(config, channels=tuple(_preset(p, f"{path}: channels[{i + 1}]") for i, p in enumerate(presets)))
    sources = data.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
        raise ConfigError(f"{path}: sources must be written as [[sources]] tables; fix it or remove it.")
    specs = tuple(_source(s, f"{path}: sources[{i + 1}]", base) for i, s in enumerate(sources))
    names = [s.name for s in specs]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice:
        raise ConfigError(f"{path}: two sources are named {twice!r}; give each its own name.")
    return replace(config, sources=specs)


def _source(data: dict, where: str, base: Path) -> SourceSpec:
    """One [[sources]] table, checked key by key for its kind."""
    kind = data.get("kind")
    if kind not in SOURCE_KINDS:
        raise ConfigError(f"{where}: kind must be one of {', '.join(SOURCE_KINDS)}; fix it.")
    needed, optional, interval, live_interval = SOURCE_KINDS[kind]
    known = {"name", "kind", "interval", "live_interval"} | needed | optional
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} for a {kind} source; its keys are "
                          f"{', '.join(sorted(known))}.")
    missing = sorted(needed - set(data))
    if missing:
        raise ConfigError(f"{where}: a {kind} source needs {missing[0]!r}; add it.")
    for key in ("name", "event"):
        if key in known and key in data and not (isinstance(data[key], str) and data[key].strip()):
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
        spec["url"] = _url(data["url"], f"{where}: url")
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


def _preset(data: dict, where: str) -> ChannelPreset:
    """One [[channels]] table, checked key by key."""
    known = {"platform", "address", "name", "follow", "kinds", *_PRESET_SETTINGS}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; the keys are {', '.join(sorted(known))}.")
    platform = data.get("platform")
    if platform not in PLATFORMS:
        raise ConfigError(f"{where}: platform must be one of {', '.join(PLATFORMS)}; fix it.")
    address = data.get("address")
    if isinstance(address, int) and not isinstance(address, bool):
        address = str(address)  # Telegram chat ids are numbers; we store them as text
    if not (isinstance(address, str) and address.strip()):
        raise ConfigError(f"{where}: address must be the chat or channel id, in quotes; fix it.")
    follow = data.get("follow", ["all"])
    if isinstance(follow, str):
        follow = [follow]
    targets = []
    for item in follow if isinstance(follow, list) else [None]:
        kind, _, target = str(item).partition(":")
        if not isinstance(item, str) or (kind == "all" and target) or (kind != "all" and (kind not in ("series", "event") or not target)):
            raise ConfigError(f"{where}: follow entries are \"all\", \"series:ID\" or \"event:ID\"; {item!r} is none of these.")
        targets.append((kind, target))
    kinds = data.get("kinds", [])
    if not isinstance(kinds, list) or any(k not in UPDATE_KINDS for k in kinds):
        raise ConfigError(f"{where}: kinds must be a list drawn from {', '.join(UPDATE_KINDS)}; fix it.")
    kinds = list(dict.fromkeys(kinds))
    settings = []
    for key, (setting, kind, bounds) in _PRESET_SETTINGS.items():
        if key not in data:
            continue
        value = data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"{where}: {key} must be {'true or false' if kind is bool else 'a whole number' if kind is int else 'text in quotes'}; fix it.")
        if bounds and not bounds[0] <= value <= bounds[1]:
            raise ConfigError(f"{where}: {key} must be between {bounds[0]} and {bounds[1]}; fix it.")
        if key == "lang":
            _lang(value, f"{where}: lang")
        if key == "timezone":
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ConfigError(f"{where}: timezone {value!r} is not a time zone such as Europe/Paris; fix it.") from None
        if key == "role":
            value = role_id(value)
            if value is None:
                raise ConfigError(f"{where}: role must be a Discord role mention such as \"<@&123456789>\" or its id; "
                                  "fix it.")
        settings.append((setting, value))
    name = data.get("name")
    if name is not None and not isinstance(name, str):
        raise ConfigError(f"{where}: name must be text in quotes; fix it.")
    return ChannelPreset(platform, address.strip(), name, tuple(targets), tuple(kinds), tuple(settings))
