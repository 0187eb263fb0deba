"""Publishing an announcement channel's posts to the servers that follow it, within what
Discord allows: about ten publishes an hour per channel, and a published post edited at
most a few times an hour.

A post is created first and counts as delivered at once; publishing it is a second step
that never holds up a send, and never loses the post (it is in the channel whatever
happens). When the hour's publishes run short, live posts (safety car, finish…) keep the
last few for themselves, and the rest wait for the window to free up, live ones first. A
publish still waiting when its post is no longer news is dropped, with a line in the log.
"""
from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.ratelimit import Window

log = logging.getLogger(__name__)
HOUR = 3600.0
PUBLISHES_PER_HOUR = 10  # per announcement channel
LIVE_RESERVE = 3  # of those, kept for live posts: a quote never takes the safety car's
EDITS_PER_HOUR = 3  # of one published post
MARGIN = 1.0  # seconds added to each window, so our clock and Discord's never disagree
# A publish that waited this long is dropped: followers would get old news.
LIVE_NEWS_FOR, BULK_NEWS_FOR = HOUR, 12 * HOUR
REMEMBERED = 5000  # published posts whose edits are counted (the newest)


class PublishRefused(Exception):
    """Discord refused a publish for a while (429): try again after `retry_after` seconds."""

    def __init__(self, retry_after: float):
        super().__init__(f"publishing refused for {retry_after:.0f} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Waiting:
    """A post to publish: when it was offered, whether it is live, how long it stays news."""

    message_id: str
    live: bool
    since: float
    fresh_for: float


class Publishing:
    """Publishes posts per channel as the channel's budget allows. `publish(channel, id)`
    does the request: it raises PublishRefused for a 429, anything else for a refusal
    that will not change (no permission, already published), which drops that publish."""

    def __init__(self, publish: Callable[[str, str], Awaitable[None]], clock: Callable[[], float] | None = None):
        self._publish = publish
        self._clock = clock
        self.windows: dict[str, Window] = {}
        self.waiting: dict[str, list[Waiting]] = {}
        self.edits: OrderedDict[str, Window] = OrderedDict()  # published post -> its edits
        self._tasks: dict[str, asyncio.Task] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self.published = self.dropped = 0

    def now(self) -> float:
        """The clock the windows count on (the event loop's, unless one was given)."""
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    def offer(self, channel: str, message_id: str, live: bool) -> None:
        """Publish this post as soon as the channel's budget allows (now, usually). Returns
        at once: the send that made the post is done whatever becomes of its publishing."""
        fresh_for = LIVE_NEWS_FOR if live else BULK_NEWS_FOR
        self.waiting.setdefault(channel, []).append(Waiting(message_id, live, self.now(), fresh_for))
        self._wake.setdefault(channel, asyncio.Event()).set()
        task = self._tasks.get(channel)
        if task is None or task.done():
            self._tasks[channel] = asyncio.get_running_loop().create_task(self._run(channel), name=f"publish:{channel}")

    def edit_wait(self, message_id: str) -> float:
        """Seconds before this post may be edited again (0: now, or it was never published)."""
        window = self.edits.get(message_id)
        return window.wait(self.now()) if window else 0.0

    def edited(self, message_id: str) -> None:
        """Count an edit of a post (only published ones are counted)."""
        window = self.edits.get(message_id)
        if window is not None:
            window.take(self.now())

    async def close(self) -> None:
        """Stop publishing (at shutdown: what still waits stays unpublished)."""
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        self._tasks.clear()

    async def _run(self, channel: str) -> None:
        window = self.windows.setdefault(channel, Window(PUBLISHES_PER_HOUR, HOUR, margin=MARGIN))
        queue = self.waiting[channel]
        while queue:
            now = self.now()
            for stale in [w for w in queue if now - w.since > w.fresh_for]:
                queue.remove(stale)
                self.dropped += 1
                log.warning("Discord: post %s in %s was not published to followers: the channel's %d publishes "
                            "an hour were used up until it was no longer news", stale.message_id, channel,
                            PUBLISHES_PER_HOUR)
            if not queue:
                break
            nxt = next((w for w in queue if w.live), queue[0])
            # A bulk post leaves the last few publishes of the hour to live ones.
            wait = window.wait(now, 1 if nxt.live else LIVE_RESERVE + 1)
            if wait > 0:
                await self._sleep(channel, min(wait, nxt.since + nxt.fresh_for - now + 0.001))
                continue
            queue.remove(nxt)
            window.take(now)
            try:
                await self._publish(channel, nxt.message_id)
            except PublishRefused as refused:
                # Discord counts differently from us (a restart forgot our count): believe it.
                queue.insert(0, nxt)
                window.fill(now + refused.retry_after)
                continue
            except asyncio.CancelledError:
                raise
            except Exception as err:  # noqa: BLE001 - a refusal that will not change: the post stays unpublished
                self.dropped += 1
                log.warning("Discord: could not publish message %s in %s: %s", nxt.message_id, channel, err)
                continue
            self.published += 1
            self.edits[nxt.message_id] = Window(EDITS_PER_HOUR, HOUR, margin=MARGIN)
            while len(self.edits) > REMEMBERED:
                self.edits.popitem(last=False)
        self._tasks.pop(channel, None)

    async def _sleep(self, channel: str, seconds: float) -> None:
        """Wait `seconds`, or less if a new post is offered (it may be a live one)."""
        wake = self._wake.setdefault(channel, asyncio.Event())
        wake.clear()
        try:
            await asyncio.wait_for(wake.wait(), max(seconds, 0.0))
        except asyncio.TimeoutError:
            pass
