"""A fake Discord (REST API and gateway) on 127.0.0.1: enough for discord.py to log in,
connect, receive READY and GUILD_CREATE, sync commands, answer interactions and post.

Tests play the users (`command`, `autocomplete`), read what the bot sent, and queue the
errors Discord gives (429 with retry_after, 403, 404 Unknown Channel). Like Discord, it
allows an announcement channel 10 publishes an hour and a published post 3 edits an hour,
and answers 429 beyond (the edit's with the wait in the body only, as Discord does).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass

from aiohttp import WSMsgType, web

from tests.loopback import Loopback

APP_ID = 900000000000000001
BOT_ID = 900000000000000002
GUILD_ID = 900000000000000010
TEXT, NEWS, DELETED = 900000000000000100, 900000000000000101, 900000000000000102
FORUM = 900000000000000103
ADMIN, FAN = 900000000000001000, 900000000000001001
ADMIN_PERMISSIONS = str((1 << 4) | (1 << 5) | (1 << 11) | (1 << 10))  # manage channels, server; send; view
FAN_PERMISSIONS = str((1 << 11) | (1 << 10))
PUBLISHES, PUBLISHED_EDITS = 10, 3  # an announcement channel's publishes an hour; a published post's edits
BOT_USER = {"id": str(BOT_ID), "username": "Pitboard", "discriminator": "0", "avatar": None, "bot": True,
            "global_name": None}


def _user(user_id: int) -> dict:
    return {"id": str(user_id), "username": f"fan{user_id % 1000}", "discriminator": "0", "avatar": None,
            "global_name": None}


@dataclass
class Posted:
    channel_id: int
    id: int
    body: dict
    at: float


class FakeDiscord:
    """The fake. `api_base_url` and `gateway_url` are what the bot is told."""

    def __init__(self, token: str = "FAKE.discord.token"):
        self.token = token
        self.commands: list[dict] = []
        self.command_puts = 0
        self.posted: list[Posted] = []
        self.edits: list[Posted] = []
        self.published: list[int] = []
        self.refused: list[tuple[str, int]] = []  # publishes and edits refused for Discord's hourly limits
        self._publishes: dict[int, deque] = defaultdict(deque)  # per channel, this hour
        self._published_edits: dict[int, deque] = defaultdict(deque)  # per published message, this hour
        self.responses: list[dict] = []  # interaction callbacks and follow-ups, in order
        self.errors: dict[int, deque] = defaultdict(deque)
        self.channels = {TEXT: (0, "race-news"), NEWS: (5, "announcements"), FORUM: (15, "race-weekends")}
        self.threads: list[tuple[int, int, str]] = []  # (parent, thread, name) of each thread opened
        self.no_threads: set[int] = set()  # channels where the bot may not start threads
        self.guilds = {GUILD_ID: "Porsche fans"}
        self.channel_guild = {TEXT: GUILD_ID, NEWS: GUILD_ID, FORUM: GUILD_ID}
        self.shards = 1  # what /gateway/bot recommends; each socket identifies as one shard
        self._ids = itertools.count(910000000000000000)
        self._nonces: dict[tuple[int, str], dict] = {}
        self._sockets: dict[web.WebSocketResponse, int] = {}  # socket -> its shard
        self.shard_sessions: list[list[int]] = []  # the [shard, count] of each IDENTIFY
        self._seq = itertools.count(1)
        self._server: Loopback | None = None
        self.api_base_url = self.gateway_url = ""
        self.identified = 0  # gateway sessions that identified with the right token
        self.attachments: dict[str, bytes] = {}
        self.scheduled_events: dict[int, dict] = {}  # guild scheduled events, by id, as Discord keeps them
        self.event_requests: list[tuple[str, int, dict]] = []  # (method, guild, body) of each events request
        self.events_refused: set[int] = set()  # guilds where the bot lacks Manage Events (403 50013)

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        self._server = Loopback()
        base = await self._server.start([web.get("/gateway", self._gateway),
                                         web.get("/attachments/{name}", self._attachment),
                                         web.route("*", "/api/v10/{path:.*}", self._rest)])
        self.api_base_url = f"{base}/api/v10"
        self.gateway_url = base.replace("http://", "ws://", 1) + "/gateway"

    def add_guild(self, guild_id: int, name: str, channels: dict[int, tuple[int, str]]) -> None:
        """Another server the bot is in, with its channels."""
        self.guilds[guild_id] = name
        for channel_id, kind_and_name in channels.items():
            self.channels[channel_id] = kind_and_name
            self.channel_guild[channel_id] = guild_id

    def shard_of(self, guild_id: int) -> int:
        """The shard a server's events go through (Discord's rule)."""
        return (guild_id >> 22) % self.shards

    async def stop(self) -> None:
        """Close every socket and the server."""
        for ws in list(self._sockets):
            await ws.close()
        if self._server is not None:
            await self._server.stop()

    # --- the gateway ------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            payload = json.loads(msg.data)
            if payload["op"] == 1:
                await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
            elif payload["op"] == 2:
                if payload["d"]["token"] != self.token:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                self.identified += 1
                shard, count = payload["d"].get("shard") or [0, 1]
                self.shard_sessions.append([shard, count])
                self._sockets[ws] = shard
                mine = [g for g in self.guilds if self.shard_of(g) == shard]
                await self._dispatch(ws, "READY", {
                    "v": 10, "user": BOT_USER, "guilds": [{"id": str(g), "unavailable": True} for g in mine],
                    "session_id": f"fake-session-{shard}", "resume_gateway_url": self.gateway_url,
                    "shard": [shard, count],
                    "application": {"id": str(APP_ID), "flags": 0}, "private_channels": [], "relationships": []})
                for guild in mine:
                    await self._dispatch(ws, "GUILD_CREATE", self._guild(guild))
        self._sockets.pop(ws, None)
        return ws

    async def _attachment(self, request: web.Request) -> web.Response:
        data = self.attachments.get(request.match_info["name"])
        return web.Response(body=data, content_type="text/plain") if data is not None else web.Response(status=404)

    async def _dispatch(self, ws, event: str, data: dict) -> None:
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))

    def _guild(self, guild_id: int = GUILD_ID) -> dict:
        everyone = {"id": str(guild_id), "name": "@everyone", "permissions": FAN_PERMISSIONS, "position": 0,
                    "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}
        channels = [{"id": str(cid), "type": kind, "name": name, "position": i, "guild_id": str(guild_id),
                     "permission_overwrites": [], "nsfw": False, "parent_id": None}
                    for i, (cid, (kind, name)) in enumerate(self.channels.items()) if self.channel_guild[cid] == guild_id]
        return {"id": str(guild_id), "name": self.guilds[guild_id], "icon": None, "owner_id": str(ADMIN),
                "roles": [everyone],
                "channels": channels, "threads": [], "members": [], "member_count": 3, "emojis": [], "stickers": [],
                "features": [], "unavailable": False, "large": False, "verification_level": 0,
                "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0, "premium_tier": 0,
                "preferred_locale": "en-US", "nsfw_level": 0, "joined_at": "2026-01-01T00:00:00+00:00",
                "voice_states": [], "presences": [], "stage_instances": [], "guild_scheduled_events": [],
                "afk_timeout": 300, "system_channel_flags": 0}

    async def _interaction(self, kind: int, data: dict, channel_id: int, user_id: int, locale: str,
                           message: dict | None = None) -> None:
        permissions = ADMIN_PERMISSIONS if user_id == ADMIN else FAN_PERMISSIONS
        guild = self.channel_guild.get(channel_id, GUILD_ID)
        payload = {
            "id": str(next(self._ids)), "application_id": str(APP_ID), "type": kind, "token": f"itoken{next(self._ids)}",
            "version": 1, "guild_id": str(guild), "channel_id": str(channel_id),
            "channel": {"id": str(channel_id), "type": self.channels[channel_id][0], "name": self.channels[channel_id][1],
                        "guild_id": str(guild), "permissions": permissions},
            "member": {"user": _user(user_id), "roles": [], "permissions": permissions, "joined_at": "2026-01-01T00:00:00+00:00",
                       "deaf": False, "mute": False, "flags": 0, "nick": None, "avatar": None, "pending": False},
            "app_permissions": ADMIN_PERMISSIONS, "locale": locale, "guild_locale": "en-US", "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild)}, "context": 0, "data": data,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message:
            payload["message"] = message
        # Only the shard the server belongs to hears about it, as on Discord.
        for ws, shard in list(self._sockets.items()):
            if shard == self.shard_of(guild):
                await self._dispatch(ws, "INTERACTION_CREATE", payload)

    # --- what tests do ----------------------------------------------------------------

    async def command(self, name: str, channel_id: int = TEXT, user_id: int = FAN, locale: str = "en-US",
                      attachment: tuple[str, bytes] | None = None, **options) -> None:
        """A user runs `/name option:value …` in a channel (with a file, for an attachment option)."""
        command = next(c for c in self.commands if c["name"] == name)
        data = {"id": command["id"], "name": name, "type": 1,
                "options": [{"name": k, "type": 4 if isinstance(v, int) else 3, "value": v} for k, v in options.items()]}
        if attachment:
            file_id = str(next(self._ids))
            self.attachments[attachment[0]] = attachment[1]
            data["options"].append({"name": "file", "type": 11, "value": file_id})
            data["resolved"] = {"attachments": {file_id: {
                "id": file_id, "filename": attachment[0], "size": len(attachment[1]), "content_type": "text/plain",
                "url": f"{self.api_base_url.rsplit('/api', 1)[0]}/attachments/{attachment[0]}",
                "proxy_url": f"{self.api_base_url.rsplit('/api', 1)[0]}/attachments/{attachment[0]}"}}}
        await self._interaction(2, data, channel_id, user_id, locale)

    async def autocomplete(self, name: str, focused: str, typed: str, channel_id: int = TEXT, **options) -> None:
        """A user types `typed` into option `focused` of `/name`."""
        command = next(c for c in self.commands if c["name"] == name)
        opts = [{"name": k, "type": 3, "value": v} for k, v in options.items()]
        opts.append({"name": focused, "type": 3, "value": typed, "focused": True})
        await self._interaction(4, {"id": command["id"], "name": name, "type": 1, "options": opts}, channel_id, FAN,
                                "en-US")

    async def press(self, custom_id: str, channel_id: int = TEXT, user_id: int = FAN) -> None:
        """A user presses the button `custom_id` under a message the bot sent."""
        message = self._message(channel_id, {"content": "", "components": []})
        await self._interaction(3, {"custom_id": custom_id, "component_type": 2}, channel_id, user_id, "en-US",
                                message=message)

    def fail(self, channel_id: int, status: int, body: dict, headers: dict | None = None) -> None:
        """The next message create in `channel_id` gets this error."""
        self.errors[channel_id].append((status, body, headers or {}))

    def to(self, channel_id: int) -> list[Posted]:
        """What the bot posted in a channel, in order."""
        return [p for p in self.posted if p.channel_id == channel_id]

    async def wait_for(self, predicate, timeout: float = 10.0) -> None:
        """Wait until `predicate()` holds."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; posted: {[(p.channel_id, p.body) for p in self.posted]}; "
                                     f"responses: {self.responses}")
            await asyncio.sleep(0.02)

    # --- REST -------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bot {self.token}" and not request.path.startswith(
                ("/api/v10/interactions/", "/api/v10/webhooks/")):
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        path = request.match_info["path"].strip("/").split("/")
        body = await request.json() if request.can_read_body and request.content_type == "application/json" else {}
        if request.content_type == "multipart/form-data":
            body = await self._multipart(request)
        method = request.method
        if path == ["users", "@me"]:
            return _json(BOT_USER)
        if path == ["gateway", "bot"]:
            return _json({"url": self.gateway_url, "shards": self.shards, "session_start_limit": {
                "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}})
        if path == ["oauth2", "applications", "@me"]:
            return _json({"id": str(APP_ID), "name": "Pitboard", "description": "", "icon": None, "bot_public": True,
                          "bot_require_code_grant": False, "owner": _user(ADMIN), "verify_key": "0" * 64,
                          "flags": 0, "team": None, "summary": ""})
        if path[:1] == ["applications"] and path[2:] == ["commands"]:
            if method == "PUT":
                self.command_puts += 1
                self.commands = [{**c, "id": str(next(self._ids)), "application_id": str(APP_ID), "version": "1"}
                                 for c in body]
            return _json(self.commands)
        if path[:1] == ["interactions"]:
            return self._callback(int(path[1]), body)
        if path[:1] == ["webhooks"]:
            self.responses.append({"followup": True, **body})
            return _json(self._message(TEXT, body))
        if path[:1] == ["channels"]:
            return self._channel(method, [*path[1:]], body)
        if path[:1] == ["guilds"] and path[2:3] == ["scheduled-events"]:
            return self._scheduled_event(method, int(path[1]), path[3:], body)
        return _json({"message": f"not faked: {method} {request.path}", "code": 0}, 404)

    @staticmethod
    async def _multipart(request: web.Request) -> dict:
        """A message with files, as Discord reads it: the JSON from `payload_json`, each
        `files[N]` part kept under `_files` (name, content type, bytes), in order."""
        body, files = {}, []
        async for part in await request.multipart():
            if part.name == "payload_json":
                body = json.loads(await part.text())
            elif part.name and part.name.startswith("files["):
                files.append((part.filename, part.headers.get("Content-Type"), bytes(await part.read())))
        return {**body, "_files": files}

    def _callback(self, interaction_id: int, body: dict) -> web.Response:
        self.responses.append(body)
        message = self._message(TEXT, body.get("data") or {}) if body.get("type") in (4, 5) else None
        result = {"interaction": {"id": str(interaction_id), "type": 2, "response_message_id": message and message["id"],
                                  "response_message_loading": body.get("type") == 5,
                                  "response_message_ephemeral": bool((body.get("data") or {}).get("flags", 0) & 64)}}
        if message:
            result["resource"] = {"type": body["type"], "message": message}
        return _json(result)

    def _channel(self, method: str, path: list[str], body: dict) -> web.Response:
        channel_id = int(path[0])
        if channel_id not in self.channels:
            return _json({"message": "Unknown Channel", "code": 10003}, 404)
        if method == "GET" and len(path) == 1:
            kind, name = self.channels[channel_id]
            return _json({"id": str(channel_id), "type": kind, "name": name,
                          "guild_id": str(self.channel_guild.get(channel_id, GUILD_ID))})
        if method == "POST" and path[1:] == ["threads"]:  # a forum post: a thread and its first message
            thread = next(self._ids)
            self._open_thread(channel_id, thread, body["name"])
            message = self._message(thread, body["message"], thread)
            self.posted.append(Posted(thread, thread, body["message"], time.monotonic()))
            return _json({"id": str(thread), "type": 11, "parent_id": str(channel_id), "name": body["name"],
                          "guild_id": str(self.channel_guild.get(channel_id, GUILD_ID)), "message": message})
        if method == "POST" and len(path) == 4 and path[1] == "messages" and path[3] == "threads":
            if channel_id in self.no_threads:
                return _json({"message": "Missing Permissions", "code": 50013}, 403)
            thread = int(path[2])  # a thread started from a message has that message's id
            self._open_thread(channel_id, thread, body["name"])
            return _json({"id": str(thread), "type": 11, "parent_id": str(channel_id), "name": body["name"],
                          "guild_id": str(self.channel_guild.get(channel_id, GUILD_ID))})
        if method == "POST" and path[1:] == ["messages"]:
            if self.errors[channel_id]:
                status, error, headers = self.errors[channel_id].popleft()
                return _json(error, status, headers)
            nonce = body.get("nonce")
            if nonce and body.get("enforce_nonce") and (channel_id, nonce) in self._nonces:
                return _json(self._nonces[(channel_id, nonce)])  # Discord's answer to a repeated nonce
            message = self._message(channel_id, body)
            self.posted.append(Posted(channel_id, int(message["id"]), body, time.monotonic()))
            if nonce:
                self._nonces[(channel_id, nonce)] = message
            return _json(message)
        if method == "PATCH" and len(path) == 3:
            message_id = int(path[2])
            if message_id in self.published and self._over(self._published_edits[message_id], PUBLISHED_EDITS):
                self.refused.append(("edit", message_id))  # Discord's answer: a long wait, in the body only
                return _json({"message": "The write action you are performing on the channel has hit the write "
                              "rate limit.", "code": 20028, "global": False, "retry_after": 1163.1}, 429,
                             {"Via": "1.1 google", "Retry-After": "1", "X-RateLimit-Remaining": "4",
                              "X-RateLimit-Reset-After": "1.0", "X-RateLimit-Bucket": "patch"})
            self.edits.append(Posted(channel_id, message_id, body, time.monotonic()))
            return _json(self._message(channel_id, body, message_id))
        if method == "POST" and path[-1] == "crosspost":
            if self._over(self._publishes[channel_id], PUBLISHES):
                self.refused.append(("publish", int(path[2])))
                return _json({"message": "You are being rate limited.", "retry_after": 3000.0, "global": False}, 429,
                             {"Via": "1.1 google", "Retry-After": "3000", "X-RateLimit-Remaining": "0",
                              "X-RateLimit-Reset-After": "3000", "X-RateLimit-Bucket": "crosspost"})
            self.published.append(int(path[2]))
            return _json(self._message(channel_id, {}, int(path[2])))
        return _json({"message": "not faked", "code": 0}, 404)

    def events_of(self, guild_id: int = GUILD_ID) -> list[dict]:
        """The scheduled events a server lists (cancelled ones included), by start."""
        return sorted((e for e in self.scheduled_events.values() if e["guild_id"] == str(guild_id)),
                      key=lambda e: e["scheduled_start_time"])

    def _scheduled_event(self, method: str, guild_id: int, rest: list[str], body: dict) -> web.Response:
        """A server's scheduled events: list, create, change (a cancel is status 4), delete."""
        if guild_id not in self.guilds:
            return _json({"message": "Unknown Guild", "code": 10004}, 404)
        if method != "GET":
            self.event_requests.append((method, guild_id, body))
        if method != "GET" and guild_id in self.events_refused:
            return _json({"message": "Missing Permissions", "code": 50013}, 403)
        if method == "GET" and not rest:
            return _json(self.events_of(guild_id))
        if method == "POST" and not rest:
            event = {"id": str(next(self._ids)), "guild_id": str(guild_id), "channel_id": None,
                     "creator_id": str(BOT_ID), "name": body["name"], "description": body.get("description"),
                     "scheduled_start_time": body["scheduled_start_time"],
                     "scheduled_end_time": body.get("scheduled_end_time"), "privacy_level": body["privacy_level"],
                     "status": 1, "entity_type": body["entity_type"], "entity_id": None,
                     "entity_metadata": body.get("entity_metadata"), "creator": BOT_USER, "user_count": 0,
                     "image": None}
            place = (event["entity_metadata"] or {}).get("location")
            if event["entity_type"] == 3 and not (event["scheduled_end_time"] and place):  # Discord wants both
                return _json({"message": "Invalid Form Body", "code": 50035}, 400)
            self.scheduled_events[int(event["id"])] = event
            return _json(event)
        event = self.scheduled_events.get(int(rest[0])) if rest else None
        if event is None or event["guild_id"] != str(guild_id):
            return _json({"message": "Unknown Guild Scheduled Event", "code": 10070}, 404)
        if method == "GET":
            return _json(event)
        if method == "PATCH":
            if event["status"] != 1:  # Discord: a cancelled (or ended) event cannot change
                return _json({"message": "Cannot update an event that has ended or been cancelled",
                              "code": 180000}, 400)
            event.update({k: v for k, v in body.items() if k in event})
            return _json(event)
        if method == "DELETE":
            del self.scheduled_events[int(event["id"])]
            return web.Response(status=204)
        return _json({"message": "not faked", "code": 0}, 404)

    def _open_thread(self, parent: int, thread: int, name: str) -> None:
        self.threads.append((parent, thread, name))
        self.channels[thread] = (11, name)
        self.channel_guild[thread] = self.channel_guild.get(parent, GUILD_ID)

    def delete_channel(self, channel_id: int) -> None:
        """A moderator deletes a channel or thread: Discord answers 404 Unknown Channel after."""
        self.channels.pop(channel_id, None)

    @staticmethod
    def _over(times: deque, limit: int) -> bool:
        """Count one more request in an hour's window; True if it breaks `limit`."""
        now = time.monotonic()
        while times and now - times[0] >= 3600:
            times.popleft()
        if len(times) >= limit:
            return True
        times.append(now)
        return False

    def _message(self, channel_id: int, body: dict, message_id: int | None = None) -> dict:
        return {"id": str(message_id or next(self._ids)), "channel_id": str(channel_id), "author": BOT_USER,
                "content": body.get("content") or "", "timestamp": "2026-11-24T12:00:00+00:00",
                "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
                "attachments": [{"id": str(next(self._ids)), "filename": name, "size": len(data), "content_type": kind,
                                 "url": f"https://cdn.example.invalid/{name}", "proxy_url": f"https://cdn.example.invalid/{name}"}
                                for name, kind, data in body.get("_files", ())],
                "embeds": body.get("embeds") or [], "pinned": False, "type": 0, "flags": 0,
                "components": []}


def _json(data, status: int = 200, headers: dict | None = None) -> web.Response:
    # discord.py parses a body as JSON only when the type is exactly application/json.
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json", **(headers or {})})
