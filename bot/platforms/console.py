"""The console channel: the terminal as a chat, for trying commands and for the demo.

It speaks the same `/command args` language as Telegram and posts announcements as
plain text, so the whole path can be watched without any platform token.
"""
from __future__ import annotations

import itertools
import sys
from typing import TextIO

from bot.app import App
from bot.commands import Context
from bot.messages import Message
from bot.platforms.base import Capabilities, MessageRef
from bot.render.text import render_text

PROMPT = "pitboard> "
QUIT = {"/quit", "/exit", "quit", "exit"}


class ConsolePlatform:
    """A Platform that prints to a stream; message ids count up from 1."""

    name = "console"
    capabilities = Capabilities(max_length=100_000, edits=True)

    def __init__(self, out: TextIO | None = None):
        self.out = out or sys.stdout
        self._ids = itertools.count(1)

    async def send(self, channel: str, message: Message, nonce: str | None = None) -> MessageRef:
        """Print `message` under a header naming the channel."""
        ref = MessageRef(self.name, channel, str(next(self._ids)))
        self.out.write(f"[{channel} #{ref.message_id}]\n{render_text(message)}\n\n")
        self.out.flush()
        return ref

    async def edit(self, ref: MessageRef, message: Message) -> None:
        """Print the corrected message, marked as replacing the earlier one."""
        self.out.write(f"[{ref.channel} #{ref.message_id} corrected]\n{render_text(message)}\n\n")
        self.out.flush()


def run_console(app: App, ctx: Context, stdin: TextIO, stdout: TextIO) -> int:
    """Read command lines until end of input or /quit, answering each one."""
    interactive = stdin.isatty()
    if interactive:
        stdout.write("Type /help for the commands, /quit to leave.\n")
    while True:
        if interactive:
            stdout.write(PROMPT)
            stdout.flush()
        line = stdin.readline()
        if not line:
            return 0
        line = line.strip()
        if not line:
            continue
        if line.lower() in QUIT:
            return 0
        stdout.write(render_text(app.ask(line if line.startswith("/") else "/" + line, ctx)) + "\n\n")
        stdout.flush()
