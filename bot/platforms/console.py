"""The console channel: the terminal as a chat, for trying commands and for the demo.

It speaks the same `/command args` language as Telegram and posts announcements as
plain text, so the whole path can be watched without any platform token. One reader of
typed lines serves both `pitboard console` (answering in turn) and `pitboard run` (on the
event loop, beside the platforms).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
import threading
from collections.abc import Callable
from typing import TextIO

from bot.commands.registry import Context
from bot.commands.service import Commands
from bot.messages import Message
from bot.ports import Capabilities, MessageRef
from bot.render.json_out import render_json
from bot.render.text import render_text

PROMPT = "pitboard> "
QUIT = {"/quit", "/exit", "quit", "exit"}


def command_line(typed: str) -> str | None:
    """The command a typed line asks for (a leading / optional), or None for a blank line."""
    line = typed.strip()
    return (line if line.startswith("/") else "/" + line) if line else None


class ConsolePlatform:
    """A Platform that prints to a stream; message ids count up from 1."""

    name = "console"
    capabilities = Capabilities(max_length=100_000, edits=True, images=True)

    def __init__(self, out: TextIO | None = None, as_json: bool = False):
        self.out = out or sys.stdout
        # --json: one JSON object per post, one per line (JSON Lines), for scripts to read.
        self.as_json = as_json
        self._ids = itertools.count(1)
        # The reader went away (`pitboard demo | head`): nothing more can be shown. Posts
        # still count as sent (nobody is there to see them again), and the demo stops.
        self.closed = False

    def _write(self, text: str) -> None:
        if self.closed:
            return
        try:
            self.out.write(text)
            self.out.flush()
        except BrokenPipeError:
            self.closed = True
            try:  # later writes (and the interpreter's last flush) go nowhere, quietly
                os.dup2(os.open(os.devnull, os.O_WRONLY), self.out.fileno())
            except (OSError, ValueError, AttributeError):
                pass

    async def start(self) -> None:
        """Nothing to connect: the terminal is there."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    def health(self) -> str:
        """The terminal is always there."""
        return "connected"

    async def send(self, channel: str, message: Message, nonce: str | None = None) -> MessageRef:
        """Print `message` under a header naming the channel."""
        ref = MessageRef(self.name, channel, str(next(self._ids)))
        self._post(ref, message, corrected=False)
        return ref

    async def edit(self, ref: MessageRef, message: Message) -> None:
        """Print the corrected message, marked as replacing the earlier one."""
        self._post(ref, message, corrected=True)

    def _post(self, ref: MessageRef, message: Message, corrected: bool) -> None:
        if self.as_json:
            self._write(post_json(ref.channel, ref.message_id, message, corrected) + "\n")
        else:
            # A terminal shows no picture: say there is one, and what it shows.
            image = message.image
            card = "" if image is None else f"[picture {image.name} unchanged]\n" if image.keep else \
                f"[picture {image.name}, {len(image.png) // 1024} KB: {image.alt}]\n"
            self._write(f"[{ref.channel} #{ref.message_id}{' corrected' if corrected else ''}]\n"
                        f"{card}{render_text(message)}\n\n")


def post_json(channel: str, message_id: str, message: Message, corrected: bool) -> str:
    """One post as a single line of JSON: where it went, whether it replaces an earlier one,
    its text as the console shows it and the data behind it."""
    image = message.image and {"name": message.image.name, "bytes": len(message.image.png), "alt": message.image.alt}
    return json.dumps({"channel": channel, "message_id": message_id, "corrected": corrected,
                       "text": render_text(message), "data": message.data, "image": image}, ensure_ascii=False)


def answer_text(message: Message, as_json: bool) -> str:
    """A command's answer as the console prints it: text, or its data as JSON (--json)."""
    return render_json(message) if as_json else render_text(message)


def run_console(commands: Commands, ctx: Context, stdin: TextIO, stdout: TextIO, as_json: bool = False) -> int:
    """`pitboard console`: read command lines until end of input or /quit, answering each."""
    interactive = stdin.isatty()
    if interactive:
        stdout.write("Type /help for the commands, /quit to leave.\n")
    while True:
        if interactive:
            stdout.write(PROMPT)
            stdout.flush()
        typed = stdin.readline()
        if not typed or typed.strip().lower() in QUIT:
            return 0
        line = command_line(typed)
        if line:
            stdout.write(answer_text(commands.ask(line, ctx), as_json) + "\n\n")
            stdout.flush()


def serve_console(commands: Commands, context: Callable[[], Context], loop: asyncio.AbstractEventLoop,
                  stop: asyncio.Event, stdin: TextIO | None = None, stdout: TextIO | None = None,
                  as_json: bool = False) -> None:
    """`pitboard run` without tokens: answer lines typed in the terminal. A daemon thread
    reads them, so a blocked read never keeps the process alive after a signal; answers run
    on the loop, where a command that waits (reading a report's link) holds up nothing."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    answering: set[asyncio.Task] = set()

    async def answer(line: str) -> None:
        """Answer one line in the console channel."""
        reply = await commands.ask_async(line, context())
        stdout.write(answer_text(reply, as_json) + "\n\n")
        stdout.flush()

    def start(line: str) -> None:
        """Start answering a line, keeping the task referenced until it is done."""
        task = loop.create_task(answer(line))
        answering.add(task)
        task.add_done_callback(answering.discard)

    def read() -> None:
        """Hand each typed line to the loop; /quit stops the bot."""
        for typed in stdin:
            if typed.strip().lower() in QUIT:
                loop.call_soon_threadsafe(stop.set)
                return
            line = command_line(typed)
            if line:
                loop.call_soon_threadsafe(start, line)

    threading.Thread(target=read, name="console-input", daemon=True).start()
