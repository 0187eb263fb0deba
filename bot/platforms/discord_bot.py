"""Discord, over discord.py 2.x: announcements out, slash commands in.

One discord.Client on the core's event loop, with only the guilds intent (it reads no
messages). Posts go through discord.py's HTTP client, so its per-route buckets and
429 handling apply; each create carries a `nonce` with `enforce_nonce`, so a retried
send returns the message already made instead of posting it twice. In an announcement
channel the post is then published to the servers that follow it.
"""
from __future__ import annotations

import asyncio
import io
import json
import logging

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.commands.service import Commands
from bot.messages import Image, Message
from bot.platforms.discord_commands import DiscordCommands, sync_if_changed
from bot.platforms.discord_events import ServerCalendar
from bot.platforms.discord_publishing import EDITS_PER_HOUR, PublishRefused, Publishing
from bot.ports import DISCORD_LIMITS, Capabilities, Limits, MessageRef, SendFailed
from bot.store.platform_state import PlatformState
from bot.render.discord_embeds import render_discord, role_id

log = logging.getLogger(__name__)
ANNOUNCEMENT = 5  # Discord's channel type for announcement (news) channels
FORUMS = (15, 16)  # forum and media channels: a thread there is a post with its first message
PUBLIC_THREAD = 11
THREAD_NAME = 100  # characters a thread's name may hold
ARCHIVE_AFTER = 10080  # minutes without a post before a thread is archived: a week, a race weekend and more
READY_TIMEOUT = 60.0
EDIT_LIMITED, WRITE_LIMITED = 30046, 20028  # too many edits of an old post; of a published one
SEND_TIMEOUT = 30.0  # a publish the network holds longer is tried again later
MAX_IN_FLIGHT = 100  # one per channel at most (the dispatcher's rule), and nonces make a resend harmless


def failure(err: Exception, editing: bool = False) -> SendFailed:
    """What the dispatcher should do about a Discord error. Editing, only a message that
    is gone (10008) means "post the correction anew"; anything else is retried, so a
    correction never doubles a post that is still there."""
    if isinstance(err, discord.RateLimited):  # discord.py would have waited longer than we allow
        # Editing, a long wait is that post's own limit (a published post's edits an hour,
        # Discord's 20028): the correction waits, the channel's new posts need not.
        return SendFailed("later" if editing else "retry_after", f"429 rate limited for {err.retry_after:.0f} s",
                          retry_after=err.retry_after)
    if isinstance(err, discord.HTTPException):
        text = f"{err.status} {err.text or err.response.reason}".strip()
        if err.status == 429:
            headers = getattr(err.response, "headers", None) or {}
            banned = "Via" not in headers  # no Via: Cloudflare, not Discord; back off for minutes
            retry = float(headers.get("Retry-After") or 0) or (600.0 if banned else 1.0)
            return SendFailed("retry_after", f"429 Too Many Requests: {err.text}", retry_after=retry, is_global=True)
        if err.status == 401:
            return SendFailed("transient", "401: Discord refused the bot token; check DISCORD_BOT_TOKEN")
        if err.code in (EDIT_LIMITED, WRITE_LIMITED):  # this post's edits, not the channel's sends
            return SendFailed("later", text, retry_after=600.0)
        if isinstance(err, discord.NotFound) and err.code == 10008:
            return SendFailed("rejected", f"the post to correct is gone ({text})")  # Unknown Message: post anew
        if isinstance(err, (discord.Forbidden, discord.NotFound)):
            return SendFailed("gone", text)
        if err.status >= 500 or editing:
            return SendFailed("transient", text)
        return SendFailed("rejected", text)
    if isinstance(err, (asyncio.TimeoutError, aiohttp.ClientError, OSError)):
        return SendFailed("transient", f"{type(err).__name__}: {err}")
    return SendFailed("rejected", f"{type(err).__name__}: {err}")


def owners(info: discord.AppInfo) -> frozenset[str]:
    """Who runs the bot, so is an operator unless the config names others: the application's
    owner, or its team's owner and the members who accepted with an admin or developer role
    (not those only invited, nor read-only ones, nor the team's stand-in user)."""
    if info.team is None:
        return frozenset({str(info.owner.id)})
    members = {m.id for m in info.team.members if m.membership_state == discord.TeamMembershipState.accepted
               and m.role in (discord.TeamMemberRole.admin, discord.TeamMemberRole.developer)}
    return frozenset(str(i) for i in {info.team.owner_id, *members} if i)


class _ShardedClient(discord.AutoShardedClient):
    """discord.py's sharded client, with the pause between two shards' IDENTIFYs settable:
    Discord allows one every 5 s, so that is the default; a test's fake allows any."""

    def __init__(self, *, identify_pause: float = 5.0, **options):
        super().__init__(**options)
        self.identify_pause = identify_pause

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait before every IDENTIFY but the first."""
        if not initial and self.identify_pause:
            await asyncio.sleep(self.identify_pause)


class DiscordPlatform:
    """The Platform seam for Discord, plus the slash commands."""

    name = "discord"

    def __init__(self, commands: Commands, state: PlatformState, token: str, api_base_url: str | None = None,
                 gateway_url: str | None = None, limits: Limits = DISCORD_LIMITS, guild_ready_timeout: float = 2.0,
                 shards: int | None = None, identify_pause: float = 5.0, clock=None, server_events=None):
        # Nonces make a retried create idempotent, so several sends may be in flight.
        self.capabilities = Capabilities(max_length=2000, embeds=True, spoilers=True, edits=True, limits=limits,
                                         max_in_flight=MAX_IN_FLIGHT, images=True, places=True)
        self.state = state
        self.token = token
        self.api_base_url, self.gateway_url = api_base_url, gateway_url
        self._saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
        # A rate limit longer than this is handed back to the dispatcher (which keeps the
        # post and retries later) instead of holding a send for minutes.
        # guild_ready_timeout: how long discord.py waits for more servers before it is ready
        # (a test's fake has one server, and need not wait).
        # Sharded in this process: past 2,500 servers Discord requires it; `shards` None lets
        # Discord say how many (one, for a small bot).
        self.client = _ShardedClient(intents=discord.Intents(guilds=True), max_ratelimit_timeout=10.0,
                                     guild_ready_timeout=guild_ready_timeout, shard_count=shards,
                                     identify_pause=identify_pause)
        self.commands = DiscordCommands(commands, self.client)
        self.client.event(self.commands.on_interaction)
        self._task: asyncio.Task | None = None
        self._kinds: dict[str, int] = {}
        self._partial: dict[str, list[str]] = {}  # pages of a long post already created, by nonce
        self._headings: dict[tuple[str, str], dict] = {}  # summaries posted whose thread did not start yet
        self._guilds: dict[str, str] = {}  # thread → server, for post links
        # Announcement channels' posts go to their followers within Discord's hourly limits.
        self.publishing = Publishing(self._crosspost, clock=clock)
        # Sessions as the servers' scheduled events, for channels that opted in (None: not kept).
        self.calendar = ServerCalendar(self.client, server_events)

    async def start(self) -> None:
        """Log in, sync the command tree if it changed, connect to the gateway and wait
        until Discord says it is ready."""
        # discord.py keeps its REST base and gateway in class attributes: set them only
        # while this platform runs, and put them back at stop.
        if self.api_base_url:
            Route.BASE = self.api_base_url.rstrip("/")
        if self.gateway_url:
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        await asyncio.wait_for(self.client.login(self.token), READY_TIMEOUT)
        info = await asyncio.wait_for(self.client.application_info(), READY_TIMEOUT)
        self.commands.owners = owners(info)
        await asyncio.wait_for(sync_if_changed(self.commands.commands.registry, self.state, self.client), READY_TIMEOUT)
        self._task = asyncio.create_task(self.client.connect(reconnect=True), name="discord-gateway")
        self._task.add_done_callback(_report)
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait({ready, self._task}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            error = self._task.exception() if self._task in done else None
            raise RuntimeError(f"the Discord gateway did not get ready ({error or 'timed out'})")
        log.info("Discord: connected as %s", self.client.user)

    async def sync_calendar(self, plans) -> None:
        """List the sessions each opted-in channel follows as its server's scheduled events
        (see bot.platforms.discord_events)."""
        await self.calendar.sync(plans)

    def health(self) -> str:
        """Connected while the gateway is open and ready."""
        if self.client.is_closed():
            return "gateway closed"
        return "connected" if self.client.is_ready() else "gateway not ready (reconnecting?)"

    async def stop(self) -> None:
        """Close the gateway and the HTTP session."""
        await self.publishing.close()
        await self.client.close()
        if self._task:
            await asyncio.gather(self._task, return_exceptions=True)
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = self._saved

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
        key = f"{channel}:{nonce}" if nonce else None
        ids = self._partial.pop(key, []) if key else []
        try:
            news = await self._kind(channel) == ANNOUNCEMENT
            for i, post in enumerate(render_discord(message)):
                if i < len(ids):
                    continue  # created by an earlier attempt
                data = await self._create(channel, post, message.mention, f"{nonce}p{i}" if nonce else None,
                                          message.image if i == 0 else None)
                ids.append(str(data["id"]))
                if news:
                    self.publishing.offer(channel, str(data["id"]), message.live)
        except (discord.HTTPException, discord.RateLimited, asyncio.TimeoutError, aiohttp.ClientError, OSError) as err:
            if ids and key:
                self._partial[key] = ids  # the retry goes on from the first page missing
            raise failure(err) from None
        return MessageRef(self.name, channel, ",".join(ids))

    async def _create(self, channel: str, post, mention: str | None, nonce: str | None,
                      image: Image | None = None) -> dict:
        payload = _payload(post.content, post.embeds, mention, image)
        if nonce:
            payload.update(nonce=nonce[:25], enforce_nonce=True)
        return await self._request(Route("POST", "/channels/{channel_id}/messages", channel_id=channel), payload, image)

    async def _request(self, route: Route, payload: dict, image: Image | None):
        """A message create or edit: JSON, or with a card, multipart (the JSON as
        `payload_json`, the PNG as `files[0]`, which the embed shows as `attachment://`).
        A card Discord refuses (no Attach Files right here, a file it will not take) is
        dropped and the text sent alone: a card never costs a post, nor pauses a channel."""
        if image is None or image.keep:
            return await self.client.http.request(route, json=payload)
        try:
            return await self._upload(route, payload, image)
        except discord.HTTPException as err:
            if err.status not in (400, 403, 413):
                raise
            log.warning("Discord refused the card in %s (%s %s); sending the text alone", route.url, err.status,
                        err.text)
            plain = {**payload, "embeds": [{k: v for k, v in e.items() if k != "image"} for e in payload["embeds"]]}
            plain.pop("attachments", None)
            return await self.client.http.request(route, json=plain)

    async def _upload(self, route: Route, payload: dict, image: Image):
        card = discord.File(io.BytesIO(image.png), filename=_file_name(image))
        form = [{"name": "payload_json", "value": json.dumps(payload)},
                {"name": "files[0]", "value": card.fp, "filename": card.filename, "content_type": "image/png"}]
        return await self.client.http.request(route, form=form, files=[card])

    async def open_place(self, channel: str, title: str, heading: Message, summary: bool = True) -> MessageRef:
        """A thread for a race weekend (or series): in a forum channel a post whose first
        message is the heading; in a text or announcement channel the heading posted there,
        and a thread started from it. Returns the thread (where posts go) and the heading's
        "where/id" (edited as the weekend goes on)."""
        http = self.client.http
        post = render_discord(heading)[0]
        body = _payload(post.content, post.embeds, None)
        try:
            if await self._kind(channel) in FORUMS:
                data = await http.request(Route("POST", "/channels/{channel_id}/threads", channel_id=channel),
                                          json={"name": title[:THREAD_NAME], "auto_archive_duration": ARCHIVE_AFTER,
                                                "message": body})
                thread = str(data["id"])
                # A forum post's first message has the thread's own id.
                head = f"{thread}/{(data.get('message') or {}).get('id') or thread}"
            else:
                # A retry after the thread failed to start reuses the summary already posted.
                first = self._headings.get((channel, title)) or await self._create(channel, post, None, None)
                self._headings[(channel, title)] = first
                head = f"{channel}/{first['id']}"
                try:
                    data = await http.request(Route("POST", "/channels/{channel_id}/messages/{message_id}/threads",
                                                    channel_id=channel, message_id=first["id"]),
                                              json={"name": title[:THREAD_NAME], "auto_archive_duration": ARCHIVE_AFTER})
                except discord.Forbidden as err:
                    # No Create Public Threads here: the summary stays in the channel, the posts
                    # too; the channel is not the worse for it (never paused for this).
                    log.warning("Discord: no thread in %s (%s); posting in the channel itself", channel, err.text)
                    return MessageRef(self.name, channel, head)
                thread = str(data["id"])
                self._headings.pop((channel, title), None)
        except (discord.HTTPException, discord.RateLimited, asyncio.TimeoutError, aiohttp.ClientError, OSError) as err:
            raise failure(err) from None
        self._kinds[thread] = PUBLIC_THREAD  # posts there are never published to followers
        if data.get("guild_id"):
            self._guilds[thread] = str(data["guild_id"])  # a new thread may not be in the cache yet
        return MessageRef(self.name, thread, head)

    def link(self, channel: str, message_id: str) -> str | None:
        """A post's link (discord.com/channels/server/channel/message), when the channel's
        server is known to the gateway's cache."""
        cached = self.client.get_channel(int(channel)) if channel.isdigit() else None
        guild = getattr(cached, "guild", None) or self._guilds.get(channel)
        guild_id = getattr(guild, "id", guild)
        return f"https://discord.com/channels/{guild_id}/{channel}/{message_id}" if guild_id and message_id.isdigit() \
            else None

    async def _crosspost(self, channel: str, message_id: str) -> None:
        """Publish a post of an announcement channel to the servers that follow it."""
        try:
            await asyncio.wait_for(self.client.http.request(
                Route("POST", "/channels/{channel_id}/messages/{message_id}/crosspost", channel_id=channel,
                      message_id=message_id)), SEND_TIMEOUT)
        except discord.RateLimited as err:  # longer than discord.py would wait for us
            raise PublishRefused(err.retry_after) from None
        except discord.HTTPException as err:
            if err.status == 429:
                raise PublishRefused(float(getattr(err.response, "headers", {}).get("Retry-After") or 60)) from None
            raise
        except (asyncio.TimeoutError, aiohttp.ClientError, OSError):
            raise PublishRefused(60.0) from None  # the network, not a refusal: try again in a minute

    async def edit(self, ref: MessageRef, message: Message) -> MessageRef:
        """Correct a post in place; extra messages follow it, surplus ones are deleted."""
        ids = ref.message_id.split(",")
        posts = render_discord(message)
        http = self.client.http
        # A published post may be edited only a few times an hour: the correction waits
        # (it holds back none of the channel's new posts; see the outbox).
        wait = max(self.publishing.edit_wait(i) for i in ids)
        if wait > 0:
            raise SendFailed("later", f"a published post may be edited {EDITS_PER_HOUR} times an hour; "
                             f"the correction goes out in {wait / 60:.0f} min", retry_after=wait)
        try:
            kept = []
            for index, (message_id, post) in enumerate(zip(ids, posts)):
                try:
                    # The first message's card is replaced with the corrected one (its
                    # attachments list names only the new file, so the old one goes).
                    card = message.image if index == 0 else None
                    await self._request(Route("PATCH", "/channels/{channel_id}/messages/{message_id}",
                                              channel_id=ref.channel, message_id=message_id),
                                        _payload(post.content, post.embeds, message.mention, card, edit=True), card)
                    self.publishing.edited(message_id)
                    kept.append(message_id)
                except discord.NotFound as err:
                    if err.code != 10008 or index == 0:
                        raise  # the post itself is gone (or the channel): the dispatcher decides
                    # A later page was deleted: post that page again, keep the others.
                    data = await self._create(ref.channel, post, message.mention, f"e{message_id[-12:]}p{index}")
                    kept.append(str(data["id"]))
            for i, post in enumerate(posts[len(ids):], len(ids)):
                data = await self._create(ref.channel, post, message.mention, f"e{ref.message_id[-12:]}p{i}")
                kept.append(str(data["id"]))
            for message_id in ids[len(posts):]:
                await http.request(Route("DELETE", "/channels/{channel_id}/messages/{message_id}", channel_id=ref.channel,
                                         message_id=message_id))
        except (discord.HTTPException, discord.RateLimited, asyncio.TimeoutError, aiohttp.ClientError, OSError) as err:
            raise failure(err, editing=True) from None
        return MessageRef(self.name, ref.channel, ",".join(kept))


def _report(task: asyncio.Task) -> None:
    """The gateway gave up for good (discord.py already retried what it could): say why."""
    if not task.cancelled() and task.exception() is not None:
        log.error("Discord: the gateway connection ended: %s", task.exception())


def _payload(content: str, embeds: tuple[dict, ...], mention: str | None, image: Image | None = None,
             edit: bool = False) -> dict:
    """A message body that can ping at most the channel's chosen role, never @everyone;
    with a card, the first embed shows it (and an edit without one drops an old card)."""
    role = role_id(mention)
    allowed = {"parse": [], "roles": [str(role)]} if role and content else {"parse": []}
    body = {"content": content, "embeds": list(embeds), "allowed_mentions": allowed}
    if image is not None:
        name = _file_name(image)
        if not image.keep:  # a kept card is the attachment already there: the list is left alone
            body["attachments"] = [{"id": 0, "filename": name, "description": image.alt[:1024]}]
        # A spoiler card is a plain attachment Discord blurs; inside the embed it would show.
        if body["embeds"] and not image.spoiler:
            body["embeds"][0] = {**body["embeds"][0], "image": {"url": f"attachment://{name}"}}
    elif edit:
        body["attachments"] = []
    return body


def _file_name(image: Image) -> str:
    """The card's file name; Discord blurs a file whose name starts with SPOILER_."""
    return f"SPOILER_{image.name}" if image.spoiler else image.name
