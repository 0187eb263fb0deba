"""The config file's schema: every section and key it may have, and how each is checked
(the [[channels]] and [[sources]] tables in bot.config.lists).

A key the schema does not know is refused with the nearest known one, so `[databse]`,
`[[channel]]` or a top-level `telegram_token = …` is a sentence, not a silently ignored
line. Each check turns the file's value into the Config field it sets.
"""
from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config.errors import ConfigError
from bot.config.lists import preset, source
from bot.config.values import hint, url, user_ids
from bot.domain import LANGUAGES



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


def _shards(value, where, base):
    if not (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1000):
        raise ConfigError(f"{where} must be a number of shards from 1 to 1000 (leave it out to let Discord say); fix it.")
    return value


def _seconds(low: float, high: float, meaning: str) -> Callable:
    """A check for a number of seconds from `low` to `high` (`meaning` says what it is)."""

    def check(value, where, base):
        """The value as a float, or a ConfigError naming the key and the range."""
        if not (isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high):
            raise ConfigError(f"{where} must be {meaning}, in seconds from {low:g} to {high:g}; fix it or remove it.")
        return float(value)

    return check


def _confidence(value, where, base):
    if value is not False and not (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 1):
        raise ConfigError(f"{where} must be a number above 0 and at most 1, or false; fix it.")
    return None if value is False else float(value)


SECTIONS: dict[str, dict[str, tuple[str, Callable]]] = {
    "database": {"path": ("db_path", _path), "events_dir": ("events_dir", _path),
                 "seed_events": ("seed_events", _switch),
                 "watch_interval": ("watch_interval", _seconds(0.01, 60, "how often to look for other processes' "
                                                                         "writes"))},
    "defaults": {"lang": ("lang", _language), "timezone": ("timezone", _zone)},
    "announcements": {"digest_hour": ("digest_hour", _hour)},
    "telegram": {"api_base_url": ("telegram_api_base_url", lambda v, w, b: url(v, w)),
                 "send_limits": ("telegram_send_limits", _switch)},
    "discord": {"api_base_url": ("discord_api_base_url", lambda v, w, b: url(v, w)),
                "gateway_url": ("discord_gateway_url", lambda v, w, b: url(v, w, ws=True)),
                "send_limits": ("discord_send_limits", _switch),
                "shards": ("discord_shards", _shards),
                "guild_ready_timeout": ("discord_guild_ready_timeout",
                                        _seconds(0, 60, "how long to wait for more servers at connection"))},
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
            raise ConfigError(f"{path}: {key!r} is not a section of the config file{hint(key, TOP)}; fix it or "
                              "remove it (config/pitboard.example.toml lists them all).")
    found: dict = {}
    for section, keys in SECTIONS.items():
        table = _table(data, section, path)
        for key, value in table.items():
            if key not in keys:
                raise ConfigError(f"{path}: {section}.{key} is not a setting{hint(key, keys)}; its settings are "
                                  f"{', '.join(keys)}.")
            field, check = keys[key]
            found[field] = check(value, f"{path}: {section}.{key}", path.parent)
    operators = _table(data, "operators", path)
    for platform in operators:
        if platform not in ("telegram", "discord"):
            raise ConfigError(f"{path}: operators.{platform} is not a platform; name telegram or discord user ids.")
    if operators:
        found["operators"] = tuple((p, user_ids(ids, f"{path}: operators.{p}")) for p, ids in operators.items())
    found["channels"] = tuple(preset(p, f"{path}: channels[{i + 1}]") for i, p in enumerate(_list(data, "channels", path)))
    specs = tuple(source(s, f"{path}: sources[{i + 1}]", path.parent) for i, s in enumerate(_list(data, "sources", path)))
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


