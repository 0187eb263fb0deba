"""Sliding windows of send times: the one rate-limiting primitive, for the dispatcher's
platform limits, the polled sources' API budgets and the fake platforms that enforce them.

Windows of actual send times, not token buckets: platforms count requests in windows too,
and staying strictly inside their window is what keeps 429s at zero.
"""
from __future__ import annotations

from collections import deque


class Window:
    """At most `count` events in any `seconds`. `margin` widens the window a hair, so clock
    jitter between us and a platform never tips it over."""

    def __init__(self, count: int, seconds: float, margin: float = 0.0):
        self.count, self.seconds = count, seconds + margin
        self.times: deque[float] = deque()

    def _expire(self, now: float) -> None:
        while self.times and now - self.times[0] >= self.seconds:
            self.times.popleft()

    def wait(self, now: float, events: int = 1) -> float:
        """Seconds until `events` more fit (0: now)."""
        self._expire(now)
        over = len(self.times) - (self.count - events)  # how many must expire first
        if over <= 0:
            return 0.0
        if events > self.count:
            return float("inf")
        return self.times[over - 1] + self.seconds - now

    def full(self, now: float) -> bool:
        """Whether one more event now would break the window."""
        return self.wait(now) > 0

    def take(self, now: float) -> None:
        """Count an event at `now`."""
        self.times.append(now)

    def fill(self, until: float) -> None:
        """Count the window full until `until` (the other side said so, e.g. a 429 for a
        limit we could not count: a restart forgot the hour's sends)."""
        self.times = deque(sorted([*self.times, *[until - self.seconds] * self.count]))

    def last(self) -> float | None:
        """When the latest event counted happened, if any is still in the window."""
        return self.times[-1] if self.times else None

    def settle(self, started: float, finished: float) -> None:
        """Re-date the event counted at `started` to `finished` (a request is seen by the
        server somewhere in between). The window is kept in time order, so the wait for
        the next event is the wait for the right one: answers come back in any order, and
        a slow one re-dated late must not hold up those re-dated early. Both searches run
        from the newest end, where recent events are."""
        times = self.times
        for i in range(len(times) - 1, -1, -1):
            if times[i] == started:
                del times[i]
                break
        else:
            return
        j = len(times)
        while j > 0 and times[j - 1] > finished:
            j -= 1
        times.insert(j, finished)
