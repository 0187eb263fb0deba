"""The dispatcher: sends what the outbox holds, once, within each platform's limits.

A delivery is marked `sending` (committed) before the platform is called and `sent` with
the platform's message id after, so a crash in between re-sends at most the deliveries
that were in flight: one per platform by default, none where the platform de-duplicates
by nonce. Channels take turns: each round sends every waiting channel's oldest delivery
before anyone's second, so one big fan-out does not starve another.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from datetime import datetime, timezone

from bot.announce.posts import render_post
from bot.announce.ratelimit import RateLimiter
from bot.channel import Channel
from bot.messages import Message
from bot.ports import MessageRef, Platform, SendFailed
from bot.store.channels import Channels
from bot.store.outbox import Due, Outbox, Post

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
MAX_BACKOFF = 300.0
SEND_TIMEOUT = 30.0


class Dispatcher:
    """Sends due deliveries through the running platforms."""

    def __init__(self, outbox: Outbox, channels: Channels, platforms: dict[str, Platform],
                 clock: Callable[[], float] = time.time, batch: int = 200, pace: Callable[[], float] = time.monotonic):
        self.outbox = outbox
        self.platforms = platforms
        self.channels = channels
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
        """After a crash: put back the sends left in flight (see Outbox.recover). Only the
        holder of the database's lease calls this, once, before the first round."""
        return self.outbox.recover()

    def pending(self) -> int:
        """How many deliveries still wait to be sent (including delayed ones)."""
        return self.outbox.pending()

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
        """This round's deliveries: every waiting channel's oldest, interleaved across updates."""
        return self.outbox.due(self.clock(), list(self.platforms), self.batch)

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
        return self.outbox.claim(row.id)

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
            self._posts[update_id] = self.outbox.post(update_id)
        return self._posts[update_id]

    def _render(self, post: Post, channel: Channel, corrected: bool) -> Message:
        # Everything render_post reads from the channel, and nothing else, is in the key.
        key = (post.id, post.revision, corrected, channel.lang, channel.timezone, channel.spoiler_mode,
               channel.mention_role)
        if key not in self._rendered:
            self._rendered[key] = render_post(post, channel, corrected=corrected)
        return self._rendered[key]

    def _sent(self, row: Due, ref: MessageRef, revision: int) -> None:
        self.outbox.sent(row, ref.message_id, revision, datetime.now(timezone.utc).isoformat())

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
            self.outbox.repost(row.id)
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
        self.outbox.settle(row.id, status, not_before, reason)
