"""The dispatcher: sends what the outbox holds, once, within each platform's limits.

A delivery is marked `sending` (committed) before the platform is called and `sent` with
the platform's message id after, so a crash in between re-sends at most the deliveries
that were in flight: one per platform by default, none where the platform de-duplicates
by nonce. Channels take turns: each round sends every waiting channel's oldest delivery
before anyone's second, so one big fan-out does not starve another.
"""
from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlite_utils import Database

from bot.announce.channels import Channels
from bot.announce.posts import Post, render_post
from bot.announce.ratelimit import RateLimiter
from bot.platforms.base import MessageRef, Platform, SendFailed

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
MAX_BACKOFF = 300.0
SEND_TIMEOUT = 30.0

# Each channel's oldest due delivery (posts reach a channel in order), then interleaved
# across updates: every fan-out's first channel, every fan-out's second, and so on, so a
# 10,000-channel fan-out cannot push a small one to the back of the queue.
_DUE = """
SELECT id, update_id, channel_id, action, attempts, message_id, platform, address FROM (
  SELECT d.*, c.platform, c.address,
         ROW_NUMBER() OVER (PARTITION BY d.update_id ORDER BY d.id) AS share
  FROM (SELECT id, update_id, channel_id, action, attempts, message_id,
               ROW_NUMBER() OVER (PARTITION BY channel_id ORDER BY update_id, id) AS turn
        FROM deliveries WHERE status = 'pending' AND not_before <= :now) d
  JOIN channels c ON c.id = d.channel_id
  WHERE d.turn = 1 AND c.paused_reason IS NULL AND c.platform IN ({platforms}))
ORDER BY share, update_id
LIMIT :limit
"""


@dataclass(frozen=True)
class Due:
    id: int
    update_id: int
    channel_id: int
    action: str
    attempts: int
    message_id: str | None
    platform: str
    address: str


class Dispatcher:
    """Sends due deliveries through the running platforms."""

    def __init__(self, db: Database, platforms: dict[str, Platform], clock: Callable[[], float] = time.time,
                 batch: int = 200):
        self.db = db
        self.platforms = platforms
        self.channels = Channels(db)
        self.clock = clock
        # Small rounds: a new update waits at most one round before it gets its share.
        self.batch = batch
        self.limiters = {name: RateLimiter(p.capabilities.limits) for name, p in platforms.items()}
        self._in_flight = {name: asyncio.Semaphore(p.capabilities.max_in_flight) for name, p in platforms.items()}
        self._tasks: set[asyncio.Task] = set()
        self.recover()

    def recover(self) -> int:
        """After a crash: deliveries left `sending` may or may not have gone out; send them
        again (at most one duplicate each) rather than lose them."""
        return self.db.execute("UPDATE deliveries SET status = 'pending' WHERE status = 'sending'").rowcount

    def pending(self) -> int:
        """How many deliveries still wait to be sent (including delayed ones)."""
        return self.db.execute("SELECT count(*) FROM deliveries WHERE status IN ('pending', 'sending')").fetchone()[0]

    def next_due(self) -> float | None:
        """When the earliest waiting delivery becomes due (epoch seconds), if any."""
        return self.db.execute(
            "SELECT min(not_before) FROM deliveries d JOIN channels c ON c.id = d.channel_id "
            "WHERE d.status = 'pending' AND c.paused_reason IS NULL"
        ).fetchone()[0]

    async def run_once(self) -> int:
        """One round: each channel's oldest due delivery, as fast as the limits allow.
        Returns how many deliveries were attempted."""
        if not self.platforms:
            return 0
        params: dict = {"now": self.clock(), "limit": self.batch}
        params.update({f"p{i}": name for i, name in enumerate(self.platforms)})
        sql = _DUE.format(platforms=",".join(f":p{i}" for i in range(len(self.platforms))))
        rows = [Due(*r) for r in self.db.execute(sql, params).fetchall()]
        attempted = 0
        for row in rows:
            limiter = self.limiters[row.platform]
            now = self.clock()
            if limiter.chat_wait(row.address, now) > 0:
                continue  # this chat's turn comes in a later round
            wait = limiter.global_wait(now)
            if wait > 0:
                await asyncio.sleep(wait)
                now = self.clock()
                if limiter.chat_wait(row.address, now) > 0:
                    continue
            await self._in_flight[row.platform].acquire()
            limiter.take(row.address, self.clock())
            self._mark_sending(row)
            task = asyncio.create_task(self._deliver(row))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            attempted += 1
        await self.drain()
        return attempted

    async def drain(self) -> None:
        """Wait for the sends in flight to finish (used at shutdown, too)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def run_until_idle(self, stop: asyncio.Event | None = None, poll: float = 0.05) -> None:
        """Keep sending until nothing is pending (or `stop` is set)."""
        while self.pending() and not (stop and stop.is_set()):
            if await self.run_once() == 0:
                await asyncio.sleep(poll)

    def _mark_sending(self, row: Due) -> None:
        self.db.execute("UPDATE deliveries SET status = 'sending', attempts = attempts + 1 WHERE id = ?", [row.id])

    async def _deliver(self, row: Due) -> None:
        platform = self.platforms[row.platform]
        try:
            update = self.db.execute("SELECT id, kind, payload, revision FROM updates WHERE id = ?", [row.update_id]).fetchone()
            post = Post(update[0], update[1], json.loads(update[2]), update[3])
            channel = self.channels.get(row.channel_id)
            if row.action == "edit" and row.message_id and platform.capabilities.edits:
                message = render_post(post, channel, corrected=True)
                ref = MessageRef(row.platform, row.address, row.message_id)
                await asyncio.wait_for(platform.edit(ref, message), SEND_TIMEOUT)
            else:
                message = render_post(post, channel, corrected=row.action in ("edit", "repost"))
                ref = await asyncio.wait_for(platform.send(row.address, message, nonce=f"pb{row.id}r{post.revision}"), SEND_TIMEOUT)
            self._sent(row, ref, post.revision)
        except SendFailed as failure:
            self._failed(row, failure)
        except (asyncio.TimeoutError, TimeoutError, ConnectionError, OSError) as err:
            self._failed(row, SendFailed("transient", f"{type(err).__name__}: {err}".rstrip(": ")))
        except Exception as err:  # noqa: BLE001 - a bug in one post must not stop the others
            log.exception("delivery %s failed", row.id)
            self._failed(row, SendFailed("rejected", f"internal error: {type(err).__name__}: {err}"))
        finally:
            self._in_flight[row.platform].release()

    def _sent(self, row: Due, ref: MessageRef, revision: int) -> None:
        self.db.execute(
            "UPDATE deliveries SET status = 'sent', action = 'send', message_id = ?, revision = ?, sent_at = ?, "
            "last_error = NULL WHERE id = ?",
            [ref.message_id, revision, datetime.now(timezone.utc).isoformat(), row.id],
        )

    def _failed(self, row: Due, failure: SendFailed) -> None:
        now = self.clock()
        reason = failure.reason[:500]
        if failure.outcome == "gone":
            self.channels.pause(row.channel_id, reason)
            self._set(row, "pending", now, reason)  # kept: it goes out if the channel comes back
            log.warning("channel %s:%s is gone (%s); its subscriptions are paused", row.platform, row.address, reason)
        elif failure.outcome == "rejected" and row.action == "edit":
            # The post to correct is gone (deleted by a moderator): post the correction anew.
            self.db.execute("UPDATE deliveries SET action = 'repost', message_id = NULL WHERE id = ?", [row.id])
            self._set(row, "pending", now, reason)
        elif failure.outcome == "rejected":
            self._set(row, "failed", now, reason)
        elif failure.outcome == "retry_after":
            wait = max(failure.retry_after or 1.0, 0.0)
            if failure.is_global:
                self.limiters[row.platform].block(now + wait)
            self._set(row, "pending", now + wait, reason)
        elif row.attempts + 1 >= MAX_ATTEMPTS:
            self._set(row, "failed", now, f"gave up after {MAX_ATTEMPTS} attempts: {reason}")
        else:
            backoff = min(MAX_BACKOFF, 2.0 ** row.attempts) * random.uniform(0.8, 1.2)
            self._set(row, "pending", now + backoff, reason)

    def _set(self, row: Due, status: str, not_before: float, reason: str) -> None:
        self.db.execute(
            "UPDATE deliveries SET status = ?, not_before = ?, last_error = ? WHERE id = ?",
            [status, not_before, reason, row.id],
        )
