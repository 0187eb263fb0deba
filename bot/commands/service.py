"""Answering command lines for any platform: who asks (a context), then the registry.

Platforms hand a typed line or a pressed button here with who sent it; this builds the
context (language, zone, channel, admin and operator rights) and runs the command.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

from bot.channel import Channel
from bot.commands.parse import parse_line
from bot.commands.registry import Context, Registry, UserError
from bot.i18n import Lang
from bot.messages import Message, error_message
from bot.reports.review import ReportDesk
from bot.store.channels import Channels
from bot.store.outbox import Outbox
from bot.store.queries import Queries


class Commands:
    """The commands as every platform reaches them."""

    def __init__(self, registry: Registry, queries: Queries, channels: Channels, reports: ReportDesk,
                 lang: str = "en", timezone_name: str | None = None,
                 operators: tuple[tuple[str, tuple[str, ...] | None], ...] = (), outbox: Outbox | None = None):
        self.registry, self.queries, self.channels, self.reports = registry, queries, channels, reports
        self.outbox = outbox
        self._fresh: set[int] = set()  # channels made for a command, until one succeeds there
        self._busy: Counter[int] = Counter()  # commands in flight per channel (contexts made, not settled)
        self.lang, self.timezone = lang, timezone_name
        self._operators = dict(operators)

    def channel_for(self, platform: str, address: str, name: str | None = None, create: bool = False):
        """The channel at `address` on `platform`; made (and named) when `create` (only an
        allowed admin command creates one: reading, or a refusal, leaves no trace)."""
        found = self.channels.find(platform, address)
        if found is None and create:
            found = self.channels.ensure(platform, address, name)
            self._fresh.add(found.id)
        return found

    def settle(self, ctx: Context, reply: Message) -> Message:
        """After a command: a channel made for it is forgotten again when the command was
        refused (a bad value, an unknown series) and no other command is using it: a refusal
        leaves no trace. Once a command succeeds there, the channel stays."""
        channel = ctx.channel
        if channel is None:
            return reply
        if self._busy[channel.id] > 0:
            self._busy[channel.id] -= 1
        if not reply.error:
            self._fresh.discard(channel.id)
        elif channel.id in self._fresh and not self._busy[channel.id]:
            self._fresh.discard(channel.id)
            self.channels.forget_unused(channel.id)
        if not self._busy[channel.id]:
            del self._busy[channel.id]
        return reply

    def channel_moved(self, platform: str, old: str, new: str) -> None:
        """A chat changed address (a Telegram group became a supergroup): its channel,
        settings and posts follow it."""
        channel = self.channels.find(platform, old)
        if channel:
            self.channels.move(channel.id, new)

    async def propose_file(self, ctx: Context, raw: bytes, name: str) -> Message:
        """A report sent as a file (bytes): its facts, shown for review, as /ingest does."""
        return await self.reports.propose_file(ctx, raw, name)

    def context(self, lang: str | None = None, tz: str | None = None, is_admin: bool = False,
                now: datetime | None = None, channel: Channel | None = None, is_operator: bool = False,
                user: str | None = None, page_size: int | None = None) -> Context:
        """A command context for one reader; in a channel, its language and zone apply
        unless the reader asks for others. `user` is "platform:id" in a chat (None at the
        terminal, which is an operator)."""
        if channel is not None:
            self._busy[channel.id] += 1
        lang = lang or (channel.lang if channel else None) or self.lang
        tz = tz or (channel.timezone if channel else None) or self.timezone
        return Context(queries=self.queries, lang=Lang(lang, tz), now=now or datetime.now(timezone.utc),
                       is_admin=is_admin, is_operator=is_operator, user=user, channel=channel,
                       channels=self.channels, reports=self.reports, page_size=page_size, outbox=self.outbox)

    def terminal(self, lang: str | None = None, tz: str | None = None, channel: Channel | None = None) -> Context:
        """The context of the person at the terminal: they run the bot, so they are an
        operator and the admin of the console channel."""
        return self.context(lang=lang, tz=tz, is_admin=True, channel=channel, is_operator=True)

    def is_operator(self, platform: str, user_id: object, default: frozenset[str] = frozenset()) -> bool:
        """Whether this platform user may publish facts: named in the config, else in the
        platform's `default` (Discord: the application's owner or team)."""
        named = self._operators.get(platform)
        return str(user_id) in (default if named is None else named)

    def ask(self, line: str, ctx: Context) -> Message:
        """Answer a typed command line such as `/results lemans` (no event loop running)."""
        try:
            call = parse_line(line, self.registry, ctx.lang)
        except UserError as err:
            return self.settle(ctx, error_message(err.text, ctx.lang.code))
        return self.settle(ctx, self.registry.run(ctx, call.name, call.args))

    async def ask_async(self, line: str, ctx: Context) -> Message:
        """`ask` on the event loop (the platforms): waits without blocking other chats."""
        try:
            call = parse_line(line, self.registry, ctx.lang)
        except UserError as err:
            return self.settle(ctx, error_message(err.text, ctx.lang.code))
        return self.settle(ctx, await self.registry.run_async(ctx, call.name, call.args))

    def draws(self, line: str) -> bool:
        """Whether answering this line draws a picture (a button asking for a card, `/chart`):
        it may take a second or more."""
        try:
            call = parse_line(line, self.registry, Lang("en"))
        except UserError:
            return False
        command = self.registry.get(call.name)
        return bool(command and command.will_draw(call.args))

    def role_of(self, line: str) -> str:
        """Who may run the command this line names: everyone, admin or operator."""
        command = self.registry.get(line.strip().split(" ", 1)[0])
        return command.role if command else "everyone"
