"""The dispatcher: sends what the outbox holds, once, in order, within each platform's limits.

Each platform has a lane. A lane keeps each waiting channel's next delivery in memory (a
window of the outbox, refilled as it drains) and sends continuously: several sends in
flight at once, but never two to one channel, and a channel's posts strictly in order (one
waiting on a retry holds back that channel's later posts, and nobody else's). Live posts go
before bulk ones; fan-outs of one priority take turns. Nothing waits for anything but its
own chat's window, the platform's global window and a free slot: a slow, hung or throttled
chat delays no other.

A delivery is marked `sending` (committed) before the platform is called and settled after,
so a crash re-sends at most one post per channel that had one in flight, and none where the
platform de-duplicates by nonce (Discord). Transient failures retry with capped backoff for
as long as the post is worth sending (bot.domain.FRESH_FOR); then it is marked expired.
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import random
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone

from bot.announce.cards import CARD_KINDS, card_name, post_card
from bot.announce.posts import render_post
from bot.announce.ratelimit import RateLimiter
from bot.channel import Channel
from bot.domain import FRESH_FOR
from bot.i18n import Lang
from bot.messages import Image, Message
from bot.ports import MessageRef, Platform, SendFailed
from bot.store.channels import Channels
from bot.store.outbox import Due, Outbox, Post
from bot.store.places import Place, Places

log = logging.getLogger(__name__)
MAX_BACKOFF = 300.0  # seconds between tries of a failing send, at most
# Long enough that a slow answer is not taken for a failure (a send answered after 7 s that
# was retried at 5 s was posted twice): only a send that really hangs is given up on.
SEND_TIMEOUT = 60.0
WINDOW = 2000  # deliveries a lane keeps in memory; the rest wait in the outbox
REFILL_EVERY = 2.0  # seconds between looks at the outbox when nothing wakes the lane
EXPIRE_EVERY = 30.0  # seconds between sweeps for posts no longer worth sending
MASS_THROTTLE = 3  # this many chats told to wait within a second: the platform means everyone
MIN_WAIT = 0.0005  # seconds: the shortest wait a lane sleeps
RENDERED = 512  # renderings kept (each shared by every channel with the same settings)
CARDS = 32  # cards kept: a few hundred KB each
# A thread's summary is edited at most this often (seconds): a race's burst of posts makes one
# edit, not one each, inside the platforms' edit limits.
SUMMARY_EVERY = 20.0
# Posts of no race weekend, or of the channel itself: never put in a thread.
UNGROUPED = ("test", "digest")


def _epoch(iso: str) -> float:
    try:
        return datetime.fromisoformat(iso).timestamp()
    except (TypeError, ValueError):
        return 0.0


class Lane:
    """One platform's sends: who is next, when, and how many at once."""

    def __init__(self, name: str, platform: Platform, dispatcher: Dispatcher):
        self.name, self.platform, self.dispatcher = name, platform, dispatcher
        caps = platform.capabilities
        self.limiter = RateLimiter(caps.limits)
        self.slots = max(1, caps.max_in_flight)
        self.group_prefix = caps.group_prefix
        self.ready: list[tuple[tuple, Due]] = []  # heads that may go now, best first
        self.later: list[tuple[float, int, Due]] = []  # heads waiting for their chat's window or a retry
        self.queued: dict[str, int] = {}  # chat -> the delivery id kept for it
        self.busy: set[str] = set()  # chats with a send in flight
        self.tasks: set[asyncio.Task] = set()
        self.throttled: deque[tuple[float, str]] = deque()  # recent 429s: (when, chat)
        self.stale = True  # the outbox may hold deliveries not in memory
        self._seq = itertools.count()
        self._changed: asyncio.Event | None = None

    # --- who is next -----------------------------------------------------------------------

    def _group(self, chat: str) -> bool:
        return self.group_prefix is not None and chat.startswith(self.group_prefix)

    def push(self, due: Due, at: float | None = None) -> None:
        """Keep `due` as its chat's next send, from `at` (pace seconds) or now."""
        if self.queued.get(due.address, due.id) != due.id:
            return  # the chat already has its next one in memory
        self.queued[due.address] = due.id
        if at is None:
            heapq.heappush(self.ready, (due.order, due))
        else:
            heapq.heappush(self.later, (at, next(self._seq), due))

    def refill(self) -> int:
        """Load the channels' next deliveries from the outbox (only those not in memory)."""
        d = self.dispatcher
        known = len(self.queued) + len(self.busy)
        loaded = 0
        for due in d.outbox.due_heads(self.name, d.clock(), WINDOW + known):
            if due.address not in self.queued and due.address not in self.busy:
                self.push(due)
                loaded += 1
        self.stale = False
        return loaded

    def pick(self, now: float) -> Due | None:
        """The best delivery that may go now (its chat's window open), or None."""
        while self.later and self.later[0][0] <= now:
            _, _, due = heapq.heappop(self.later)
            heapq.heappush(self.ready, (due.order, due))
        while self.ready:
            _, due = heapq.heappop(self.ready)
            wait = self.limiter.chat_wait(due.address, now, self._group(due.address))
            if wait > 0:
                heapq.heappush(self.later, (now + wait, next(self._seq), due))
                continue
            return due
        return None

    def next_time(self) -> float | None:
        """When the earliest waiting head may go (pace seconds), if any."""
        return self.later[0][0] if self.later else None

    def forget(self, chat: str) -> None:
        """Let the chat's next delivery be loaded again from the outbox."""
        self.queued.pop(chat, None)

    # --- waiting -------------------------------------------------------------------------------

    def changed(self) -> asyncio.Event:
        """Set whenever something may make a send possible (a send ended, new posts)."""
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    def poke(self) -> None:
        """Something changed: look again."""
        if self._changed is not None:
            self._changed.set()

    async def wait(self, timeout: float | None) -> None:
        """Until something changes, or `timeout` seconds."""
        event = self.changed()
        if timeout is not None and timeout <= 0:
            return
        if timeout is not None:
            # A window's wait can come out a rounding error above zero (1e-15 s): a timer
            # that short is due at once, and the lane would spin until the clock moves.
            timeout = max(timeout, MIN_WAIT)
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except asyncio.TimeoutError:
            pass
        event.clear()


class Dispatcher:
    """Sends due deliveries through the running platforms."""

    def __init__(self, outbox: Outbox, channels: Channels, platforms: dict[str, Platform],
                 clock: Callable[[], float] = time.time,
                 pace: Callable[[], float] = time.monotonic, places: Places | None = None,
                 headings: Callable[[str, Lang, bool, list], Message | None] | None = None, summary_every: float = SUMMARY_EVERY):
        self.outbox = outbox
        self.platforms = platforms
        self.channels = channels
        self.clock = clock  # epoch seconds: when deliveries are due (stored in the database)
        self.pace = pace  # a steady clock for the send-rate windows, which the wall clock may jump
        self.lanes = {name: Lane(name, p, self) for name, p in platforms.items()}
        self.stopping = False  # set at shutdown: no new send starts
        self._rendered: OrderedDict[tuple, Message] = OrderedDict()
        # Cards being drawn or drawn: one drawing per language and revision, shared by every
        # channel that wants it, and by channels asking while it is still being drawn.
        self._cards: OrderedDict[tuple, asyncio.Task] = OrderedDict()
        self._posts: OrderedDict[tuple[int, int], Post] = OrderedDict()
        self._last_sweep = float("-inf")
        # Threads and topics: where they are, what opens them, how often their summary may change.
        self.places = places
        self.headings = headings
        self.summary_every = summary_every
        self._summarised: dict[tuple[int, str], float] = {}
        self._summarising: set[tuple[int, str]] = set()
        self._refreshing: set[asyncio.Task] = set()

    # --- the outbox ---------------------------------------------------------------------------

    def recover(self) -> int:
        """After a crash: put back the sends left in flight (see Outbox.recover). Only the
        holder of the database's lease calls this, once, before sending."""
        return self.outbox.recover()

    def pending(self) -> int:
        """How many deliveries still wait to be sent (including delayed ones)."""
        return self.outbox.pending()

    def wake(self) -> None:
        """New deliveries wait in the outbox: every lane looks at once."""
        for lane in self.lanes.values():
            lane.stale = True
            lane.poke()

    def _sweep(self) -> None:
        """Now and then, mark expired what is no longer worth sending."""
        now = self.clock()
        if now - self._last_sweep >= EXPIRE_EVERY:
            self._last_sweep = now
            if self.outbox.expire_stale(now):
                for lane in self.lanes.values():
                    lane.stale = True

    # --- sending ---------------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Send everything that may go now, on every platform, then return how many sends
        were started (used by `pitboard dispatch` and tests, which call it in turn)."""
        self._sweep()
        started = 0
        for lane in self.lanes.values():
            lane.refill()
            while not self.stopping:
                if len(lane.busy) >= lane.slots:
                    await lane.wait(None)
                    continue
                wait = lane.limiter.global_wait(self.pace())
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue
                due = lane.pick(self.pace())
                if due is None:
                    break
                started += self._start(lane, due, follow=False)
        await self.drain()
        return started

    async def run_until_idle(self, stop: asyncio.Event | None = None, poll: float = 0.05) -> None:
        """Keep sending until nothing is pending (or `stop` is set)."""
        while self.pending() and not (stop and stop.is_set()):
            if await self.run_once() == 0:
                await asyncio.sleep(poll)

    async def serve(self) -> None:
        """Send continuously on every platform until `stop()` (the running bot)."""
        await asyncio.gather(*(self._serve(lane) for lane in self.lanes.values()))

    async def _serve(self, lane: Lane) -> None:
        last_refill = float("-inf")
        while not self.stopping:
            now = self.pace()
            if lane.stale or now - last_refill >= REFILL_EVERY:
                self._sweep()
                lane.refill()
                last_refill = now
            if len(lane.busy) >= lane.slots:
                await lane.wait(None)
                continue
            wait = lane.limiter.global_wait(now)
            if wait > 0:
                await lane.wait(wait)
                continue
            due = lane.pick(now)
            if due is None:
                until = lane.next_time()
                timeout = REFILL_EVERY if until is None else min(REFILL_EVERY, max(until - now, 0.001))
                await lane.wait(timeout)
                continue
            # A burst (up to a window's worth) is claimed in one commit: the sends start
            # only after it, at the next await, so each claim still lands before its send.
            with self.outbox.batch():
                self._start(lane, due, follow=True)
                while len(lane.busy) < lane.slots and lane.limiter.global_wait(now) <= 0 and not self.stopping:
                    due = lane.pick(now)
                    if due is None:
                        break
                    self._start(lane, due, follow=True)

    def stop(self) -> None:
        """Start no new send (the ones in flight finish)."""
        self.stopping = True
        for lane in self.lanes.values():
            lane.poke()

    async def drain(self) -> None:
        """Wait for the sends in flight to finish (used at shutdown, too). asyncio.wait,
        not gather: if the waiting is cancelled, the sends themselves are not."""
        for lane in self.lanes.values():
            while lane.tasks:
                await asyncio.wait(set(lane.tasks))
        for task in list(self._refreshing):  # a summary waiting out its spacing: the next start redoes it
            task.cancel()

    def _start(self, lane: Lane, due: Due, follow: bool) -> int:
        """Claim `due` and send it in a task of its own; 0 if it was not sent."""
        lane.forget(due.address)
        if self._expired(due):
            self.outbox.settle(due.id, "expired", self.clock(), _expiry(due.kind))
            self._next(lane, due, follow)
            return 0
        if not self.outbox.claim(due.id):
            return 0  # claimed elsewhere since it was read: theirs to send
        started = self.pace()
        lane.limiter.take(due.address, started, lane._group(due.address))
        lane.busy.add(due.address)
        task = asyncio.create_task(self._deliver(lane, due, started, follow))
        lane.tasks.add(task)
        task.add_done_callback(lane.tasks.discard)
        return 1

    def _expired(self, due: Due) -> bool:
        now = self.clock()
        if due.kind == "reminder":
            return due.start_epoch is not None and now > due.start_epoch
        fresh = FRESH_FOR.get(due.kind)
        return fresh is not None and bool(due.born) and now - _epoch(due.born) > fresh

    def _next(self, lane: Lane, due: Due, follow: bool) -> None:
        """After a delivery is done with: its chat's next one, at once in the running bot
        (a `run_once` pass takes each chat's next at its next pass, as rounds did)."""
        if follow and not self.stopping:
            nxt = self.outbox.next_head(due.channel_id, self.clock())
            if nxt is not None:
                lane.push(nxt)
        else:
            lane.stale = True

    async def _deliver(self, lane: Lane, due: Due, started: float, follow: bool) -> None:
        platform = lane.platform
        answered, place, inside = False, None, ""
        try:
            post = self._post(due.update_id)
            channel = self.channels.get(due.channel_id)
            if due.action == "edit" and due.message_id and platform.capabilities.edits:
                message = await self._pictured(post, channel, self._render(post, channel, corrected=True), True)
                # A post in a thread or topic is edited there ("where/ids").
                where, _, ids = due.message_id.rpartition("/")
                inside = where if where and where != due.address else ""
                ref = MessageRef(due.platform, where or due.address, ids)
                # A correction of another length may add or remove messages: keep the new ids.
                ref = await asyncio.wait_for(platform.edit(ref, message), SEND_TIMEOUT) or ref
            else:
                place = await self._place(platform, channel, post)
                if post.kind == "weekend":
                    # The weekend's opening is its thread, headed by the summary: nothing more to send.
                    ref = MessageRef(due.platform, due.address, place.summary if place and place.summary else "-")
                else:
                    corrected = due.action in ("edit", "repost")
                    message = await self._pictured(post, channel, self._render(post, channel, corrected), corrected)
                    target = place.address if place else due.address
                    ref = await asyncio.wait_for(platform.send(target, message, nonce=f"pb{due.id}r{post.revision}"),
                                                 SEND_TIMEOUT)
            answered = True
            kept = f"{ref.channel}/{ref.message_id}" if ref.channel != due.address else ref.message_id
            self.outbox.sent(due, kept, post.revision, datetime.now(timezone.utc).isoformat())
            self._next(lane, due, follow)
            if place is not None and place.summary and post.kind != "weekend":
                link = getattr(platform, "link", None)
                url = link(ref.channel, ref.message_id.split(",")[0]) if link else None
                if url:  # the summary lists the weekend's posts, each a link to it
                    self.places.add_post(channel.id, place.scope, message.title, url)
                await self._summarise(platform, channel, place)
        except SendFailed as failure:
            # A deleted thread reads as a deleted channel (Discord's 404), a topic as "place".
            lost = failure.outcome in ("gone", "place")
            if place is not None and lost:
                # The thread or topic was deleted (not the chat): a new one for the next try.
                self.places.forget(due.channel_id, place.scope)
                failure = SendFailed("place", f"its thread or topic is gone: {failure.reason}")
            elif inside and lost:
                # The correction of a post whose thread was deleted: posted anew, in a new thread.
                self.places.forget_address(due.channel_id, inside)
                self.outbox.repost(due.id)
                failure = SendFailed("place", f"its thread or topic is gone: {failure.reason}")
            elif failure.outcome == "place":  # not sent into a place: nothing to open anew
                failure = SendFailed("rejected", failure.reason)
            self._failed(lane, due, failure, follow)
        except (asyncio.TimeoutError, TimeoutError, ConnectionError, OSError) as err:
            self._failed(lane, due, SendFailed("transient", f"{type(err).__name__}: {err}".rstrip(": ")), follow)
        except Exception as err:  # noqa: BLE001 - a bug in one post must not stop the others
            log.exception("delivery %s failed", due.id)
            self._failed(lane, due, SendFailed("rejected", f"internal error: {type(err).__name__}: {err}"), follow)
        finally:
            # Answered or not, the platform has counted it by now.
            lane.limiter.settle(due.address, started, self.pace(), observed=answered)
            lane.busy.discard(due.address)
            lane.poke()

    def _post(self, update_id: int) -> Post:
        """The update as it stands now (a correction shows at once), decoded once per
        revision rather than once per channel: a fan-out shares it."""
        key = (update_id, self.outbox.revision(update_id))
        post = self._posts.get(key)
        if post is None:
            post = self._posts[key] = self.outbox.post(update_id)
            if post.revision != key[1]:  # corrected between the two reads: keep the newer
                self._posts.pop(key)
            while len(self._posts) > RENDERED:
                self._posts.popitem(last=False)
        return post

    def _render(self, post: Post, channel: Channel, corrected: bool) -> Message:
        # Everything render_post reads from the channel, and nothing else, is in the key.
        key = (post.id, post.revision, corrected, channel.lang, channel.timezone, channel.spoiler_mode,
               channel.mention_role)
        if key not in self._rendered:
            self._rendered[key] = render_post(post, channel, corrected=corrected)
            while len(self._rendered) > RENDERED:
                self._rendered.popitem(last=False)
        return self._rendered[key]

    async def _place(self, platform: Platform, channel: Channel, post: Post) -> Place | None:
        """Where this post goes for a channel that wants a thread or topic per race weekend
        (or series): the one made before, else a new one opened with its summary. None: the
        channel itself (no grouping asked, a platform without threads, a post of no event)."""
        if self.places is None or channel.threads == "off" or not platform.capabilities.places \
                or post.kind in UNGROUPED or not post.event_id:
            return None
        scope = f"series:{post.series_id}" if channel.threads == "series" and post.series_id else f"event:{post.event_id}"
        place = self.places.get(channel.id, scope)
        if place is None:
            lang = Lang(channel.lang, channel.timezone)
            heading = self.headings(scope, lang, _hides_results(channel), []) if self.headings else None
            if heading is None:
                return None
            opened = await asyncio.wait_for(platform.open_place(channel.address, heading.title, heading,
                                                                 summary=scope.startswith("event:")), SEND_TIMEOUT)
            place = Place(channel.id, scope, opened.channel, opened.message_id or None)
            self.places.save(place)
            self._summarised[(channel.id, scope)] = self.pace()  # just written: its next edit waits
        return place

    async def _summarise(self, platform: Platform, channel: Channel, place: Place) -> None:
        """Bring a weekend's summary up to date after a post went into its thread: at most
        once every `summary_every` seconds per place (platforms limit edits), the last
        change always shown."""
        key = (channel.id, place.scope)
        if key in self._summarising:
            return  # an update is already waiting: it will show this post too
        wait = self._summarised.get(key, float("-inf")) + self.summary_every - self.pace()
        self._summarising.add(key)

        async def refresh() -> None:
            """Wait out the edit spacing, then edit the summary."""
            try:
                if wait > 0:
                    await asyncio.sleep(wait)
                self._summarised[key] = self.pace()
                heading = self.headings(place.scope, Lang(channel.lang, channel.timezone), _hides_results(channel),
                                        self.places.posts(channel.id, place.scope))
                if heading is None:
                    return  # the event is gone: nothing to show
                where, _, ids = place.summary.rpartition("/")
                await asyncio.wait_for(platform.edit(MessageRef(platform.name, where, ids), heading), SEND_TIMEOUT)
            except Exception as err:  # noqa: BLE001 - a summary is a convenience: the posts matter
                log.info("the summary of %s in %s:%s was not updated: %s", place.scope, channel.platform,
                         channel.address, getattr(err, "reason", err))
            finally:
                self._summarising.discard(key)

        if wait > 0:
            task = asyncio.ensure_future(refresh())
            self._refreshing.add(task)
            task.add_done_callback(self._refreshing.discard)
        else:
            await refresh()

    async def _pictured(self, post: Post, channel: Channel, message: Message, corrected: bool) -> Message:
        """The message with its card, for a channel that wants one and a platform that can
        show it. The card is drawn in a thread (a 61-car card takes a tenth of a second or
        more, too long for the event loop); if it cannot be drawn, the text goes alone."""
        if not (channel.images and post.kind in CARD_KINDS and self.platforms[channel.platform].capabilities.images):
            return message
        spoiler = channel.spoiler_mode
        key = (post.id, post.revision, corrected, channel.lang, spoiler)
        task = self._cards.get(key)
        if task is None:
            task = self._cards[key] = asyncio.ensure_future(
                asyncio.to_thread(post_card, post, Lang(channel.lang), spoiler, corrected))
            while len(self._cards) > CARDS:
                self._cards.popitem(last=False)
        try:
            image = await asyncio.shield(task)
        except Exception as err:  # noqa: BLE001 - a card is a bonus: the post goes without it
            log.warning("the card of update %s could not be drawn (%s); sending the text alone", post.id, err)
            # A correction keeps the card already posted rather than removing it.
            return replace(message, image=Image(b"", "", card_name(post), spoiler, keep=True)) if corrected \
                else message
        return replace(message, image=image)

    # --- failures --------------------------------------------------------------------------------

    def _failed(self, lane: Lane, due: Due, failure: SendFailed, follow: bool) -> None:
        now, pace = self.clock(), self.pace()
        reason = failure.reason[:500]
        if failure.outcome == "gone":
            self.channels.pause(due.channel_id, reason)
            self._retry(lane, due, now, reason, None)  # kept: it goes out if the channel comes back
            lane.forget(due.address)
            log.warning("channel %s:%s is gone (%s); its subscriptions are paused", due.platform, due.address, reason)
        elif failure.outcome == "moved" and failure.new_address:
            self.channels.move(due.channel_id, failure.new_address)
            if self.places is not None:  # a place in the old chat (a pinned summary) is the old chat's
                self.places.forget_channel(due.channel_id)
            self._retry(lane, due, now, reason, None)  # straight to the new address, at the next look
            lane.stale = True
            log.info("channel %s:%s moved to %s", due.platform, due.address, failure.new_address)
        elif failure.outcome == "place":
            self._retry(lane, due, now, reason, None)  # at once: the next try opens a new thread
            lane.stale = True
        elif failure.outcome == "rejected" and due.action == "edit":
            # The post to correct is gone (deleted by a moderator): post the correction anew.
            self.outbox.repost(due.id)
            self._retry(lane, due, now, reason, None)
            lane.stale = True
        elif failure.outcome == "rejected":
            self.outbox.settle(due.id, "failed", now, reason)
            self._next(lane, due, follow)
        elif failure.outcome == "retry_after":
            wait = max(failure.retry_after or 1.0, 0.0)
            log.info("%s:%s asks to wait %.1f s; delivery %s will be retried then", due.platform, due.address,
                     wait, due.id)
            if failure.is_global or self._mass_throttle(lane, due.address, pace):
                lane.limiter.block(pace + wait)
            self._retry(lane, due, now + wait, reason, pace + wait, follow)
        elif failure.outcome == "later":
            # This post alone must wait (a published post's edits an hour): no throttling.
            wait = max(failure.retry_after or 60.0, 0.0)
            self._retry(lane, due, now + wait, reason, pace + wait, follow)
        else:
            backoff = min(MAX_BACKOFF, 2.0 ** min(due.attempts, 16)) * random.uniform(0.8, 1.2)
            self._retry(lane, due, now + backoff, reason, pace + backoff, follow)

    def _retry(self, lane: Lane, due: Due, not_before: float, reason: str, at: float | None,
               follow: bool = False) -> None:
        """Back to pending, at the head of its chat; kept in memory for `at` (pace seconds)
        when it will be tried again by this lane, else loaded again from the outbox. A
        correction waiting holds back none of the chat's new posts (an edit changes a post
        already there): the chat's next one goes meanwhile, and the outbox gives the edit
        back once it is due."""
        self.outbox.settle(due.id, "pending", not_before, reason)
        if due.action == "edit":
            self._next(lane, due, follow)
        elif at is not None and not self.stopping:
            lane.push(replace(due, attempts=due.attempts + 1), at)

    @staticmethod
    def _mass_throttle(lane: Lane, chat: str, pace: float) -> bool:
        """Whether many chats were told to wait at once: then the platform means everyone."""
        lane.throttled.append((pace, chat))
        while lane.throttled and pace - lane.throttled[0][0] > 1.0:
            lane.throttled.popleft()
        return len({c for _, c in lane.throttled}) >= MASS_THROTTLE


def _hides_results(channel: Channel) -> bool:
    """Whether a channel's summary must not name a pole or a winner: it hides results, or
    shows them late (the summary would tell them before its own posts do)."""
    return channel.spoiler_mode or channel.spoiler_delay_min > 0


def _expiry(kind: str) -> str:
    if kind == "reminder":
        return "expired: the session had started"
    return f"expired: not sent within {FRESH_FOR[kind] // 3600} h of the {kind.replace('_', ' ')} update"
