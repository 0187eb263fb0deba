"""Discord scheduled events for sessions: each server with a channel that opted in
(`/settings server_events:on`) lists the sessions that channel follows in its Events tab.

One scheduled event per server and session, made once and remembered in the database
(bot.store.server_events), so a restart finds it instead of making it again; if the bot
stopped between making one and remembering it, the next sync finds it among the server's
events by its name and takes it back. A session that moves moves its event (PATCH); one
that is cancelled cancels it (status 4); one no channel of the server follows any more is
deleted; one that is over is only forgotten (Discord ends it itself).

The bot needs the Manage Events permission for this. A server that refuses (403) is told
about once in the log, and left alone for REFUSED_BACKOFF before it is tried again.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import aiohttp
import discord
from discord.http import Route

from bot.ports import CalendarEntry, ChannelCalendar
from bot.store.server_events import ServerEvent, ServerEvents

log = logging.getLogger(__name__)
# Discord allows a server 100 scheduled events: leave room for the server's own.
MAX_PER_SERVER = 50
REFUSED_BACKOFF = 6 * 3600.0  # seconds a server that refused (no Manage Events) is left alone
REQUEST_TIMEOUT = 30.0
# An event is not made or moved for a session starting sooner than this: Discord refuses a
# start in the past (as it would be by the time the request lands), and it is no news then.
LEAD = timedelta(minutes=5)
SCHEDULED, CANCELED = 1, 4  # a scheduled event's status
GUILD_ONLY, EXTERNAL = 2, 3  # privacy level; entity type: held somewhere else than a voice channel
NAME_MAX, LOCATION_MAX = 100, 100
_NETWORK = (discord.HTTPException, discord.RateLimited, asyncio.TimeoutError, aiohttp.ClientError, OSError)


class ServerCalendar:
    """Brings the scheduled events of Discord servers in line with the sessions their
    opted-in channels follow. `clock` (monotonic seconds) times the back-off of a server
    that refused."""

    def __init__(self, client: discord.Client, store: ServerEvents | None,
                 clock: Callable[[], float] = time.monotonic):
        self.client = client
        self.store = store
        self.clock = clock
        self._guilds: dict[str, str | None] = {}  # channel id -> its server's id (None: not a server's)
        self._refused: dict[str, float] = {}  # server id -> when it may be tried again
        self._warned: set[str] = set()  # servers already told about in the log

    def refused(self) -> dict[str, float]:
        """The servers that refused to let the bot manage events, with when each is tried again."""
        return dict(self._refused)

    async def sync(self, plans: list[ChannelCalendar], now: datetime | None = None) -> None:
        """Make, move, cancel and delete scheduled events so each server lists what its
        opted-in channels follow. Never raises: what fails is tried again at the next sync."""
        if self.store is None:
            return
        now = now or datetime.now(timezone.utc)
        wanted: dict[str, dict[str, CalendarEntry]] = {}
        sure = True  # every opted-in channel's server is known: servers no plan names may be emptied
        for plan in plans:
            try:
                guild = await self._guild(plan.channel)
            except _NETWORK as err:
                log.warning("Discord channel %s: could not find its server for scheduled events (%s)",
                            plan.channel, err)
                sure = False
                continue
            if guild is not None:
                mine = wanted.setdefault(guild, {})
                for entry in plan.entries:
                    mine.setdefault(entry.session_id, entry)
        remembered = self.store.all()
        guilds = [*wanted, *(g for g in remembered if g not in wanted and sure)]
        for guild in guilds:
            if self._refused.get(guild, 0.0) > self.clock():
                continue  # backing off: asking again now would only be refused again
            try:
                await self._sync_guild(guild, wanted.get(guild, {}), remembered.get(guild, {}), now)
            except discord.Forbidden as err:
                self._refuse(guild, err)
            except _NETWORK as err:
                log.warning("Discord server %s: scheduled events not brought up to date this time (%s)", guild, err)
            except Exception:  # noqa: BLE001 - the calendar must never take the bot down
                log.exception("Discord server %s: syncing scheduled events failed", guild)

    async def _guild(self, channel: str) -> str | None:
        """The server a channel belongs to: from the gateway's cache, or asked once."""
        if channel not in self._guilds:
            cached = self.client.get_channel(int(channel))
            if cached is not None:
                guild = getattr(cached, "guild", None)
                self._guilds[channel] = str(guild.id) if guild is not None else None
            else:
                try:
                    data = await asyncio.wait_for(self.client.http.get_channel(int(channel)), REQUEST_TIMEOUT)
                except (discord.NotFound, discord.Forbidden):
                    return None  # gone, or hidden from the bot: the dispatcher pauses it; ask again later
                self._guilds[channel] = str(data["guild_id"]) if data.get("guild_id") else None
        return self._guilds[channel]

    def _refuse(self, guild: str, err: discord.HTTPException) -> None:
        """A server refused (403): say so once, and leave it alone for a while."""
        self._refused[guild] = self.clock() + REFUSED_BACKOFF
        hours = REFUSED_BACKOFF / 3600
        if guild in self._warned:
            log.info("Discord server %s still refuses scheduled events (%s); trying again in %.0f h", guild,
                     err.text or err.status, hours)
            return
        self._warned.add(guild)
        log.warning("Discord server %s refused to let Pitboard manage its scheduled events (%s %s): give the bot's "
                    "role the Manage Events permission (Server Settings → Roles), or turn the listing off with "
                    "/settings server_events:off. Trying again in %.0f h.", guild, err.status, err.text, hours)

    async def _sync_guild(self, guild: str, want: dict[str, CalendarEntry], rows: dict[str, ServerEvent],
                          now: datetime) -> None:
        """One server: its scheduled events made to match `want`, from what `rows` remember."""
        upcoming = sorted((e for e in want.values() if not e.cancelled), key=lambda e: (e.start, e.session_id))
        keep = {e.session_id: e for e in upcoming[:MAX_PER_SERVER]}
        # A cancellation is news only for an event the server lists; others are not made.
        keep.update({sid: e for sid, e in want.items() if e.cancelled and sid in rows})
        for sid, row in rows.items():
            if sid not in keep:
                await self._drop(guild, row, now)
        ours: dict[str, dict] | None = None  # the server's events the bot made, by name: read once, when needed
        for sid, entry in keep.items():
            row = rows.get(sid)
            if entry.cancelled:
                if row.status != "cancelled":
                    await self._change(guild, row.discord_id, {"status": CANCELED})
                    self.store.remember(replace(row, status="cancelled"))
                continue
            start, end = _iso(entry.start), _iso(entry.end)
            if entry.start <= now + LEAD:
                continue  # about to start: left as it is
            if row is not None and row.status == "scheduled":
                if (row.name, row.starts_at, row.ends_at) == (_name(entry), start, end):
                    continue
                if await self._change(guild, row.discord_id, _times(entry)):
                    self.store.remember(replace(row, name=_name(entry), starts_at=start, ends_at=end))
                    continue
                # Deleted on the server meanwhile: made anew, at the new time.
            if ours is None:
                ours = await self._ours(guild, {r.discord_id for r in rows.values()})
            found = ours.pop(_name(entry), None)
            if found is None:
                try:
                    found = await self._call("POST", "/guilds/{guild_id}/scheduled-events", guild, body=_body(entry))
                except discord.HTTPException as err:
                    if err.status != 400:
                        raise
                    log.warning("Discord server %s refused the scheduled event for %s (%s %s)", guild, sid,
                                err.status, err.text)
                    continue
            elif (found.get("scheduled_start_time"), found.get("scheduled_end_time")) != (start, end):
                await self._change(guild, str(found["id"]), _times(entry))
            self.store.remember(ServerEvent(guild, sid, entry.event_id, str(found["id"]), _name(entry), start, end,
                                            "scheduled"))

    async def _drop(self, guild: str, row: ServerEvent, now: datetime) -> None:
        """A remembered event no channel of the server wants now: forgotten once over, left
        alone while it is about to start or under way, deleted otherwise."""
        if datetime.fromisoformat(row.ends_at) <= now or row.status == "cancelled":
            self.store.forget(guild, row.session_id)
        elif datetime.fromisoformat(row.starts_at) > now:
            try:
                await self._call("DELETE", "/guilds/{guild_id}/scheduled-events/{event_id}", guild,
                                 event_id=row.discord_id)
            except discord.NotFound:
                pass  # deleted on the server already
            self.store.forget(guild, row.session_id)

    async def _change(self, guild: str, event_id: str, body: dict) -> bool:
        """PATCH one of the server's events; False when it is gone from the server. One Discord
        will not change (an admin started or ended it by hand) is left as it is: asking again
        at every sync would only be refused again."""
        try:
            await self._call("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}", guild, body=body,
                             event_id=event_id)
        except discord.NotFound:
            return False
        except discord.HTTPException as err:
            if err.status != 400:
                raise
            log.warning("Discord server %s would not change its scheduled event %s (%s %s); left as it is", guild,
                        event_id, err.status, err.text)
        return True

    async def _ours(self, guild: str, known: set[str]) -> dict[str, dict]:
        """The server's scheduled events the bot made that no row remembers (made just before
        a crash), by name, so they are taken back rather than made twice."""
        me = self.client.user.id if self.client.user else None
        listed = await self._call("GET", "/guilds/{guild_id}/scheduled-events", guild)
        return {e["name"]: e for e in listed if me is not None and str(e.get("creator_id")) == str(me)
                and e.get("status") == SCHEDULED and str(e["id"]) not in known}

    async def _call(self, method: str, path: str, guild: str, body: dict | None = None, **params):
        """One REST call through discord.py (its rate-limit buckets and 429 waits apply)."""
        request = self.client.http.request(Route(method, path, guild_id=guild, **params),
                                           **({"json": body} if body is not None else {}))
        return await asyncio.wait_for(request, REQUEST_TIMEOUT)


def _iso(moment: datetime) -> str:
    """A time as Discord gives it back: ISO 8601 in UTC."""
    return moment.astimezone(timezone.utc).isoformat()


def _name(entry: CalendarEntry) -> str:
    """The event's name, within Discord's length."""
    return entry.name if len(entry.name) <= NAME_MAX else entry.name[:NAME_MAX - 1] + "…"


def _times(entry: CalendarEntry) -> dict:
    """What a moved (or renamed) session changes in its event."""
    return {"name": _name(entry), "scheduled_start_time": _iso(entry.start), "scheduled_end_time": _iso(entry.end)}


def _body(entry: CalendarEntry) -> dict:
    """A new scheduled event for a session: held elsewhere (at the circuit), seen by the server."""
    location = entry.location if len(entry.location) <= LOCATION_MAX else entry.location[:LOCATION_MAX - 1] + "…"
    return {**_times(entry), "privacy_level": GUILD_ONLY, "entity_type": EXTERNAL,
            "entity_metadata": {"location": location}}
