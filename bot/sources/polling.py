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
from dataclasses import dataclass
from datetime import datetime, timezone

import httpx

log = logging.getLogger(__name__)
MAX_BACKOFF = 300.0
MAX_BODY = 20_000_000


class FeedError(Exception):
    """A poll that must be retried later; `retry_after` when the server said when."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


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


class JsonFeed:
    """GETs JSON documents with conditional requests and a minimum spacing between them.
    The last body of each URL is kept with its ETag, so a 304 still yields the document
    (after a restart the first request is unconditional)."""

    def __init__(self, min_gap: float = 0.0, timeout: float = 10.0):
        self.min_gap = min_gap  # seconds between two requests (OpenF1: 30 per 10 s -> 0.34)
        self.timeout = timeout
        self._last_request = 0.0
        self._bodies: dict[str, tuple[str, object]] = {}  # url -> (etag, document)

    async def get(self, url: str, state: SourceState) -> tuple[object, bool]:
        """The document at `url`, and whether it changed since the last poll."""
        wait = self._last_request + self.min_gap - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_request = time.monotonic()
        headers = {"Accept": "application/json"}
        if url in self._bodies:
            headers["If-None-Match"] = self._bodies[url][0]
        try:
            async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=True) as client:
                response = await client.get(url, headers=headers)
        except httpx.HTTPError as err:
            raise FeedError(f"{type(err).__name__} fetching {url}") from None
        if response.status_code == 304 and url in self._bodies:
            return self._bodies[url][1], False
        if response.status_code == 429:
            retry = response.headers.get("Retry-After", "")
            raise FeedError(f"429 Too Many Requests from {url}", float(retry) if retry.isdigit() else None)
        if response.status_code >= 400:
            raise FeedError(f"{response.status_code} from {url}")
        if len(response.content) > MAX_BODY:
            raise FeedError(f"{url} answered more than {MAX_BODY // 1_000_000} MB")
        try:
            data = response.json()
        except ValueError:
            raise FeedError(f"{url} answered something that is not JSON (truncated or garbage)") from None
        if response.headers.get("ETag"):
            self._bodies[url] = (response.headers["ETag"], data)
            state.etags[url] = response.headers["ETag"]  # shown by `pitboard sources`
        return data, True


async def guarded_poll(db, name: str, work, now: float | None = None) -> int:
    """Run one poll's `work(state)` unless the source is backing off; record how it went.
    `work` reads everything first and stores last, so a failure changes nothing."""
    state = load_state(db, name)
    now = time.time() if now is None else now
    if now < state.next_poll:
        return 0
    try:
        items = await work(state)
    except FeedError as err:
        state.failures += 1
        wait = err.retry_after if err.retry_after is not None else min(MAX_BACKOFF, 2.0 ** state.failures)
        state.next_poll, state.last_error = now + wait, err.reason
        log.warning("source %s: %s; next try in %.0f s", name, err.reason, wait)
        save_state(db, state)
        return 0
    state.items += items
    state.failures, state.next_poll, state.last_error = 0, 0.0, None
    state.last_poll = datetime.now(timezone.utc).isoformat()
    save_state(db, state)
    return items
