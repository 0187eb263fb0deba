"""The Platform seam: what the core needs from Discord, Telegram or the console.

Failures come back as a small set of outcomes the dispatcher understands, never as an
SDK's own exception types.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.messages import Message


@dataclass(frozen=True)
class Capabilities:
    max_length: int
    embeds: bool = False
    spoilers: bool = False
    edits: bool = True


@dataclass(frozen=True)
class MessageRef:
    """Where a sent message lives, so it can be edited (corrected) later."""

    platform: str
    channel: str
    message_id: str


class SendFailed(Exception):
    """A send the platform refused. `outcome` tells the dispatcher what to do next:
    "retry_after" (wait `retry_after` seconds), "gone" (pause the channel), "rejected"
    (keep `reason`, do not retry) or "transient" (retry with backoff)."""

    def __init__(self, outcome: str, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.outcome, self.reason, self.retry_after = outcome, reason, retry_after


class Platform(Protocol):
    name: str
    capabilities: Capabilities

    async def send(self, channel: str, message: Message) -> MessageRef:
        """Post `message` to `channel`; raise SendFailed on failure."""

    async def edit(self, ref: MessageRef, message: Message) -> None:
        """Replace a message posted earlier; raise SendFailed on failure."""
