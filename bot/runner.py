"""`pitboard run` and `pitboard dispatch`: the long-running bot, and a one-shot send.

`run` starts the engine and every platform whose token is in the environment; with none,
the console channel posts to the terminal and answers commands typed there. SIGINT and
SIGTERM let the sends in flight finish before it exits.
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
from bot.render.text import render_text
from bot.sources.folder import EventFolder

log = logging.getLogger(__name__)
TOKENS = {"discord": "DISCORD_BOT_TOKEN", "telegram": "TELEGRAM_BOT_TOKEN"}


def platforms_for(env: dict) -> dict:
    """The platforms to start: those with a token set, else the console channel."""
    wanted = [name for name, var in TOKENS.items() if env.get(var)]
    for name in wanted:
        # Named without the token's value: secrets never reach a log.
        print(f"{TOKENS[name]} is set, but this build has no {name} platform yet; using the console channel.",
              file=sys.stderr)
    return {"console": ConsolePlatform(sys.stdout)}


def ensure_console_channel(app: App):
    """The console channel, following everything unless it was told otherwise."""
    channel = app.channels.ensure("console", "console", "terminal")
    if not app.channels.subscriptions(channel.id):
        app.channels.subscribe(channel.id, "all", "")
    return channel


def run_bot(app: App, env: dict | None = None) -> int:
    """Run until SIGINT or SIGTERM; returns the exit status."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    return asyncio.run(_run(app, platforms_for(os.environ if env is None else env)))


async def _run(app: App, platforms: dict) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    channel = ensure_console_channel(app)
    preset = apply_presets(app.db, app.config.channels)
    if preset:
        print(f"{len(preset)} channel(s) set up from the config file.", file=sys.stderr)
    folder = EventFolder(app.config.events_dir)
    engine = Engine(app, platforms, polls=[(folder, 60.0, 10.0)])
    engine.start()
    print(f"Pitboard is running on {app.config.db_path}. Console channel: type /help; Ctrl-C stops.",
          file=sys.stderr, flush=True)
    _read_console(app, channel, loop, stop)
    await stop.wait()
    print("Stopping: finishing the sends in flight…", file=sys.stderr, flush=True)
    await engine.shutdown()
    return 0


def _read_console(app: App, channel, loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Answer lines typed in the terminal. A daemon thread reads stdin, so a blocked read
    never keeps the process alive after a signal; answers run on the loop."""

    def answer(line: str) -> None:
        """Answer one typed line in the console channel (on the loop)."""
        ctx = app.context(is_admin=True, channel=app.channels.get(channel.id))
        reply = app.ask(line if line.startswith("/") else "/" + line, ctx)
        sys.stdout.write(render_text(reply) + "\n\n")
        sys.stdout.flush()

    def read() -> None:
        """Hand each typed line to the loop; /quit stops the bot."""
        for raw in sys.stdin:
            line = raw.strip()
            if line.lower() in ("/quit", "/exit"):
                loop.call_soon_threadsafe(stop.set)
                return
            if line:
                loop.call_soon_threadsafe(answer, line)

    threading.Thread(target=read, name="console-input", daemon=True).start()


def send_pending(app: App) -> int:
    """Send every due delivery to console channels, then exit (used by scripts and tests)."""
    from bot.announce.dispatcher import Dispatcher

    async def go() -> None:
        """Send rounds until one finds nothing due."""
        dispatcher = Dispatcher(app.db, {"console": ConsolePlatform(sys.stdout)})
        while await dispatcher.run_once():
            pass

    asyncio.run(go())
    return 0
