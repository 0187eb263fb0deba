"""Send-rate limits per platform: a global rate, and per-chat spacing and caps.

A send is counted when it starts (so no two can slip through together) and re-dated to
when the platform answered (`settle`): the platform saw it at some moment in between, so
counting from the answer keeps us inside its window whatever the latency and jitter.
"""
from __future__ import annotations

from bot.ports import Limits
from bot.ratelimit import Window

# A hair of margin so clock jitter between us and the platform never tips a window over.
MARGIN = 0.005


class RateLimiter:
    """Tells how long to wait before the next send to a chat, and records sends."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self._global = Window(limits.global_count, limits.global_window, MARGIN)
        self._chats: dict[str, tuple[Window, Window | None]] = {}
        self._blocked_until = 0.0

    def _chat(self, chat: str, group: bool) -> tuple[Window, Window | None]:
        if chat not in self._chats:
            per_min = self.limits.group_per_minute if group else None
            self._chats[chat] = (Window(self.limits.chat_count, self.limits.chat_window, MARGIN),
                                 Window(per_min, 60.0, MARGIN) if per_min else None)
        return self._chats[chat]

    def chat_wait(self, chat: str, now: float, group: bool = False) -> float:
        """Seconds until this chat may receive another message (0: now)."""
        spacing, per_minute = self._chat(chat, group)
        return max(spacing.wait(now), per_minute.wait(now) if per_minute else 0.0)

    def global_wait(self, now: float) -> float:
        """Seconds until the platform accepts any message (0: now)."""
        return max(self._global.wait(now), self._blocked_until - now, 0.0)

    def take(self, chat: str, now: float, group: bool = False) -> None:
        """Record a send to `chat` at `now`."""
        self._global.take(now)
        for window in self._chat(chat, group):
            if window:
                window.take(now)

    def settle(self, chat: str, started: float, finished: float) -> None:
        """The send to `chat` counted at `started` was answered at `finished`."""
        self._global.settle(started, finished)
        for window in self._chats.get(chat, ()):
            if window:
                window.settle(started, finished)

    def block(self, until: float) -> None:
        """The platform said to wait (a global 429): send nothing before `until`."""
        self._blocked_until = max(self._blocked_until, until)
