"""Fake servers on their own event loop in a thread, for a bot running in another process."""
from __future__ import annotations

import asyncio
import threading
import time


class LoopThread:
    """Starts the given fakes on a private loop; `run` and `call` reach them there."""

    def __init__(self, *fakes):
        self.fakes = fakes
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> LoopThread:
        self.thread.start()
        for fake in self.fakes:
            self.run(fake.start())
        return self

    def run(self, coro):
        """Run a coroutine on the fakes' loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(20)

    def call(self, fn, *args, **kwargs):
        """Call a plain method of a fake on its loop (its state belongs to that loop)."""
        async def go():
            return fn(*args, **kwargs)
        return self.run(go())

    def __exit__(self, *exc):
        for fake in self.fakes:
            self.run(fake.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def wait(predicate, what: str, timeout: float = 40.0) -> None:
    """Poll until `predicate()` holds, from the test's own thread."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
