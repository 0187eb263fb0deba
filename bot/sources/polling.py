"""Polling a feed over HTTP, politely and safely.

Each source keeps its state in the database (ETags, when it may poll next, items read, the
last error): conditional requests spare the server, a per-source spacing keeps within its
rate limit, and a 429, a 5xx, a timeout or an answer that is not valid JSON leaves the store
as it was and backs off (honouring Retry-After) before the next try.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone

import httpx

log = logging.getLogger(__name__)
MAX_BACKOFF = 300.0
MAX_BODY = 20_000_000


class FeedError(Exception):
    """A poll that must be retried later; `retry_after` when the server said when."""

    def __init__(self, reason: str, retry_after: float | None = None, status: int | None = None):
        super().__init__(reason)
        self.reason, self.retry_after, self.status = reason, retry_after, status


@dataclass
class SourceState:
    name: str
    etags: dict
    items: int = 0
    failures: int = 0
    next_poll: float = 0.0
    last_error: str | None = None
    last_poll: str | None = None


def load_state(db, name: str) -> SourceState:
    """The source's state, or a fresh one."""
    row = db.execute("SELECT etags, items, failures, next_poll, last_error, last_poll FROM source_state WHERE name = ?",
                     [name]).fetchone()
    if row is None:
        return SourceState(name, {})
    return SourceState(name, json.loads(row[0] or "{}"), row[1] or 0, row[2] or 0, row[3] or 0.0, row[4], row[5])


def save_state(db, state: SourceState) -> None:
    """Remember the state for the next poll (and the next start)."""
    db["source_state"].upsert({"name": state.name, "etags": json.dumps(state.etags), "items": state.items,
                               "failures": state.failures, "next_poll": state.next_poll,
                               "last_error": state.last_error, "last_poll": state.last_poll}, pk="name")


class RateLimit:
    """At most `count` requests in any `seconds`, for each (count, seconds) window.

    A short wait is slept through; a long one (an hourly budget spent) is not: it becomes a
    FeedError with the time to wait, so the source backs off instead of holding a worker."""

    MAX_SLEEP = 5.0

    def __init__(self, *windows: tuple[int, float]):
        self.windows = windows
        self._sent: deque[float] = deque(maxlen=max((c for c, _ in windows), default=1))

    def wait_needed(self, now: float) -> float:
        """Seconds until one more request fits every window."""
        wait = 0.0
        for count, seconds in self.windows:
            recent = [t for t in self._sent if t > now - seconds]
            if len(recent) >= count:
                wait = max(wait, recent[-count] + seconds - now)
        return wait

    async def acquire(self) -> None:
        """Take a slot, sleeping a little if need be; raise FeedError if the wait is long."""
        wait = self.wait_needed(time.monotonic())
        if wait > self.MAX_SLEEP:
            raise FeedError(f"its own rate limit is spent; {wait:.0f} s until the next request", wait)
        if wait > 0:
            await asyncio.sleep(wait)
        self._sent.append(time.monotonic())


class HttpFeed:
    """GETs documents with conditional requests (ETag, Last-Modified) inside a rate limit.
    The last body of each URL is kept with its validators, so a 304 still yields the
    document (after a restart the first request is unconditional)."""

    def __init__(self, limit: RateLimit | None = None, timeout: float = 10.0):
        self.limit = limit or RateLimit()
        self.timeout = timeout
        self._bodies: dict[str, tuple[dict, object]] = {}  # url -> (validators, document)

    async def get(self, url: str, state: SourceState, as_json: bool = True, remember: bool = True) -> tuple[object, bool]:
        """The document at `url` (parsed JSON, or bytes), and whether it changed since the last
        poll. `remember=False` for documents read once (articles): nothing is kept of them."""
        await self.limit.acquire()
        headers = {"Accept": "application/json" if as_json else "*/*"}
        validators = self._bodies.get(url, ({}, None))[0]
        if "etag" in validators:
            headers["If-None-Match"] = validators["etag"]
        if "last-modified" in validators:
            headers["If-Modified-Since"] = validators["last-modified"]
        try:
            async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=True) as client:
                response = await client.get(url, headers=headers)
        except httpx.HTTPError as err:
            raise FeedError(f"{type(err).__name__} fetching {url}") from None
        if response.status_code == 304:
            if url in self._bodies:
                return self._bodies[url][1], False
            raise FeedError(f"{url} answered 304 Not Modified to a request that was not conditional")
        if response.status_code == 429:
            retry = response.headers.get("Retry-After", "")
            raise FeedError(f"429 Too Many Requests from {url}", float(retry) if retry.isdigit() else None, 429)
        if response.status_code >= 400:
            raise FeedError(f"{response.status_code} from {url}", status=response.status_code)
        if len(response.content) > MAX_BODY:
            raise FeedError(f"{url} answered more than {MAX_BODY // 1_000_000} MB")
        data: object = response.content
        if as_json:
            try:
                data = response.json()
            except ValueError:
                raise FeedError(f"{url} answered something that is not JSON (truncated or garbage)") from None
        found = {k.lower(): v for k, v in response.headers.items() if k.lower() in ("etag", "last-modified")}
        if found and remember:
            self._bodies[url] = (found, data)
            state.etags[url] = found.get("etag") or found["last-modified"]  # shown by `pitboard sources`
        return data, True


def seen(db, source: str, item: str) -> bool:
    """Whether the source has read this item (an article, a file version) before."""
    return db.execute("SELECT 1 FROM source_items WHERE source = ? AND item = ?", [source, item]).fetchone() is not None


def mark_seen(db, source: str, item: str) -> None:
    """Remember the item as read, so it is never read again."""
    db["source_items"].insert({"source": source, "item": item, "seen_at": datetime.now(timezone.utc).isoformat()},
                              pk=("source", "item"), ignore=True)


async def guarded_poll(db, name: str, work, now: float | None = None, force: bool = False) -> int:
    """Run one poll's `work(state)` unless the source is backing off; record how it went.
    `work` reads everything first and stores last, so a FeedError changes nothing; it may
    set `state.last_error` for a problem that retrying will not fix (a malformed file).
    `force` polls even while backing off (`pitboard poll`: someone asked for it now)."""
    state = load_state(db, name)
    now = time.time() if now is None else now
    if now < state.next_poll and not force:
        return 0
    # A problem with an item (a malformed file) stands until a poll reads something new or
    # finds another; a failed request is over once a poll succeeds.
    standing = state.last_error if not state.failures else None
    state.last_error = None  # `work` sets it for a problem that retrying will not fix
    try:
        items = await work(state)
    except FeedError as err:
        state.failures += 1
        wait = err.retry_after if err.retry_after is not None else min(MAX_BACKOFF, 2.0 ** state.failures)
        state.next_poll, state.last_error = now + wait, err.reason
        log.warning("source %s: %s; next try in %.0f s", name, err.reason, wait)
        save_state(db, state)
        return 0
    if state.last_error:
        log.warning("source %s: %s", name, state.last_error)
    elif not items:
        state.last_error = standing
    state.items += items
    state.failures, state.next_poll = 0, 0.0
    state.last_poll = datetime.now(timezone.utc).isoformat()
    save_state(db, state)
    return items
