"""The dispatcher: sends what the outbox holds, once, within each platform's limits.

A delivery is marked `sending` (committed) before the platform is called and `sent` with
the platform's message id after, so a crash in between re-sends at most the deliveries
that were in flight: one per platform by default, none where the platform de-duplicates
by nonce. Channels take turns: each round sends every waiting channel's oldest delivery
before anyone's second, so one big fan-out does not starve another.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlite_utils import Database

from bot.announce.channels import Channel, Channels
from bot.announce.posts import Post, render_post
from bot.announce.ratelimit import RateLimiter
from bot.messages import Message
from bot.platforms.base import MessageRef, Platform, SendFailed

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
MAX_BACKOFF = 300.0
SEND_TIMEOUT = 30.0

# Which updates have deliveries due (the index answers this without touching the table).
_DUE_UPDATES = "SELECT DISTINCT update_id FROM deliveries WHERE status = 'pending' AND not_before <= :now"
# One update's next due deliveries, skipping channels that still wait for an older post
# (posts reach a channel in order). The indexes are named because, without statistics,
# SQLite's planner picks the due-index here and scans every pending row (6 s at 10,000).
_DUE_FOR_UPDATE = """
SELECT d.id, d.update_id, d.channel_id, d.action, d.attempts, d.message_id, c.platform, c.address
FROM deliveries d INDEXED BY idx_deliveries_update_status JOIN channels c ON c.id = d.channel_id
WHERE d.update_id = :update AND d.status = 'pending' AND d.not_before <= :now
  AND c.paused_reason IS NULL AND c.platform IN ({platforms})
  AND NOT EXISTS (SELECT 1 FROM deliveries o INDEXED BY idx_deliveries_channel_id_status WHERE o.channel_id = d.channel_id AND o.status = 'pending'
                  AND o.not_before <= :now AND o.update_id < d.update_id)
ORDER BY d.id
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
                 batch: int = 200, pace: Callable[[], float] = time.monotonic):
        self.db = db
        self.platforms = platforms
        self.channels = Channels(db)
        self.clock = clock  # epoch seconds: when deliveries are due (stored in the database)
        self.pace = pace  # a steady clock for the send-rate windows, which the wall clock may jump
        # Small rounds: a new update waits at most one round before it gets its share.
        self.batch = batch
        self.limiters = {name: RateLimiter(p.capabilities.limits) for name, p in platforms.items()}
        self._in_flight = {name: asyncio.Semaphore(p.capabilities.max_in_flight) for name, p in platforms.items()}
        self._tasks: set[asyncio.Task] = set()
        self.stopping = False  # set at shutdown: a running round starts no new send
        # Per round: each update read once, and each rendering shared by every channel
        # with the same settings (a 10,000-channel fan-out renders a handful of messages).
        self._posts: dict[int, Post] = {}
        self._rendered: dict[tuple, Message] = {}
        # No recovery here: only the holder of the database's lease may reset `sending`
        # rows (another process's may be in flight), so it calls recover() itself.

    def recover(self) -> int:
        """After a crash: deliveries left `sending` may or may not have gone out; send them
        again (at most one duplicate each) rather than lose them. Call it only while holding
        the database's lease (bot.store.lease), once, before the first round."""
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
        rows = self._due()
        self._posts.clear()
        self._rendered.clear()
        attempted = 0
        for row in rows:
            if self.stopping:
                break
            limiter = self.limiters[row.platform]
            group = self._is_group(row)
            if limiter.chat_wait(row.address, self.pace(), group) > 0:
                continue  # this chat's turn comes in a later round
            await self._in_flight[row.platform].acquire()
            if self.stopping:  # shutdown came while we waited for a free slot
                self._in_flight[row.platform].release()
                break
            wait = limiter.global_wait(self.pace())
            if wait > 0:
                await asyncio.sleep(wait)
                if self.stopping or limiter.chat_wait(row.address, self.pace(), group) > 0:
                    self._in_flight[row.platform].release()
                    continue
            if not self._mark_sending(row):
                # Someone else claimed it since _due() read it: theirs to send, not ours,
                # and nothing went to the platform, so the rate limiter counts nothing.
                self._in_flight[row.platform].release()
                continue
            # Counted after the state write, right before the send, so the count is as
            # close as it can be to when the platform sees the request.
            started = self.pace()
            limiter.take(row.address, started, group)
            task = asyncio.create_task(self._deliver(row, started))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            attempted += 1
        await self.drain()
        return attempted

    def _is_group(self, row: Due) -> bool:
        prefix = self.platforms[row.platform].capabilities.group_prefix
        return prefix is not None and row.address.startswith(prefix)

    def _due(self) -> list[Due]:
        """This round's deliveries: interleaved across updates (every fan-out's first
        channel, then every fan-out's second, ...), so a 10,000-channel fan-out cannot
        push a small one to the back of the queue."""
        params: dict = {"now": self.clock()}
        params.update({f"p{i}": name for i, name in enumerate(self.platforms)})
        updates = [r[0] for r in self.db.execute(_DUE_UPDATES, params).fetchall()]
        if not updates:
            return []
        params["limit"] = -(-self.batch // len(updates))  # an equal share of the round each
        sql = _DUE_FOR_UPDATE.format(platforms=",".join(f":p{i}" for i in range(len(self.platforms))))
        shares = [[Due(*r) for r in self.db.execute(sql, {**params, "update": u}).fetchall()] for u in sorted(updates)]
        return [row for turn in itertools.zip_longest(*shares) for row in turn if row is not None][: self.batch]

    async def drain(self) -> None:
        """Wait for the sends in flight to finish (used at shutdown, too). asyncio.wait,
        not gather: if the waiting is cancelled, the sends themselves are not."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def run_until_idle(self, stop: asyncio.Event | None = None, poll: float = 0.05) -> None:
        """Keep sending until nothing is pending (or `stop` is set)."""
        while self.pending() and not (stop and stop.is_set()):
            if await self.run_once() == 0:
                await asyncio.sleep(poll)

    def _mark_sending(self, row: Due) -> bool:
        """Claim the delivery; False if it is no longer pending (claimed by another sender)."""
        return self.db.execute(
            "UPDATE deliveries SET status = 'sending', attempts = attempts + 1 WHERE id = ? AND status = 'pending'",
            [row.id],
        ).rowcount == 1

    async def _deliver(self, row: Due, started: float) -> None:
        platform = self.platforms[row.platform]
        try:
            post = self._post(row.update_id)
            channel = self.channels.get(row.channel_id)
            if row.action == "edit" and row.message_id and platform.capabilities.edits:
                message = self._render(post, channel, corrected=True)
                ref = MessageRef(row.platform, row.address, row.message_id)
                # A correction of another length may add or remove messages: keep the new ids.
                ref = await asyncio.wait_for(platform.edit(ref, message), SEND_TIMEOUT) or ref
            else:
                message = self._render(post, channel, corrected=row.action in ("edit", "repost"))
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
            # Answered or not, the platform has counted it by now.
            self.limiters[row.platform].settle(row.address, started, self.pace())
            self._in_flight[row.platform].release()

    def _post(self, update_id: int) -> Post:
        if update_id not in self._posts:
            row = self.db.execute("SELECT id, kind, payload, revision FROM updates WHERE id = ?", [update_id]).fetchone()
            self._posts[update_id] = Post(row[0], row[1], json.loads(row[2]), row[3])
        return self._posts[update_id]

    def _render(self, post: Post, channel: Channel, corrected: bool) -> Message:
        # Everything render_post reads from the channel, and nothing else, is in the key.
        key = (post.id, post.revision, corrected, channel.lang, channel.timezone, channel.spoiler_mode,
               channel.mention_role)
        if key not in self._rendered:
            self._rendered[key] = render_post(post, channel, corrected=corrected)
        return self._rendered[key]

    def _sent(self, row: Due, ref: MessageRef, revision: int) -> None:
        # If the result was corrected while this post was on its way, the post is now out
        # of date: keep the delivery, as an edit of what was just posted.
        self.db.execute(
            "UPDATE deliveries SET message_id = :mid, revision = :rev, sent_at = :at, last_error = NULL, "
            "status = CASE WHEN (SELECT revision FROM updates WHERE id = :update) > :rev THEN 'pending' ELSE 'sent' END, "
            "action = CASE WHEN (SELECT revision FROM updates WHERE id = :update) > :rev THEN 'edit' ELSE 'send' END "
            "WHERE id = :id",
            {"mid": ref.message_id, "rev": revision, "at": datetime.now(timezone.utc).isoformat(),
             "update": row.update_id, "id": row.id},
        )

    def _failed(self, row: Due, failure: SendFailed) -> None:
        now = self.clock()
        reason = failure.reason[:500]
        if failure.outcome == "gone":
            self.channels.pause(row.channel_id, reason)
            self._set(row, "pending", now, reason)  # kept: it goes out if the channel comes back
            log.warning("channel %s:%s is gone (%s); its subscriptions are paused", row.platform, row.address, reason)
        elif failure.outcome == "moved" and failure.new_address:
            self.channels.move(row.channel_id, failure.new_address)
            self._set(row, "pending", now, reason)  # straight to the new address, next round
            log.info("channel %s:%s moved to %s", row.platform, row.address, failure.new_address)
        elif failure.outcome == "rejected" and row.action == "edit":
            # The post to correct is gone (deleted by a moderator): post the correction anew.
            self.db.execute("UPDATE deliveries SET action = 'repost', message_id = NULL WHERE id = ?", [row.id])
            self._set(row, "pending", now, reason)
        elif failure.outcome == "rejected":
            self._set(row, "failed", now, reason)
        elif failure.outcome == "retry_after":
            wait = max(failure.retry_after or 1.0, 0.0)
            log.info("%s:%s asks to wait %.1f s; delivery %s will be retried then", row.platform, row.address, wait, row.id)
            if failure.is_global:
                self.limiters[row.platform].block(self.pace() + wait)
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
