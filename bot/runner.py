"""`pitboard run` and `pitboard dispatch`: the long-running bot, and a one-shot send.

`run` starts the engine and every platform whose token is in the environment; with none,
the console channel posts to the terminal and answers commands typed there. SIGINT and
SIGTERM let the sends in flight finish before it exits. Both take the database's lease
first (bot.store.lease): a second sender on the same database would send every post again.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sqlite3
import sys
from collections.abc import Callable
from datetime import datetime, timezone

from bot.announce.presets import apply_presets
from bot.bootstrap import SECRETS, TOKENS, Bot
from bot.platforms.console import ConsolePlatform, serve_console
from bot.redaction import redact_urls
from bot.store import Store
from bot.store.lease import LeaseHeld, LeaseUnavailable, acquire_lease

log = logging.getLogger(__name__)
# What the running bot tells its operator (started, stopping, a platform that failed): log
# lines, so they carry a time, and a JSON log (--json) has nothing beside it on stderr.
say = logging.getLogger("pitboard")


def ensure_console_channel(bot: Bot):
    """The console channel. Made the first time, following everything and speaking the
    configured language; after that, as its admin left it (`pitboard unsubscribe all` is
    not undone by the next start)."""
    channel = bot.channels.find("console", "console")
    if channel is None:
        channel = bot.channels.ensure("console", "console", "terminal")
        channel = bot.channels.configure(channel.id, lang=bot.config.lang)
        bot.channels.subscribe(channel.id, "all", "")
    return channel


def run_bot(bot: Bot, env: dict | None = None, log_level: str | None = None, as_json: bool = False) -> int:
    """Run until SIGINT or SIGTERM; returns the exit status. Exits with 1, having started
    nothing, if another process is already sending from the same database. `log_level`
    (else $PITBOARD_LOG_LEVEL, else info) sets what the log shows; `as_json` makes each log
    line, console post and console answer one JSON object (for a log collector)."""
    env = os.environ if env is None else env
    lease = _lease(bot, "pitboard run")
    if lease is None:
        return 1
    try:
        secrets = [env[var] for var in (*TOKENS.values(), *SECRETS) if env.get(var)]
        configure_logging(secrets, log_level, as_json=as_json)
        return asyncio.run(_run(bot, bot.platforms_for(env, as_json=as_json), secrets, as_json=as_json))
    finally:
        lease.release()


def _lease(bot: Bot, command: str):
    """The database's lease for `command`, or None after saying on stderr who holds it
    (two senders on one database would each send every post)."""
    try:
        return acquire_lease(bot.config.db_path, command)
    except (LeaseHeld, LeaseUnavailable) as err:
        print(err, file=sys.stderr)
        return None


class _Redacting(logging.Formatter):
    """Formats a record, then blanks out every secret it contains: HTTP libraries log
    request URLs, and Telegram's carry the token."""

    def __init__(self, fmt: str, secrets: list[str]):
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        """The record as text, secrets replaced by `[redacted]` and URLs shown without
        their credentials (a source's password or API key)."""
        return redact_urls(redact(super().format(record), self.secrets))


class _JsonRedacting(_Redacting):
    """One JSON object per record (time, level, logger, message, and the traceback if any),
    its text redacted before it is encoded."""

    def __init__(self, secrets: list[str]):
        super().__init__("%(message)s", secrets)

    def format(self, record: logging.LogRecord) -> str:
        """The record as a line of JSON, secrets and URL credentials removed."""
        entry = {"time": _utc(record.created), "level": record.levelname.lower(), "logger": record.name,
                 "message": redact_urls(redact(record.getMessage(), self.secrets))}
        if record.exc_info:
            entry["traceback"] = redact_urls(redact(self.formatException(record.exc_info), self.secrets))
        return json.dumps(entry, ensure_ascii=False)


def _utc(created: float) -> str:
    """A log record's moment in UTC, to the millisecond (ISO 8601, as collectors parse it)."""
    return datetime.fromtimestamp(created, timezone.utc).isoformat(timespec="milliseconds")


def redact(text: str, secrets) -> str:
    """`text` with every secret in it replaced by `[redacted]`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text


LOG_LEVELS = ("debug", "info", "warning", "error")


def unserved_presets(presets, platforms: dict) -> list[str]:
    """A warning for each platform that has channels preset in the config file but is not
    running (its token is not set): their posts would only wait."""
    lines = []
    for name in sorted({p.platform for p in presets} - set(platforms)):
        count = sum(p.platform == name for p in presets)
        variable = TOKENS.get(name)
        how = f"set ${variable} to start it" if variable else "no such platform runs here"
        lines.append(f"Warning: {count} channel(s) are preset for {name}, which is not running ({how}); "
                     "their posts wait until it is.")
    return lines


def configure_logging(secrets: list[str], level: str | None = None, as_json: bool = False) -> None:
    """Log to stderr with the time, never showing a secret. `level` (debug, info, warning,
    error; else $PITBOARD_LOG_LEVEL, else info) sets what is shown; below debug, the
    libraries' own chatter (HTTP request lines, the scheduler, discord.py's gateway and
    voice notes) is kept to their warnings."""
    name = (level or os.environ.get("PITBOARD_LOG_LEVEL") or "info").strip().lower()
    if name not in LOG_LEVELS:
        print(f"PITBOARD_LOG_LEVEL={name!r} is not one of {', '.join(LOG_LEVELS)}; using info.", file=sys.stderr)
        name = "info"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonRedacting(secrets) if as_json
                         else _Redacting("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    logging.basicConfig(level=getattr(logging, name.upper()), handlers=[handler], force=True)
    if name != "debug":
        for noisy in ("httpx", "httpcore", "apscheduler", "discord.client", "discord.gateway", "discord.player"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    # A poll still running when its next turn comes is skipped on purpose (a slow server
    # must not pile up polls); APScheduler warns of it each time. It is not the user's problem.
    logging.getLogger("apscheduler.scheduler").addFilter(
        lambda record: "maximum number of running instances reached" not in record.getMessage())
    # It logs every 429 as an error with a traceback; the dispatcher handles (and logs) them.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)


async def _quietly(stopping) -> None:
    try:
        await stopping
    except Exception as err:  # noqa: BLE001 - stopping what half-started must not hide why it failed
        log.debug("stopping after a failed start: %s", err)


async def watch_writes(store: Store, wake: Callable[[], None], every: float) -> None:
    """Every `every` seconds, call `wake` (the engine's) if another process committed to
    the database since the last look (posts stored by `pitboard import`, a script): they
    go out at once instead of at the dispatcher's own next look at the outbox, up to 2 s
    later. Runs until cancelled."""
    seen = store.writes_elsewhere()
    while True:
        await asyncio.sleep(every)
        try:
            now = store.writes_elsewhere()
        except sqlite3.Error as err:  # a look that fails is skipped: the dispatcher still looks on its own
            log.debug("could not look for other processes' writes: %s", err)
            continue
        if now != seen:
            seen = now
            wake()


async def _run(bot: Bot, platforms: dict, secrets: list[str] = (), as_json: bool = False) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    preset = apply_presets(bot.channels, bot.config.channels)
    if preset:
        say.info(f"{len(preset)} channel(s) set up from the config file.")
    for line in unserved_presets(bot.config.channels, platforms):
        say.warning(line)
    started = []
    for name, platform in platforms.items():
        started.append(platform)  # stopped below even if its start fails halfway
        try:
            await platform.start()
        except Exception as err:  # noqa: BLE001 - say which platform and why, then stop cleanly
            # Error texts can quote the token (PTB's InvalidToken does): redact before printing.
            reason = redact(f"{type(err).__name__}: {err}", secrets)
            say.error(f"Could not start {name} ({reason}). Check its token and address, then try again.")
            for begun in started:
                await _quietly(begun.stop())
            return 1
    polls = [bot.event_folder()] + [bot.poller.scheduled(s) for s in bot.sources()]
    engine = bot.engine(platforms, polls=polls)
    engine.start()
    watching = None
    if bot.config.watch_interval:
        watching = loop.create_task(watch_writes(bot.repositories, engine.wake, bot.config.watch_interval),
                                    name="watch-writes")
    names = ", ".join(platforms)
    say.info(f"Pitboard is running on {bot.config.db_path} ({names}). Ctrl-C stops.")
    if "console" in platforms:
        say.info("Console channel: type /help.")
        channel = ensure_console_channel(bot)
        serve_console(bot.commands, lambda: bot.terminal(channel=bot.channels.get(channel.id)), loop, stop,
                      as_json=as_json)
    await stop.wait()
    say.info("Stopping: finishing the sends in flight…")
    if watching is not None:
        watching.cancel()
    await engine.shutdown()
    for platform in started:
        await platform.stop()
    say.info("Stopped.")  # the last line of a service's log says the stop was a clean one
    return 0


def send_pending(bot: Bot, as_json: bool = False) -> int:
    """Send every due delivery to console channels, then exit (used by scripts and tests);
    with `as_json`, each post is one line of JSON."""
    lease = _lease(bot, "pitboard dispatch")
    if lease is None:
        return 1

    async def go() -> None:
        """Send rounds until one finds nothing due."""
        dispatcher = bot.dispatcher({"console": ConsolePlatform(sys.stdout, as_json=as_json)})
        dispatcher.recover()  # this process holds the lease: what a crash left in flight is ours
        while await dispatcher.run_once():
            pass

    try:
        asyncio.run(go())
    finally:
        lease.release()
    return 0
