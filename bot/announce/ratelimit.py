"""Send-rate limits per platform: a global rate, and per-chat spacing and caps.

Sliding windows of actual send times, not token buckets: a platform counts sends in
windows too, and staying strictly inside its window is what keeps 429s at zero.

A send is counted when it starts (so no two can slip through together) and re-dated to
when the platform answered (`settle`): the platform saw it at some moment in between, so
counting from the answer keeps us inside its window whatever the latency and jitter.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    global_count: int  # at most this many sends ...
    global_window: float  # ... in any window of this many seconds
    chat_count: int  # at most this many sends to one chat ...
    chat_window: float  # ... in any window of this many seconds
    group_per_minute: int | None = None  # an extra cap for groups (Telegram: 20/min)


TELEGRAM = Limits(global_count=30, global_window=1.0, chat_count=1, chat_window=1.0, group_per_minute=20)
DISCORD = Limits(global_count=50, global_window=1.0, chat_count=5, chat_window=5.0)
UNLIMITED = Limits(global_count=1_000_000, global_window=1.0, chat_count=1_000_000, chat_window=1.0)
# A hair of margin so clock jitter between us and the platform never tips a window over.
MARGIN = 0.005


class _Window:
    def __init__(self, count: int, seconds: float):
        self.count, self.seconds = count, seconds + MARGIN
        self.times: deque[float] = deque()

    def wait(self, now: float) -> float:
        """Seconds until one more send fits in the window."""
        while self.times and now - self.times[0] >= self.seconds:
            self.times.popleft()
        return 0.0 if len(self.times) < self.count else self.times[0] + self.seconds - now

    def take(self, now: float) -> None:
        """Count a send made at `now`."""
        self.times.append(now)

    def settle(self, started: float, finished: float) -> None:
        """Re-date the send counted at `started` to `finished`. The newest entries are at
        the right; if this leaves the deque out of order, expiry only gets later (safe)."""
        for i in range(len(self.times) - 1, -1, -1):
            if self.times[i] == started:
                self.times[i] = finished
                return


class RateLimiter:
    """Tells how long to wait before the next send to a chat, and records sends."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self._global = _Window(limits.global_count, limits.global_window)
        self._chats: dict[str, tuple[_Window, _Window | None]] = {}
        self._blocked_until = 0.0

    def _chat(self, chat: str, group: bool) -> tuple[_Window, _Window | None]:
        if chat not in self._chats:
            per_min = self.limits.group_per_minute if group else None
            self._chats[chat] = (_Window(self.limits.chat_count, self.limits.chat_window),
                                 _Window(per_min, 60.0) if per_min else None)
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
        spacing, per_minute = self._chat(chat, group)
        spacing.take(now)
        if per_minute:
            per_minute.take(now)

    def settle(self, chat: str, started: float, finished: float) -> None:
        """The send to `chat` counted at `started` was answered at `finished`."""
        self._global.settle(started, finished)
        for window in self._chats.get(chat, ()):
            if window:
                window.settle(started, finished)

    def block(self, until: float) -> None:
        """The platform said to wait (a global 429): send nothing before `until`."""
        self._blocked_until = max(self._blocked_until, until)
