"""The ports: what the core needs from a chat platform and from a source of facts.

A Platform (Discord, Telegram, the console, a test's fake) sends and edits Messages, starts
and stops, and says what it can do and how fast. Its failures come back as a small set of
outcomes the dispatcher understands (SendFailed), never as an SDK's own exception types.

A Source reads the outside world and returns bundles of facts; it never writes the store.
One ingest step stores what it returns, so priority and merging are decided in one place.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.domain import Event, EventBundle, Quote, Series, Session
from bot.lookup import Resolution
from bot.messages import Message


@dataclass(frozen=True)
class Limits:
    global_count: int  # at most this many sends ...
    global_window: float  # ... in any window of this many seconds
    chat_count: int  # at most this many sends to one chat ...
    chat_window: float  # ... in any window of this many seconds
    group_per_minute: int | None = None  # an extra cap for groups (Telegram: 20/min)


TELEGRAM_LIMITS = Limits(global_count=30, global_window=1.0, chat_count=1, chat_window=1.0, group_per_minute=20)
DISCORD_LIMITS = Limits(global_count=50, global_window=1.0, chat_count=5, chat_window=5.0)
UNLIMITED = Limits(global_count=1_000_000, global_window=1.0, chat_count=1_000_000, chat_window=1.0)


@dataclass(frozen=True)
class Capabilities:
    max_length: int
    embeds: bool = False
    spoilers: bool = False
    edits: bool = True
    limits: Limits = UNLIMITED
    # Sends in flight at once. A crash re-sends at most this many, so platforms without
    # idempotent sends keep it at 1; one with nonces (Discord) can go wider safely.
    max_in_flight: int = 1
    # Chat ids that start with this are groups or channels, with their own extra cap
    # (Telegram: negative ids, 20 messages a minute).
    group_prefix: str | None = None
    images: bool = False  # can send a picture with a post (a result card)
    # Can open a place of its own for a race weekend's posts (a thread, a topic) with
    # `open_place(address, title, heading, summary) -> MessageRef` (the place's address, the
    # heading's "where/ids").
    places: bool = False


@dataclass(frozen=True)
class MessageRef:
    """Where a sent message lives, so it can be edited (corrected) later."""

    platform: str
    channel: str
    message_id: str


class SendFailed(Exception):
    """A send the platform refused. `outcome` tells the dispatcher what to do next:
    "retry_after" (wait `retry_after` seconds), "gone" (pause the channel), "rejected"
    (keep `reason`, do not retry), "transient" (retry with backoff), "moved" (the chat
    now lives at `new_address`: follow it and send there), "place" (the thread or topic it
    was sent into is gone, the chat is not: open a new one) or "later" (this post alone must
    wait `retry_after` seconds, e.g. a published post's hourly edits: not a rate limit on
    the chat or the platform)."""

    def __init__(self, outcome: str, reason: str, retry_after: float | None = None, is_global: bool = False,
                 new_address: str | None = None):
        super().__init__(reason)
        self.outcome, self.reason, self.retry_after = outcome, reason, retry_after
        self.is_global = is_global  # the wait applies to every chat, not just this one
        self.new_address = new_address


class Platform(Protocol):
    """A chat platform as the core sees it."""

    name: str
    capabilities: Capabilities

    async def start(self) -> None:
        """Connect (log in, open the gateway, start polling); raise if it cannot."""

    async def stop(self) -> None:
        """Disconnect; safe to call after a failed start."""

    async def send(self, channel: str, message: Message, nonce: str | None = None) -> MessageRef:
        """Post `message` to `channel`; raise SendFailed on failure. Platforms that can
        de-duplicate use `nonce` so a retried send never posts twice."""

    async def edit(self, ref: MessageRef, message: Message) -> MessageRef | None:
        """Replace a message posted earlier; raise SendFailed on failure. A platform that
        had to add or remove messages to fit the correction returns where it now lives."""

    def health(self) -> str:
        """"connected", or in a few words what is wrong (for `pitboard status`)."""

    # Optional: a platform whose servers have a calendar (Discord's scheduled events) also has
    # `async def sync_calendar(self, plans: list[ChannelCalendar]) -> None`, which brings each
    # server's calendar in line with the plans; the engine calls it when present.


@dataclass(frozen=True)
class CalendarEntry:
    """One session as a server's calendar shows it: a name ("Event Year — Session"), where
    it is run, when it starts and ends (the end guessed from the kind when unknown), and
    whether it was cancelled."""

    session_id: str
    event_id: str
    name: str
    location: str
    start: datetime
    end: datetime
    cancelled: bool = False


@dataclass(frozen=True)
class ChannelCalendar:
    """A channel whose server lists the sessions it follows, with those sessions (upcoming
    ones, soonest first, and the cancelled ones that were to come)."""

    channel: str  # the platform's chat id
    entries: tuple[CalendarEntry, ...] = ()


class FeedError(Exception):
    """A poll that must be retried later; `retry_after` when the server said when."""

    def __init__(self, reason: str, retry_after: float | None = None, status: int | None = None):
        super().__init__(reason)
        self.reason, self.retry_after, self.status = reason, retry_after, status


@dataclass
class Poll:
    """What one poll of a source read: facts to store, items to remember as read (only
    once the facts are stored), and a problem that retrying will not fix (a malformed
    file), to show as the source's last error."""

    bundles: list[EventBundle] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    problem: str | None = None


class FactReader(Protocol):
    """The read side of the store a source uses: to find the event and session it feeds,
    and the drivers it may name (the store's Queries is one)."""

    def find_event(self, query: str) -> Resolution:
        """Resolve a forgiving event name to an event id, or suggest close ones."""

    def event(self, event_id: str) -> Event | None:
        """The event with this id, or None."""

    def series(self, series_id: str) -> Series | None:
        """The series with this id, or None."""

    def sessions(self, event_id: str) -> list[Session]:
        """The event's sessions."""

    def drivers(self, event_id: str) -> list[str]:
        """Every driver named at the event."""

    def quotes(self, event_id: str, driver: str | None = None, search: str | None = None) -> list[Quote]:
        """The event's quotes."""


@dataclass(frozen=True)
class SourceView:
    """What a source may read of the store: the facts (to find the event it feeds) and
    whether it has read an item before."""

    queries: FactReader
    seen: Callable[[str], bool]


class Source(Protocol):
    """A source of facts polled on a schedule: OpenF1, Jolpica, Al Kamel timing, a feed."""

    name: str
    interval: float  # seconds between polls
    live_interval: float  # seconds between polls while a session is live

    def describe(self) -> str:
        """What it reads and what it feeds, for `pitboard sources` (no credentials)."""

    async def read(self, view: SourceView) -> Poll:
        """Read what is new; raise FeedError to back off and store nothing."""

    async def aclose(self) -> None:
        """Close its connections (at shutdown)."""
