"""Send-rate limits per platform: a global rate, and per-chat spacing and caps.

A send is counted when it starts (so no two can slip through together) and re-dated once
the platform has answered (`settle`) to the latest moment it can have seen it: the answer
less the shortest round trip observed. That keeps us inside the platform's windows
whatever the latency and jitter, and fills them, where counting from the answer would
leave a round trip unused in every window.
"""
from __future__ import annotations

from collections import deque

from bot.ports import Limits
from bot.ratelimit import Window

# A hair of margin so clock jitter between us and the platform never tips a window over.
MARGIN = 0.005
# Of the shortest round trip, what is taken off an answer's time: the way there and back
# vary apart (jitter, a slow server), so one send's way back and the next one's way there
# can add up to less than any whole round trip seen. Taking off 80 % holds with each half
# varying by a fifth, and still gives a chat 0.98 of its 1/s at 100 ms.
RTT_SHARE = 0.8
RTT_SAMPLES = 256  # round trips the shortest one is taken from (a route that changes is followed)
# Sends are spread over the global window rather than sent in a burst at its start (30 at
# once, then nothing for a second): a live post arriving mid-second then waits one short
# gap for the next slot, not up to a second for the window to reopen. A little under the
# window's own pace, so the window, not the spreading, decides the rate.
SPREAD = 0.9
MIN_SPREAD = 0.001  # seconds: below this (no real limit) sends are not spread at all


class RateLimiter:
    """Tells how long to wait before the next send to a chat, and records sends."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self._global = Window(limits.global_count, limits.global_window, MARGIN)
        self._chats: dict[str, tuple[Window, Window | None]] = {}
        self._blocked_until = 0.0
        self._rtts: deque[tuple[int, float]] = deque()
        self._seen = 0
        gap = limits.global_window / limits.global_count * SPREAD
        self._gap = gap if gap >= MIN_SPREAD else 0.0
        self._last_start = float("-inf")
        # Chats in the order they were last sent to, to forget those whose windows emptied
        # (a bot posting to 100,000 chats keeps windows only for the recent ones).
        self._recent: deque[tuple[float, str]] = deque()
        self._horizon = max(limits.chat_window, 60.0 if limits.group_per_minute else 0.0) + 1.0

    def _chat(self, chat: str, group: bool) -> tuple[Window, Window | None]:
        if chat not in self._chats:
            per_min = self.limits.group_per_minute if group else None
            self._chats[chat] = (Window(self.limits.chat_count, self.limits.chat_window, MARGIN),
                                 Window(per_min, 60.0, MARGIN) if per_min else None)
        return self._chats[chat]

    def chat_wait(self, chat: str, now: float, group: bool = False) -> float:
        """Seconds until this chat may receive another message (0: now)."""
        windows = self._chats.get(chat)
        if windows is None:
            return 0.0  # nothing sent to it lately
        spacing, per_minute = windows
        return max(spacing.wait(now), per_minute.wait(now) if per_minute else 0.0)

    def global_wait(self, now: float) -> float:
        """Seconds until the platform accepts any message (0: now)."""
        return max(self._global.wait(now), self._blocked_until - now, self._last_start + self._gap - now, 0.0)

    def take(self, chat: str, now: float, group: bool = False) -> None:
        """Record a send to `chat` at `now`."""
        self._global.take(now)
        self._last_start = now
        for window in self._chat(chat, group):
            if window:
                window.take(now)
        self._recent.append((now, chat))
        self._forget(now)

    def _forget(self, now: float) -> None:
        # Each send is looked at once, a horizon later: constant work per send.
        while self._recent and now - self._recent[0][0] > self._horizon:
            _, chat = self._recent.popleft()
            windows = self._chats.get(chat)
            if windows and all(w is None or w.wait(now, w.count) == 0 for w in windows):
                del self._chats[chat]

    def settle(self, chat: str, started: float, finished: float, observed: bool = True) -> None:
        """The send to `chat` counted at `started` ended at `finished`. The platform saw it
        no later than its answer less the way back, so it is re-dated to the answer less most
        of the shortest round trip lately seen: the next send then reaches the platform a full
        window after this one, whatever the round trip, and not a round trip later (at
        100 ms, re-dating to the answer itself gives a chat 0.91 of its 1/s). `observed`:
        the send was answered, so its round trip is one to learn from (a failure that came
        at once from our side of the network is not)."""
        if observed:
            self._observe(finished - started)
        seen = max(started, finished - RTT_SHARE * self.rtt_min)
        self._global.settle(started, seen)
        for window in self._chats.get(chat, ()):
            if window:
                window.settle(started, seen)

    @property
    def rtt_min(self) -> float:
        """The shortest round trip among the last RTT_SAMPLES answers (0 before any)."""
        return self._rtts[0][1] if self._rtts else 0.0

    def _observe(self, rtt: float) -> None:
        # A sliding minimum: the deque holds increasing round trips, the oldest first.
        self._seen += 1
        while self._rtts and self._rtts[-1][1] >= rtt:
            self._rtts.pop()
        self._rtts.append((self._seen, max(rtt, 0.0)))
        while self._rtts[0][0] <= self._seen - RTT_SAMPLES:
            self._rtts.popleft()

    def block(self, until: float) -> None:
        """The platform said to wait (a global 429): send nothing before `until`."""
        self._blocked_until = max(self._blocked_until, until)
