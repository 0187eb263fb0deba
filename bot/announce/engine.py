"""The engine: one APScheduler AsyncIOScheduler running the dispatcher, reminders, source
polling and the daily digest on the same loop as the platforms.

Jobs have ids, re-read the database when they fire, and are rebuilt from it at start, so
a restart picks up where the last run stopped. Every job is a coroutine: APScheduler runs
those on the loop, where the database connection lives, rather than in a thread pool.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.announce.announcer import REMINDER_HORIZON, Announcer
from bot.announce.calendar import Calendars
from bot.announce.dispatcher import Dispatcher
from bot.store.platform_state import HEARTBEAT, PlatformState
from bot.store.queries import Queries

log = logging.getLogger(__name__)
REBUILD_EVERY = 10.0  # minutes between re-reading the schedule of sessions
WEEKENDS_EVERY = 30  # minutes between two looks for race weekends to open
WARM_EVERY = 5.0  # seconds between looks at whether the event aliases changed (fuzzy lookup's index)
HEARTBEAT_EVERY = 15.0  # seconds between the bot's "alive" notes for `pitboard status`
CALENDAR_EVERY = 10.0  # minutes between bringing the servers' scheduled events up to date


class Engine:
    """Scheduler plus dispatcher for one running bot. `polls` are what it polls on a
    schedule (the event folder, the configured sources): each has a `name`, an `interval`
    and a `live_interval` in seconds, `async poll()` and `async aclose()`."""

    def __init__(self, dispatcher: Dispatcher, announcer: Announcer, queries: Queries, polls: list | None = None,
                 digest_hour: int | None = None, state: PlatformState | None = None,
                 calendars: Calendars | None = None):
        self.dispatcher = dispatcher
        self.announcer = announcer
        self.queries = queries
        self.digest_hour = digest_hour
        self.state = state  # where the heartbeat goes, for `pitboard status`
        self.scheduler = AsyncIOScheduler(timezone=timezone.utc)
        self.polls = polls or []
        self._sending: asyncio.Task | None = None
        announcer.listeners.append(self.wake)
        announcer.schedule_listeners.append(self.rebuild)  # a moved session's reminder job moves too
        # What the servers' scheduled events should list (Discord's), for platforms that have them.
        self.calendars = calendars
        self._calendar: asyncio.Task | None = None
        self._calendar_again = False
        if calendars is not None:
            announcer.schedule_listeners.append(self.calendars_soon)  # a moved session's event moves now

    def start(self) -> None:
        """Put back the sends a crash left in flight, add the standing jobs, rebuild the
        per-session ones from the database, start. The caller holds the database's lease
        (bot.store.lease), or the database is its own, as in the in-process tests."""
        # Only the lease holder may do this: another sender's `sending` rows are in flight.
        self.dispatcher.recover()
        now = datetime.now(timezone.utc)
        # The dispatcher sends continuously beside the scheduler: new posts wake it at once.
        self._sending = asyncio.get_running_loop().create_task(self.dispatcher.serve(), name="dispatcher")
        self.scheduler.add_job(self._rebuild, "interval", minutes=REBUILD_EVERY, id="rebuild", coalesce=True)
        # Threads and topics of the weekends starting within a day: opened before anything happens.
        self.scheduler.add_job(self._weekends, "interval", minutes=WEEKENDS_EVERY, id="weekends", coalesce=True,
                               next_run_time=datetime.now(timezone.utc))
        # The fuzzy lookup's index is rebuilt off the loop, ahead of the commands that need it.
        self.scheduler.add_job(self._warm, "interval", seconds=WARM_EVERY, id="warm-aliases", coalesce=True,
                               max_instances=1, next_run_time=now)
        if self.state is not None:
            self.scheduler.add_job(self._heartbeat, "interval", seconds=HEARTBEAT_EVERY, id="heartbeat",
                                   coalesce=True, next_run_time=now)
        for source in self.polls:
            self.scheduler.add_job(self._poll, "interval", seconds=source.interval, id=f"poll:{source.name}",
                                   args=[source], max_instances=1, coalesce=True, next_run_time=now)
        if self.digest_hour is not None:
            self.add_daily(self._digest, self.digest_hour)
        if self.calendars is not None and any(hasattr(p, "sync_calendar") for p in self.dispatcher.platforms.values()):
            self.scheduler.add_job(self._calendars_job, "interval", minutes=CALENDAR_EVERY, id="calendars",
                                   coalesce=True, next_run_time=now)
        self.scheduler.start()
        self.rebuild()

    def wake(self) -> None:
        """New deliveries are waiting: the dispatcher looks at once."""
        self.dispatcher.wake()

    def rebuild(self) -> int:
        """One reminder job per upcoming session, from the sessions now in the database."""
        now = datetime.now(timezone.utc)
        for job in self.scheduler.get_jobs():
            if job.id.startswith("remind:"):
                job.remove()
        sessions = self.queries.upcoming_sessions(now, limit=200)
        for session, _ in sessions:
            at = max(now, session.start - REMINDER_HORIZON)
            self.scheduler.add_job(self._remind, "date", run_date=at, id=f"remind:{session.id}",
                                   replace_existing=True, misfire_grace_time=3600)
        return len(sessions)

    async def sync_calendars(self) -> None:
        """Bring the servers' scheduled events in line with the sessions, on the platforms
        that have them (Discord). A call while a sync runs waits for it and one more round
        after it, so what changed meanwhile is in when it returns."""
        await asyncio.shield(self._start_calendars())

    def calendars_soon(self) -> None:
        """A session moved or was cancelled: its scheduled events follow now, not at the next
        round ten minutes on."""
        if not self.scheduler.running:
            return  # not started yet (the start syncs) or shut down
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # not on the loop (a tool's thread): the scheduler's job runs it there
            if self.scheduler.running and self.scheduler.get_job("calendars"):
                self.scheduler.modify_job("calendars", next_run_time=datetime.now(timezone.utc))
            return
        self._start_calendars()

    async def _calendars_job(self) -> None:
        # Starts a round and returns: a job still running would make APScheduler skip the next.
        self._start_calendars()

    def _start_calendars(self) -> asyncio.Task:
        """The sync under way, started now if none is, or told to go round once more if one is."""
        if self._calendar is None or self._calendar.done():
            self._calendar = asyncio.get_running_loop().create_task(self._calendar_rounds(), name="calendars")
        else:
            self._calendar_again = True
        return self._calendar

    async def _calendar_rounds(self) -> None:
        while True:
            self._calendar_again = False
            now = datetime.now(timezone.utc)
            for name, platform in self.dispatcher.platforms.items():
                sync = getattr(platform, "sync_calendar", None)
                if sync is None:
                    continue
                try:
                    await sync(self.calendars.plans(name, now))
                except Exception:  # noqa: BLE001 - a calendar is a courtesy: never worth the bot
                    log.exception("%s: could not bring the scheduled events up to date", name)
            if not self._calendar_again:
                return

    async def _heartbeat(self) -> None:
        """Say the bot is alive, and how each platform is, for `pitboard status`."""
        self.state.set(HEARTBEAT, json.dumps({
            "at": time.time(), "pid": os.getpid(),
            "platforms": {name: platform.health() for name, platform in self.dispatcher.platforms.items()},
            "sources": [source.name for source in self.polls]}))

    async def _warm(self) -> None:
        try:
            await self.queries.warm_alias_index()
        except Exception:  # noqa: BLE001 - a lookup rebuilds it itself if this fails
            log.exception("could not rebuild the event lookup's index")

    async def _rebuild(self) -> None:
        self.rebuild()

    async def _remind(self) -> None:
        self.announcer.remind()

    async def _weekends(self) -> None:
        self.announcer.open_weekends()

    async def _digest(self) -> None:
        self.announcer.digest()

    async def _poll(self, source) -> None:
        try:
            await source.poll()
        except asyncio.CancelledError:
            # Shutting down in the middle of a poll: nothing was stored (a poll stores last),
            # and the next start polls again. Not an error worth a traceback.
            log.debug("source %s: poll cancelled by the shutdown", source.name)
            return
        except Exception:  # noqa: BLE001 - one failing source must not stop the others
            log.exception("source %s failed", source.name)
        # Poll faster while any session is live, back to normal after.
        wanted = source.live_interval if self.queries.any_live_session() else source.interval
        job = self.scheduler.get_job(f"poll:{source.name}")
        if job and job.trigger.interval != timedelta(seconds=wanted):
            job.reschedule("interval", seconds=wanted)

    def add_daily(self, job: Callable, hour: int, job_id: str = "digest") -> None:
        """Run the coroutine `job` every day at `hour` UTC (the optional digest)."""
        self.scheduler.add_job(job, "cron", hour=hour, id=job_id, replace_existing=True, coalesce=True)

    async def shutdown(self, grace: float = 40.0) -> None:
        """Stop starting sends, let the ones in flight finish, then stop the scheduler.
        (Shutting the scheduler down first would cancel the running round, and with it
        the sends in the middle of their request.)"""
        self.dispatcher.stop()
        if self.scheduler.running:
            self.scheduler.pause()
        if self._sending is not None:
            await asyncio.wait({self._sending}, timeout=grace)
        await asyncio.wait_for(self.dispatcher.drain(), grace)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._calendar is not None and not self._calendar.done():
            self._calendar.cancel()  # a half-done sync is finished by the next start's
            await asyncio.gather(self._calendar, return_exceptions=True)
        for source in self.polls:
            await source.aclose()  # polled HTTP sources hold open connections
