"""`pitboard run` and `pitboard dispatch`: the long-running bot, and a one-shot send.

`run` starts the engine and every platform whose token is in the environment; with none,
the console channel posts to the terminal and answers commands typed there. SIGINT and
SIGTERM let the sends in flight finish before it exits. Both take the database's lease
first (bot.store.lease): a second sender on the same database would send every post again.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading

from bot.announce.engine import Engine
from bot.announce.presets import apply_presets
from bot.app import App
from bot.platforms.console import ConsolePlatform
from bot.redaction import redact_urls
from bot.render.text import render_text
from bot.sources.folder import EventFolder
from bot.store.lease import LeaseHeld, LeaseUnavailable, acquire_lease

log = logging.getLogger(__name__)
TOKENS = {"discord": "DISCORD_BOT_TOKEN", "telegram": "TELEGRAM_BOT_TOKEN"}


def platforms_for(app: App, env: dict) -> dict:
    """The platforms to start: those with a token set, else the console channel. The
    token goes to the platform and nowhere else: never printed, never logged."""
    platforms: dict = {}
    if env.get(TOKENS["telegram"]):
        from bot.platforms.telegram_bot import TelegramPlatform  # imported only when used

        platforms["telegram"] = TelegramPlatform(app, env[TOKENS["telegram"]], app.config.telegram_api_base_url)
    if env.get(TOKENS["discord"]):
        from bot.platforms.discord_bot import DiscordPlatform  # imported only when used

        platforms["discord"] = DiscordPlatform(app, env[TOKENS["discord"]], app.config.discord_api_base_url,
                                               app.config.discord_gateway_url)
    return platforms or {"console": ConsolePlatform(sys.stdout)}


def configured_sources(app: App) -> list:
    """The polled sources the config file declares, one object per [[sources]] table."""
    from bot.sources.alkamel_feed import AlKamelSource
    from bot.sources.jolpica_feed import JolpicaSource
    from bot.sources.openf1_feed import OpenF1Source
    from bot.sources.rss_feed import RssSource

    def build(s):
        """The source object for one [[sources]] table."""
        timing = {"interval": s.interval, "live_interval": s.live_interval}
        if s.kind == "openf1":
            return OpenF1Source(s.name, s.url, s.session_key, s.event, s.session, **timing)
        if s.kind == "jolpica":
            return JolpicaSource(s.name, s.url, s.season, s.round, s.event, s.session, **timing)
        if s.kind == "alkamel":
            return AlKamelSource(s.name, s.event, s.session, path=s.path, url=s.url, **timing)
        return RssSource(s.name, s.url, **timing)

    return [build(s) for s in app.config.sources]


def ensure_console_channel(app: App):
    """The console channel, following everything unless it was told otherwise."""
    channel = app.channels.ensure("console", "console", "terminal")
    if not app.channels.subscriptions(channel.id):
        app.channels.subscribe(channel.id, "all", "")
    return channel


def run_bot(app: App, env: dict | None = None) -> int:
    """Run until SIGINT or SIGTERM; returns the exit status. Exits with 1, having started
    nothing, if another process is already sending from the same database."""
    env = os.environ if env is None else env
    lease = _lease(app, "pitboard run")
    if lease is None:
        return 1
    try:
        configure_logging([env[var] for var in TOKENS.values() if env.get(var)])
        secrets = [env[var] for var in TOKENS.values() if env.get(var)]
        return asyncio.run(_run(app, platforms_for(app, env), secrets))
    finally:
        lease.release()


def _lease(app: App, command: str):
    """The database's lease for `command`, or None after saying on stderr who holds it
    (two senders on one database would each send every post)."""
    try:
        return acquire_lease(app.config.db_path, command)
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


def redact(text: str, secrets) -> str:
    """`text` with every secret in it replaced by `[redacted]`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text


def configure_logging(secrets: list[str]) -> None:
    """Log to stderr, never showing a secret; HTTP request lines only when they fail."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Redacting("%(levelname)s %(name)s: %(message)s", secrets))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    for noisy in ("httpx", "httpcore", "apscheduler.executors.default", "discord.client", "discord.gateway"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # It logs every 429 as an error with a traceback; the dispatcher handles (and logs) them.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)


async def _quietly(stopping) -> None:
    try:
        await stopping
    except Exception as err:  # noqa: BLE001 - stopping what half-started must not hide why it failed
        log.debug("stopping after a failed start: %s", err)


async def _run(app: App, platforms: dict, secrets: list[str] = ()) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    preset = apply_presets(app.db, app.config.channels)
    if preset:
        print(f"{len(preset)} channel(s) set up from the config file.", file=sys.stderr)
    started = []
    for name, platform in platforms.items():
        if not hasattr(platform, "start"):
            continue
        started.append(platform)  # stopped below even if its start fails halfway
        try:
            await platform.start()
        except Exception as err:  # noqa: BLE001 - say which platform and why, then stop cleanly
            # Error texts can quote the token (PTB's InvalidToken does): redact before printing.
            reason = redact(f"{type(err).__name__}: {err}", secrets)
            print(f"Could not start {name} ({reason}). Check its token and address, then try again.", file=sys.stderr)
            for begun in started:
                await _quietly(begun.stop())
            return 1
    folder = EventFolder(app.config.events_dir)
    polls = [(folder, 60.0, 10.0)] + [(s, s.interval, s.live_interval) for s in configured_sources(app)]
    engine = Engine(app, platforms, polls=polls)
    engine.start()
    names = ", ".join(platforms)
    print(f"Pitboard is running on {app.config.db_path} ({names}). Ctrl-C stops.", file=sys.stderr, flush=True)
    if "console" in platforms:
        print("Console channel: type /help.", file=sys.stderr, flush=True)
        _read_console(app, ensure_console_channel(app), loop, stop)
    await stop.wait()
    print("Stopping: finishing the sends in flight…", file=sys.stderr, flush=True)
    await engine.shutdown()
    for platform in started:
        await platform.stop()
    return 0


def _read_console(app: App, channel, loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Answer lines typed in the terminal. A daemon thread reads stdin, so a blocked read
    never keeps the process alive after a signal; answers run on the loop."""

    async def answer(line: str) -> None:
        """Answer one typed line in the console channel (on the loop, which a command
        that waits, such as reading a report's link, does not hold up)."""
        ctx = app.terminal(channel=app.channels.get(channel.id))
        reply = await app.ask_async(line if line.startswith("/") else "/" + line, ctx)
        sys.stdout.write(render_text(reply) + "\n\n")
        sys.stdout.flush()

    def start(line: str) -> None:
        """Start answering a line, keeping the task referenced until it is done."""
        task = loop.create_task(answer(line))
        answering.add(task)
        task.add_done_callback(answering.discard)

    answering: set = set()

    def read() -> None:
        """Hand each typed line to the loop; /quit stops the bot."""
        for raw in sys.stdin:
            line = raw.strip()
            if line.lower() in ("/quit", "/exit"):
                loop.call_soon_threadsafe(stop.set)
                return
            if line:
                loop.call_soon_threadsafe(start, line)

    threading.Thread(target=read, name="console-input", daemon=True).start()


def send_pending(app: App) -> int:
    """Send every due delivery to console channels, then exit (used by scripts and tests).
    Exits with 1, having sent nothing, if another process is sending from the same database."""
    from bot.announce.dispatcher import Dispatcher

    async def go() -> None:
        """Send rounds until one finds nothing due."""
        dispatcher = Dispatcher(app.db, {"console": ConsolePlatform(sys.stdout)})
        dispatcher.recover()  # we hold the lease: what is left `sending` was a crashed run's
        while await dispatcher.run_once():
            pass

    lease = _lease(app, "pitboard dispatch")
    if lease is None:
        return 1
    try:
        asyncio.run(go())
    finally:
        lease.release()
    return 0
