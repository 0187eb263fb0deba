"""Polling a feed over HTTP, politely and safely.

Each source keeps its state in the database (when it may poll next, items read, the last
error): conditional requests (ETag, Last-Modified) spare the server, one rate limit per API
keeps within its budget, and a 429, a 5xx, a timeout, an answer that is not valid JSON (or
anything else a hostile answer breaks) leaves the store as it was and backs off (honouring
Retry-After, up to an hour) before the next try.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import httpx

from bot.ports import FeedError
from bot.ratelimit import Window
from bot.sources.oauth import PasswordGrant

log = logging.getLogger(__name__)
MAX_RETRY_AFTER = 3600.0  # a server asking for more is not believed: an hour at most
MAX_BODY = 20_000_000
ERROR_BODY = 64 * 1024  # what is read of a 404's body
__all__ = ["FeedError", "HttpFeed", "RateLimit", "shared_limit", "shown_url"]


class RateLimit:
    """At most `count` requests in any `seconds`, for each (count, seconds) window, and at
    least `spacing` seconds between two requests.

    Spacing paces a burst so that a short window is never used up (a poll making three
    requests every second stays inside 30 per 10 s instead of stalling for 5 s after 30).
    A short wait is slept through; a long one (an hourly budget spent) is not: it becomes a
    FeedError with the time to wait, so the source backs off instead of holding a worker."""

    MAX_SLEEP = 5.0

    def __init__(self, *windows: tuple[int, float], spacing: float = 0.0):
        self.windows, self.spacing = windows, spacing
        self._windows = [Window(count, seconds) for count, seconds in windows]
        self._last: float | None = None

    def wait_needed(self, now: float) -> float:
        """Seconds until one more request fits every window and the spacing."""
        wait = max(0.0, self._last + self.spacing - now) if self._last is not None and self.spacing else 0.0
        return max([wait] + [w.wait(now) for w in self._windows])

    def taken(self) -> tuple[int, float | None]:
        """How many requests the longest window holds, and when the latest was made."""
        longest = max(self._windows, key=lambda w: w.seconds, default=None)
        return (len(longest.times) if longest else 0), self._last

    def record(self, at: float) -> None:
        """Count a request made at `at` (monotonic seconds)."""
        self._last = at if self._last is None else max(self._last, at)
        for window in self._windows:
            window.take(at)

    async def acquire(self) -> None:
        """Take a slot, sleeping a little if need be; raise FeedError if the wait is long."""
        wait = self.wait_needed(time.monotonic())
        if wait > self.MAX_SLEEP:
            raise FeedError(f"its own rate limit is spent; {wait:.0f} s until the next request", wait)
        if wait > 0:
            await asyncio.sleep(wait)
        self.record(time.monotonic())


class HttpFeed:
    """GETs documents with conditional requests (ETag, Last-Modified) inside a rate limit.
    The last body of each URL is kept with its validators, so a 304 still yields the
    document (after a restart the first request is unconditional)."""

    def __init__(self, limit: RateLimit | None = None, timeout: float = 10.0, auth: PasswordGrant | None = None):
        self.limit = limit or RateLimit()
        self.timeout = timeout
        self.auth = auth  # a bearer token sent with every request, when the API needs one
        self._bodies: dict[str, tuple[dict, object]] = {}  # url -> (validators, document)
        # One client for every request: its connections are reused (no new TLS handshake per
        # request), and building one costs ~20 ms on the event loop. A client belongs to one
        # event loop, so a feed used from another loop (a test, the CLI) gets its own.
        self._client: httpx.AsyncClient | None = None
        self._client_loop = None

    def _client_now(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop or self._client.is_closed:
            self._client = httpx.AsyncClient(timeout=self.timeout, follow_redirects=True)
            self._client_loop = loop
        return self._client

    async def aclose(self) -> None:
        """Close the connections (at shutdown)."""
        if self._client is not None and self._client_loop is asyncio.get_running_loop():
            await self._client.aclose()
        self._client = None

    async def get(self, url: str, as_json: bool = True, remember: bool = True,
                  nothing: Callable[[bytes], bool] | None = None) -> tuple[object, bool]:
        """The document at `url` (parsed JSON, or bytes), and whether it changed since the last
        poll. `remember=False` for documents read once (articles): nothing is kept of them.
        `nothing` tells a 404 that means "no records yet" (an API's way of answering an empty
        list) from one that means a wrong address: for the first, the document is None."""
        status, found, body, retry = await self._request(url, as_json)
        if status == 401 and self.auth is not None:
            self.auth.expire()  # the token was refused (revoked, expired early): one more try with a new one
            status, found, body, retry = await self._request(url, as_json)
        shown = shown_url(url)
        if status == 404 and nothing is not None and body is not None and nothing(body):
            had = self._bodies.pop(url, None)
            return None, had is not None and had[1] not in (None, [], {})
        if status == 304:
            if url in self._bodies:
                return self._bodies[url][1], False
            raise FeedError(f"{shown} answered 304 Not Modified to a request that was not conditional")
        if status == 401:
            raise FeedError(f"401 from {shown}: it needs an account" + ("" if self.auth else "; see the README"),
                            status=401)
        if status == 429:
            raise FeedError(f"429 Too Many Requests from {shown}", retry, 429)
        if status >= 400:
            raise FeedError(f"{status} from {shown}", status=status)
        if body is None:
            raise FeedError(f"{shown} answered more than {MAX_BODY // 1_000_000} MB")
        data: object = body
        if as_json:
            try:
                data = json.loads(body)
            except (ValueError, RecursionError):
                raise FeedError(f"{shown} answered something that is not JSON (truncated or garbage)") from None
        if found and remember:
            self._bodies[url] = (found, data)
        return data, True

    async def _request(self, url: str, as_json: bool) -> tuple[int, dict, bytes | None, float | None]:
        """One GET inside the rate limit, conditional when a body is kept, with its deadline."""
        await self.limit.acquire()
        headers = {"Accept": "application/json" if as_json else "*/*"}
        if self.auth is not None:
            headers.update(await self.auth.header(self._client_now(), self.timeout))
        validators = self._bodies.get(url, ({}, None))[0]
        if "etag" in validators:
            headers["If-None-Match"] = validators["etag"]
        if "last-modified" in validators:
            headers["If-Modified-Since"] = validators["last-modified"]
        shown = shown_url(url)
        try:
            # The client's timeout is per read: a server dripping a byte at a time would
            # hold the source for ever; the whole request gets one deadline.
            return await asyncio.wait_for(self._fetch(url, headers), self.timeout * 3)
        except asyncio.TimeoutError:
            raise FeedError(f"{shown} took more than {self.timeout * 3:.0f} s to answer") from None
        except httpx.HTTPError as err:
            raise FeedError(f"{type(err).__name__} fetching {shown}") from None

    async def _fetch(self, url: str, headers: dict) -> tuple[int, dict, bytes | None, float | None]:
        """Status, validators, body (None when over MAX_BODY: counted as it arrives, so a
        small compressed answer cannot grow into gigabytes) and Retry-After."""
        async with self._client_now().stream("GET", url, headers=headers) as response:
            found = {k.lower(): v for k, v in response.headers.items() if k.lower() in ("etag", "last-modified")}
            retry = response.headers.get("Retry-After", "")
            retry_after = min(float(retry), MAX_RETRY_AFTER) if retry.isdigit() else None
            if response.status_code == 404:  # its few words may say "no records yet"
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > ERROR_BODY:
                        return 404, found, None, retry_after
                return 404, found, bytes(body), retry_after
            if response.status_code == 304 or response.status_code >= 400:
                return response.status_code, found, b"", retry_after
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_BODY:
                    return response.status_code, found, None, retry_after
            return response.status_code, found, bytes(body), retry_after


def shown_url(url: str) -> str:
    """The URL as errors and logs show it: without a password or a query (which may hold a key)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:  # out of range: shown as written, never raised from an error message
        port = parts.netloc.rsplit(":", 1)[-1] if ":" in parts.netloc else None
    if port:
        host += f":{port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


_SHARED_LIMITS: dict[str, RateLimit] = {}


def shared_limit(api: str, *windows: tuple[int, float], spacing: float = 0.0) -> RateLimit:
    """One rate limit per API for the whole process: two sources on the same API (a race
    and a qualifying session) share its budget rather than each spending it in full."""
    if api not in _SHARED_LIMITS:
        _SHARED_LIMITS[api] = RateLimit(*windows, spacing=spacing)
    return _SHARED_LIMITS[api]


class FeedSource:
    """What every polled source over HTTP shares: its feed, closed at the end. Subclasses
    are dataclasses with `name`, `interval`, `live_interval` and `feed`."""

    feed: HttpFeed

    async def aclose(self) -> None:
        """Close the source's connections."""
        await self.feed.aclose()
