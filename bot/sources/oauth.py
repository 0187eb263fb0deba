"""An OAuth2 bearer token from a username and password (the "password" grant), as OpenF1
hands one to its account holders for live data: POSTed as a form to the token URL, answered
with `access_token` and `expires_in` (an hour), sent as `Authorization: Bearer …`.

The token is fetched on first use and again shortly before it expires, or when the API
refuses it (a 401). Neither the password nor the token ever appears in an error or a log
line: a refusal says which environment variables to check.
"""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import httpx

from bot.ports import FeedError

RENEW_BEFORE = 120.0  # seconds before expiry the token is renewed: a poll never carries a dead one
DEFAULT_LIFETIME = 3600.0  # when the answer does not say
MAX_ANSWER = 64 * 1024


class PasswordGrant:
    """A bearer token for `username`/`password` from `token_url`, kept until it nearly
    expires. `names` says where the credentials came from, for error messages."""

    def __init__(self, token_url: str, username: str, password: str, names: str = "the credentials",
                 clock: Callable[[], float] = time.monotonic):
        self.token_url, self.names, self.clock = token_url, names, clock
        self._form = {"username": username, "password": password}
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock: asyncio.Lock | None = None
        self.fetched = 0  # how many tokens were fetched (status, tests)

    def __repr__(self) -> str:  # never the password or the token
        return f"PasswordGrant({self.token_url!r})"

    def expire(self) -> None:
        """Forget the token (the API refused it): the next request fetches a new one."""
        self._token = None

    async def header(self, client: httpx.AsyncClient, timeout: float) -> dict[str, str]:
        """The Authorization header, fetching a token first if there is none fit to use."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # two polls at once fetch one token, not two
            if self._token is None or self.clock() >= self._renew_at:
                await self._fetch(client, timeout)
        return {"Authorization": f"Bearer {self._token}"}

    async def _fetch(self, client: httpx.AsyncClient, timeout: float) -> None:
        shown = httpx.URL(self.token_url).copy_with(query=None, username=None, password=None)
        try:
            response = await asyncio.wait_for(client.post(self.token_url, data=self._form, follow_redirects=False), timeout)
        except TimeoutError:
            raise FeedError(f"the token endpoint {shown} took more than {timeout:.0f} s to answer") from None
        except httpx.HTTPError as err:
            raise FeedError(f"{type(err).__name__} asking {shown} for a token") from None
        if response.status_code in (400, 401, 403):
            # Retrying at once would only be refused again (and may lock the account).
            raise FeedError(f"{shown} refused the account ({response.status_code}): check {self.names}", 600.0,
                            response.status_code)
        if response.status_code >= 300:
            raise FeedError(f"{response.status_code} from {shown} asking for a token", status=response.status_code)
        try:
            answer = json.loads(response.content[:MAX_ANSWER])
            token = answer["access_token"]
            lifetime = float(answer.get("expires_in") or DEFAULT_LIFETIME)
        except (ValueError, KeyError, TypeError):
            raise FeedError(f"{shown} answered something that is not a token") from None
        if not isinstance(token, str) or not token or any(c in token for c in "\r\n"):
            raise FeedError(f"{shown} answered something that is not a token")
        # Renewed a little before it expires (a quarter of its life for a short-lived one).
        self._token = token
        self._renew_at = self.clock() + lifetime - min(RENEW_BEFORE, lifetime / 4)
        self.fetched += 1
