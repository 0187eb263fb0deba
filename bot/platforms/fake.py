"""A fake platform for tests and benchmarks: records what it is sent, enforces send limits
the way a real platform does (answering 429 with retry-after when they are broken), and
fails on request.

It is a real Platform, not a mock: the dispatcher cannot tell it from Telegram's or
Discord's adapter, except that nothing leaves the process.
"""
from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import defaultdict, deque
from dataclasses import dataclass

from bot.messages import Message
from bot.ports import UNLIMITED, Capabilities, Limits, MessageRef, SendFailed
from bot.ratelimit import Window


@dataclass(frozen=True)
class Sent:
    channel: str
    message: Message
    message_id: str
    at: float
    nonce: str | None = None


class FakePlatform:
    """Records sends and edits; `fail(channel, ...)` queues failures for a channel."""

    def __init__(self, name: str = "fake", limits: Limits = UNLIMITED, max_in_flight: int = 1,
                 latency: float = 0.0, dedupe_nonces: bool = False, clock=time.monotonic,
                 group_prefix: str | None = None, jitter: float = 0.0, seed: int = 0, keep: bool = True,
                 images: bool = True, places: bool = True):
        self.name = name
        self.capabilities = Capabilities(max_length=4096, limits=limits, max_in_flight=max_in_flight,
                                         group_prefix=group_prefix, images=images, places=places)
        self.places: list[tuple[str, str]] = []  # (chat, title) of each thread opened, in order
        # A round trip: the request reaches the platform after half of it (that is when the
        # platform counts it against its limits), the answer comes back after the rest.
        # `jitter` varies each half by up to that fraction, at random (seeded).
        self.latency = latency
        self.jitter = jitter
        self._random = random.Random(seed)
        self.keep = keep  # False: count the posts without keeping them (a benchmark of memory)
        self.count = 0  # posts taken
        self.down_until = float("-inf")  # an outage: until then (on `clock`) every send fails
        self.throttled_by: dict[str, int] = defaultdict(int)  # 429s given, by the limit broken
        self.dedupe_nonces = dedupe_nonces
        self.clock = clock
        self.sent: list[Sent] = []
        self.edits: list[Sent] = []
        self.hung: set[str] = set()  # chats whose sends are never answered
        self.slow: dict[str, float] = {}  # chats whose sends are taken at once but answered this late
        self.throttled = 0  # 429s given because the caller broke a limit
        self._failures: dict[str, deque] = defaultdict(deque)
        self._ids = itertools.count(1)
        self._by_nonce: dict[str, MessageRef] = {}
        self._global = Window(limits.global_count, limits.global_window)
        self._chats: dict[str, Window] = defaultdict(lambda: Window(limits.chat_count, limits.chat_window))
        self._groups: dict[str, Window] = defaultdict(lambda: Window(limits.group_per_minute or 1, 60.0))
        self.limits = limits

    def fail(self, channel: str, *failures: BaseException) -> None:
        """Make the next sends to `channel` raise these, in order."""
        self._failures[channel].extend(failures)

    async def start(self) -> None:
        """Nothing to connect."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    def health(self) -> str:
        """Always connected."""
        return "connected"

    def _check_limits(self, channel: str) -> None:
        if self.limits is UNLIMITED:
            return
        now = self.clock()
        chat = self._chats[channel]
        group = None
        if self.limits.group_per_minute and self.capabilities.group_prefix is not None \
                and channel.startswith(self.capabilities.group_prefix):
            group = self._groups[channel]
        if self._global.full(now):
            self._throttle("global")
            raise SendFailed("retry_after", "429 Too Many Requests (global)", retry_after=self.limits.global_window,
                             is_global=True)
        if chat.full(now):
            self._throttle("chat")
            raise SendFailed("retry_after", "429 Too Many Requests (chat)", retry_after=self.limits.chat_window)
        if group is not None and group.full(now):
            self._throttle("group")
            raise SendFailed("retry_after", "429 Too Many Requests (group)", retry_after=group.wait(now))
        self._global.take(now)
        chat.take(now)
        if group is not None:
            group.take(now)

    def _throttle(self, limit: str) -> None:
        self.throttled += 1
        self.throttled_by[limit] += 1

    async def _half_trip(self) -> None:
        if self.latency:
            half = self.latency / 2
            await asyncio.sleep(half * (1 + self._random.uniform(-self.jitter, self.jitter)))

    async def send(self, channel: str, message: Message, nonce: str | None = None) -> MessageRef:
        """Record `message` as posted to `channel`, unless a failure or a limit says no."""
        if channel in self.hung:
            await asyncio.Event().wait()  # the request is never answered
        if self.clock() < self.down_until:
            await self._half_trip()
            raise SendFailed("transient", "ConnectError: the platform is unreachable")
        await self._half_trip()
        try:
            if self._failures.get(channel):  # .get: no empty queue left behind for every chat
                raise self._failures[channel].popleft()
            if self.dedupe_nonces and nonce in self._by_nonce:
                return self._by_nonce[nonce]  # what Discord does with enforce_nonce
            self._check_limits(channel)
            ref = MessageRef(self.name, channel, str(next(self._ids)))
            self.count += 1
            if self.keep:
                self.sent.append(Sent(channel, message, ref.message_id, self.clock(), nonce))
                if nonce:
                    self._by_nonce[nonce] = ref
            if channel in self.slow:
                await asyncio.sleep(self.slow[channel])  # posted already; the answer is late
            return ref
        finally:
            await self._half_trip()  # the answer's way back, whatever it says

    async def edit(self, ref: MessageRef, message: Message) -> None:
        """Record an edit of a message posted earlier."""
        if self._failures.get(ref.channel):
            raise self._failures[ref.channel].popleft()
        if not any(s.message_id == ref.message_id for s in self.sent):
            raise SendFailed("rejected", "400 Bad Request: message to edit not found")
        self.edits.append(Sent(ref.channel, message, ref.message_id, self.clock()))

    async def open_place(self, channel: str, title: str, heading: Message, summary: bool = True) -> MessageRef:
        """Open a thread in `channel` ("chat>N"), its heading as its first message."""
        if self._failures.get(channel):
            raise self._failures[channel].popleft()
        self.places.append((channel, title))
        thread = f"{channel}>{len(self.places)}"
        first = await self.send(thread, heading)
        return MessageRef(self.name, thread, f"{thread}/{first.message_id}")

    def link(self, channel: str, message_id: str) -> str:
        """Where a post can be opened (made-up, as a platform's message link)."""
        return f"https://fake.invalid/{channel}/{message_id}"

    def posts_to(self, channel: str) -> list[Message]:
        """What `channel` was sent, in order."""
        return [s.message for s in self.sent if s.channel == channel]
