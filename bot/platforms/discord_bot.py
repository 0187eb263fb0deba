"""Discord, over discord.py 2.x: announcements out, slash commands in.

One discord.Client on the core's event loop, with only the guilds intent (it reads no
messages). Posts go through discord.py's HTTP client, so its per-route buckets and
429 handling apply; each create carries a `nonce` with `enforce_nonce`, so a retried
send returns the message already made instead of posting it twice. In an announcement
channel the post is then published to the servers that follow it.
"""
from __future__ import annotations

import asyncio
import logging

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.announce.ratelimit import DISCORD
from bot.app import App
from bot.messages import Message
from bot.platforms.base import Capabilities, MessageRef, SendFailed
from bot.platforms.discord_commands import DiscordCommands, sync_if_changed
from bot.render.discord_embeds import render_discord, role_id

log = logging.getLogger(__name__)
ANNOUNCEMENT = 5  # Discord's channel type for announcement (news) channels
READY_TIMEOUT = 60.0


def failure(err: Exception, editing: bool = False) -> SendFailed:
    """What the dispatcher should do about a Discord error."""
    if isinstance(err, discord.HTTPException):
        text = f"{err.status} {err.text or err.response.reason}".strip()
        if err.status == 429:
            retry = getattr(err, "retry_after", None) or 1.0
            return SendFailed("retry_after", f"429 Too Many Requests: {err.text}", retry_after=float(retry))
        if isinstance(err, discord.NotFound) and editing and err.code == 10008:
            return SendFailed("rejected", f"the post to correct is gone ({text})")  # Unknown Message: post anew
        if isinstance(err, (discord.Forbidden, discord.NotFound)):
            return SendFailed("gone", text)
        if err.status >= 500:
            return SendFailed("transient", text)
        return SendFailed("rejected", text)
    if isinstance(err, (asyncio.TimeoutError, aiohttp.ClientError, OSError)):
        return SendFailed("transient", f"{type(err).__name__}: {err}")
    return SendFailed("rejected", f"{type(err).__name__}: {err}")


class DiscordPlatform:
    """The Platform seam for Discord, plus the slash commands."""

    name = "discord"

    def __init__(self, app: App, token: str, api_base_url: str | None = None, gateway_url: str | None = None):
        # Nonces make a retried create idempotent, so several sends may be in flight.
        self.capabilities = Capabilities(max_length=2000, embeds=True, spoilers=True, edits=True, limits=DISCORD,
                                         max_in_flight=4)
        self.app = app
        self.token = token
        if api_base_url:
            Route.BASE = api_base_url.rstrip("/")  # discord.py keeps the REST base here
        if gateway_url:
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
        self.client = discord.Client(intents=discord.Intents(guilds=True))
        self.commands = DiscordCommands(app)
        self.client.event(self.commands.on_interaction)
        self._task: asyncio.Task | None = None
        self._kinds: dict[str, int] = {}

    async def start(self) -> None:
        """Log in, sync the command tree if it changed, connect to the gateway and wait
        until Discord says it is ready."""
        await self.client.login(self.token)
        await sync_if_changed(self.app, self.client)
        self._task = asyncio.create_task(self.client.connect(reconnect=True), name="discord-gateway")
        self._task.add_done_callback(_report)
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait({ready, self._task}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            error = self._task.exception() if self._task in done else None
            raise RuntimeError(f"the Discord gateway did not get ready ({error or 'timed out'})")
        log.info("Discord: connected as %s", self.client.user)

    async def stop(self) -> None:
        """Close the gateway and the HTTP session."""
        await self.client.close()
        if self._task:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _kind(self, channel: str) -> int:
        """The channel's type (text or announcement), from the cache or asked once."""
        if channel not in self._kinds:
            cached = self.client.get_channel(int(channel))
            if cached is not None:
                self._kinds[channel] = cached.type.value
            else:
                data = await self.client.http.get_channel(int(channel))
                self._kinds[channel] = int(data["type"])
        return self._kinds[channel]

    async def send(self, channel: str, message: Message, nonce: str | None = None) -> MessageRef:
        """Post `message` (one Discord message per page of embeds) to `channel`."""
        ids = []
        try:
            news = await self._kind(channel) == ANNOUNCEMENT
            for i, post in enumerate(render_discord(message)):
                payload = _payload(post.content, post.embeds, message.mention)
                if nonce:
                    payload.update(nonce=f"{nonce}p{i}"[:25], enforce_nonce=True)
                data = await self.client.http.request(
                    Route("POST", "/channels/{channel_id}/messages", channel_id=channel), json=payload)
                ids.append(str(data["id"]))
                if news:
                    await self._publish(channel, data["id"])
        except (discord.HTTPException, asyncio.TimeoutError, aiohttp.ClientError, OSError) as err:
            raise failure(err) from None
        return MessageRef(self.name, channel, ",".join(ids))

    async def _publish(self, channel: str, message_id: str) -> None:
        # Posted is posted: a failed publish is logged, never retried as a whole new post.
        try:
            await self.client.http.request(Route("POST", "/channels/{channel_id}/messages/{message_id}/crosspost",
                                                 channel_id=channel, message_id=message_id))
        except discord.HTTPException as err:
            log.warning("Discord: could not publish message %s in %s: %s", message_id, channel, err)

    async def edit(self, ref: MessageRef, message: Message) -> MessageRef:
        """Correct a post in place; extra messages follow it, surplus ones are deleted."""
        ids = ref.message_id.split(",")
        posts = render_discord(message)
        http = self.client.http
        try:
            for message_id, post in zip(ids, posts):
                await http.request(Route("PATCH", "/channels/{channel_id}/messages/{message_id}", channel_id=ref.channel,
                                         message_id=message_id), json=_payload(post.content, post.embeds, message.mention))
            kept = ids[: len(posts)]
            for post in posts[len(ids):]:
                data = await http.request(Route("POST", "/channels/{channel_id}/messages", channel_id=ref.channel),
                                          json=_payload(post.content, post.embeds, message.mention))
                kept.append(str(data["id"]))
            for message_id in ids[len(posts):]:
                await http.request(Route("DELETE", "/channels/{channel_id}/messages/{message_id}", channel_id=ref.channel,
                                         message_id=message_id))
        except (discord.HTTPException, asyncio.TimeoutError, aiohttp.ClientError, OSError) as err:
            raise failure(err, editing=True) from None
        return MessageRef(self.name, ref.channel, ",".join(kept))


def _report(task: asyncio.Task) -> None:
    """The gateway gave up for good (discord.py already retried what it could): say why."""
    if not task.cancelled() and task.exception() is not None:
        log.error("Discord: the gateway connection ended: %s", task.exception())


def _payload(content: str, embeds: tuple[dict, ...], mention: str | None) -> dict:
    """A message body that can ping at most the channel's chosen role, never @everyone."""
    role = role_id(mention)
    allowed = {"parse": [], "roles": [str(role)]} if role and content else {"parse": []}
    return {"content": content, "embeds": list(embeds), "allowed_mentions": allowed}
