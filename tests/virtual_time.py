"""An asyncio event loop on a virtual clock, for tests and benchmarks of timed behaviour.

Whenever nothing is ready to run, the loop moves its clock straight to the next timer
instead of waiting for it: a ten-minute outage, a 30 s retry-after or a 10,000-chat
fan-out at Telegram's 30 messages a second plays out in the time the code itself takes,
while every sleep, timeout, round trip and rate window keeps its full length on the loop's
clock. Real I/O still works (it is polled before the clock moves), so code that waits on a
socket or a thread is not skipped over; pure-asyncio code (the dispatcher against a fake
platform that sleeps its round trip) is what it is for.

Use `run(coro, start=...)`; inside, `asyncio.get_running_loop().time()` is the virtual
clock (monotonic seconds), and `epoch(loop)` gives wall-clock seconds on the same clock.
"""
from __future__ import annotations

import asyncio
import selectors

RESOLUTION = 1e-6  # the smallest step the clock takes
EPOCH = 1_780_000_000.0  # a fixed wall-clock moment the virtual clock starts from (2026)


class _Selector:
    """The loop's real selector, but a wait with a timeout becomes a jump of the clock when
    no real I/O is ready."""

    def __init__(self, real: selectors.BaseSelector, loop: "VirtualTimeLoop"):
        self._real, self._loop = real, loop

    def select(self, timeout=None):
        """Ready I/O now; otherwise move the clock on by `timeout` (block only when nothing
        at all is scheduled, as a real loop would)."""
        events = self._real.select(0)
        if events or timeout == 0:
            return events
        if timeout is None:
            return self._real.select(None)
        # At least a microsecond: a wait shorter than the clock's float step (1e-16 s at
        # t = 9 s) would leave the clock where it is and the loop spinning, where a real
        # clock would have moved on by itself.
        self._loop.advance(max(timeout, RESOLUTION))
        return []

    def __getattr__(self, name):
        return getattr(self._real, name)


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector event loop whose `time()` is virtual and jumps to the next timer."""

    def __init__(self, start: float = 0.0):
        super().__init__()
        self._now = start
        self._selector = _Selector(self._selector, self)
        self.jumped = 0.0  # how far the clock was moved on without waiting

    def time(self) -> float:
        """The virtual clock."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock on."""
        self._now += seconds
        self.jumped += seconds


def run(coro, start: float = 0.0):
    """Run `coro` to completion on a virtual-time loop; its result."""
    with asyncio.Runner(loop_factory=lambda: VirtualTimeLoop(start)) as runner:
        return runner.run(coro)


def epoch(loop: asyncio.AbstractEventLoop | None = None) -> float:
    """Wall-clock seconds on the loop's clock (for code that stores epoch times)."""
    return EPOCH + (loop or asyncio.get_running_loop()).time()
