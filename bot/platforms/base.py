"""The Platform seam: what the core needs from Discord, Telegram or the console.

Failures come back as a small set of outcomes the dispatcher understands, never as an
SDK's own exception types.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.announce.ratelimit import UNLIMITED, Limits
from bot.messages import Message


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


@dataclass(frozen=True)
class MessageRef:
    """Where a sent message lives, so it can be edited (corrected) later."""

    platform: str
    channel: str
    message_id: str


class SendFailed(Exception):
    """A send the platform refused. `outcome` tells the dispatcher what to do next:
    "retry_after" (wait `retry_after` seconds), "gone" (pause the channel), "rejected"
    (keep `reason`, do not retry), "transient" (retry with backoff) or "moved" (the chat
    now lives at `new_address`: follow it and send there)."""

    def __init__(self, outcome: str, reason: str, retry_after: float | None = None, is_global: bool = False,
                 new_address: str | None = None):
        super().__init__(reason)
        self.outcome, self.reason, self.retry_after = outcome, reason, retry_after
        self.is_global = is_global  # the wait applies to every chat, not just this one
        self.new_address = new_address


class Platform(Protocol):
    name: str
    capabilities: Capabilities

    async def send(self, channel: str, message: Message, nonce: str | None = None) -> MessageRef:
        """Post `message` to `channel`; raise SendFailed on failure. Platforms that can
        de-duplicate use `nonce` so a retried send never posts twice."""

    async def edit(self, ref: MessageRef, message: Message) -> MessageRef | None:
        """Replace a message posted earlier; raise SendFailed on failure. A platform that
        had to add or remove messages to fit the correction returns where it now lives."""
