"""Configuration: embedded defaults, then an optional TOML file, then the environment.

Secrets (platform tokens) are read from the environment only, never from this file.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n import LANGUAGES

# A clone (or an editable install) keeps data/ beside the package; an installed wheel
# does not, so then data/ is looked for where the command runs.
_SOURCE_ROOT = Path(__file__).resolve().parent.parent
PROJECT_ROOT = _SOURCE_ROOT if (_SOURCE_ROOT / "data" / "events").is_dir() else Path.cwd()
DATA_DIR = PROJECT_ROOT / "data"


class ConfigError(ValueError):
    """A configuration problem, told as one sentence."""


@dataclass(frozen=True)
class Config:
    db_path: Path = DATA_DIR / "pitboard.db"
    events_dir: Path = DATA_DIR / "events"
    seed_events: bool = True  # load the bundled events into a brand-new database
    lang: str = "en"
    timezone: str | None = None  # None: show times in each event's own zone


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
    return config


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
    return config
