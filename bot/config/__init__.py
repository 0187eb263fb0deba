"""Configuration: embedded defaults, then an optional TOML file, then the environment.

Secrets (platform tokens) are read from the environment only, never from the file. Every
key of the file is checked against its schema (bot.config.schema): a typo is refused with
one sentence naming the file, the key and what to write.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from bot.channel import ChannelPreset
from bot.config.errors import ConfigError
from bot.config.lists import JOLPICA_URL, RESERVED_SOURCE, SourceSpec
from bot.config.schema import read_file
from bot.config.values import url, user_ids
from bot.domain import LANGUAGES

__all__ = ["Config", "ConfigError", "DATA_DIR", "JOLPICA_URL", "PROJECT_ROOT", "RESERVED_SOURCE", "SourceSpec",
           "load_config"]

# A clone (or an editable install) keeps data/ beside the package; an installed wheel
# does not, so then data/ is looked for where the command runs.
_SOURCE_ROOT = Path(__file__).resolve().parent.parent.parent
PROJECT_ROOT = _SOURCE_ROOT if (_SOURCE_ROOT / "data" / "events").is_dir() else Path.cwd()
DATA_DIR = PROJECT_ROOT / "data"


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
    # Facts from an operator's report at or above this confidence publish at once;
    # the rest wait for the Publish button. None: everything waits.
    report_auto_confidence: float | None = None
    # Discord's REST base and gateway (a proxy, or a test's fake).
    discord_api_base_url: str | None = None
    discord_gateway_url: str | None = None
    # Whether sends keep to each platform's rate limits. Only a test's fake server, which
    # enforces none, is talked to without them: Telegram and Discord answer 429s.
    telegram_send_limits: bool = True
    discord_send_limits: bool = True
    # Discord gateway shards run in this process; None: as many as Discord recommends.
    discord_shards: int | None = None
    # Seconds discord.py waits after the last server announced at connection before the bot
    # is ready (it cannot know how many more are coming); discord.py's own default.
    discord_guild_ready_timeout: float = 2.0
    # Seconds between the running bot's looks for what other processes (`pitboard import`,
    # `pitboard timing`, a script) committed to the database, sending their posts at once.
    # None: the dispatcher finds them at its own next look at the outbox (within 2 s).
    watch_interval: float | None = None
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
    path = Path(path or env.get("PITBOARD_CONFIG") or (PROJECT_ROOT / "config" / "pitboard.toml"))
    if path.exists():
        config = replace(config, **read_file(path))
    elif env.get("PITBOARD_CONFIG"):
        raise ConfigError(f"PITBOARD_CONFIG names {path}, which does not exist; fix the path or unset it.")
    found = _from_env(env)
    if "operators" in found:  # the environment names a platform's operators; the file's others stay
        found["operators"] = tuple({**dict(config.operators), **dict(found["operators"])}.items())
    return replace(config, **found)


def _from_env(env: dict) -> dict:
    """The settings the environment gives, over the file's."""
    found: dict = {}
    if env.get("PITBOARD_DB"):
        found["db_path"] = Path(env["PITBOARD_DB"])
    if env.get("PITBOARD_LANG"):
        if env["PITBOARD_LANG"] not in LANGUAGES:
            raise ConfigError(f"PITBOARD_LANG is {env['PITBOARD_LANG']!r}; use one of {', '.join(LANGUAGES)}.")
        found["lang"] = env["PITBOARD_LANG"]
    for var, field, ws in (("TELEGRAM_API_BASE_URL", "telegram_api_base_url", False),
                           ("DISCORD_API_BASE_URL", "discord_api_base_url", False),
                           ("DISCORD_GATEWAY_URL", "discord_gateway_url", True)):
        if env.get(var):
            found[field] = url(env[var], var, ws=ws)
    if env.get("PITBOARD_OPERATORS"):
        found["operators"] = _operators_env(env["PITBOARD_OPERATORS"])
    return found


def _operators_env(value: str) -> tuple[tuple[str, tuple[str, ...] | None], ...]:
    """PITBOARD_OPERATORS="telegram:123,discord:456": operators named in the environment."""
    found: dict[str, list[str]] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        platform, _, user = item.partition(":")
        if platform not in ("telegram", "discord") or not user.strip().isdigit():
            raise ConfigError(f"PITBOARD_OPERATORS: {item!r} should look like telegram:123456789 or "
                              "discord:123456789; fix it.")
        found.setdefault(platform, []).append(user.strip())
    return tuple((platform, user_ids(ids, "PITBOARD_OPERATORS")) for platform, ids in found.items())
