"""`pitboard replay`: a recorded session played through the real polling path, so an admin
sees what their channels would get, and when.

The recorded files (OpenF1 race control, drivers and session result as JSON; Al Kamel lap
analysis and classification as CSV) are served from a server on 127.0.0.1 as they stood
at each moment of the race, on a clock running `speed` times faster than the race did:
race control message by message, the lap analysis crossing by crossing, the result and
the classification once the race is over. The real sources poll that server, and what
they read goes store → updates → outbox → dispatcher to the console (and to one chosen
channel, if asked). It all happens in a scratch database holding only the event as it
stood before the race: the real one is never written.
"""
from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from aiohttp import web

from bot.bootstrap import TOKENS, Bot, bootstrap
from bot.config import Config
from bot.domain import EventBundle, Source
from bot.laptime import LapTimeError, parse_lap_time
from bot.platforms.console import ConsolePlatform
from bot.runner import configure_logging, ensure_console_channel
from bot.sources import alkamel
from bot.sources.alkamel_feed import AlKamelSource
from bot.sources.openf1_feed import OpenF1Source
from bot.sources.polling import HttpFeed
from bot.sources.target import TargetError, find_target

MAX_FILE = 50_000_000
SETTLE_POLLS = 3  # polls after the last moment, so the last posts are read and sent


class ReplayError(ValueError):
    """A file or an option the replay cannot use, told as one sentence."""


@dataclass
class Recording:
    """What the files recorded, each on its own race clock (seconds from its first moment)."""

    race_control: list[tuple[float, dict]] = field(default_factory=list)
    drivers: list = field(default_factory=list)
    session_result: list = field(default_factory=list)
    session_key: int = 0
    timing: dict[str, tuple[str, list[tuple[float, str]]]] = field(default_factory=dict)  # name -> (header, rows)
    classifications: dict[str, str] = field(default_factory=dict)  # name -> text, shown at the end

    @property
    def length(self) -> float:
        """Seconds of race the recording covers."""
        ends = [self.race_control[-1][0]] if self.race_control else []
        ends += [rows[-1][0] for _, rows in self.timing.values() if rows]
        return max(ends, default=0.0)

    @property
    def finish(self) -> float:
        """When the result becomes known: the chequered flag (or the end of the recording)."""
        flag = next((at for at, m in self.race_control if str(m.get("flag") or "").upper() == "CHEQUERED"
                     or str(m.get("message") or "").upper().strip() == "SESSION FINISHED"), None)
        return self.length if flag is None else flag


def read_recording(paths: list[Path]) -> Recording:
    """The files, each recognised by what it holds; a file it cannot use is refused by name."""
    rec = Recording()
    for path in paths:
        try:
            raw = path.read_bytes()[:MAX_FILE]
        except OSError as err:
            raise ReplayError(f"{path} cannot be read ({err.strerror or err}).") from None
        text = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
        if text.lstrip().startswith("["):
            _read_openf1(rec, path, text)
            continue
        kind = alkamel.kind_of(text)
        if kind == "laps":
            rec.timing[path.name] = _timed_rows(path, text)
        elif kind == "classification":
            rec.classifications[path.name] = text
        else:
            raise ReplayError(f"{path} is neither an OpenF1 JSON list nor an Al Kamel classification or lap "
                              "analysis; give one of those.")
    if not (rec.race_control or rec.timing or rec.classifications or rec.session_result):
        raise ReplayError("Nothing to replay: give at least one recorded file.")
    return rec


def _read_openf1(rec: Recording, path: Path, text: str) -> None:
    try:
        records = json.loads(text)
    except (ValueError, RecursionError):
        raise ReplayError(f"{path} is not valid JSON; give OpenF1's answer as it was saved.") from None
    records = [r for r in records if isinstance(r, dict)]
    if any("message" in r and "date" in r for r in records):
        dated = sorted((r for r in records if isinstance(r.get("date"), str)), key=lambda r: r["date"])
        start = _seconds(dated[0]["date"])
        rec.race_control = [(_seconds(m["date"]) - start, m) for m in dated]
        rec.session_key = next((m["session_key"] for m in dated if isinstance(m.get("session_key"), int)), 0)
    elif any("position" in r and "driver_number" in r for r in records):
        rec.session_result = records
    elif any("driver_number" in r and ("full_name" in r or "last_name" in r) for r in records):
        rec.drivers = records
    else:
        raise ReplayError(f"{path} is an OpenF1 list Pitboard does not replay; give race_control, drivers or "
                          "session_result.")


def _seconds(iso: str) -> float:
    from datetime import datetime

    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise ReplayError(f"a race-control message is dated {iso!r}, which is not a date.") from None


def _timed_rows(path: Path, text: str) -> tuple[str, list[tuple[float, str]]]:
    """The lap analysis's header, and its rows each with the race time it was written at."""
    lines = text.splitlines()
    header, rows = lines[0], [line for line in lines[1:] if line.strip()]
    columns = [c.strip() for c in header.split(";")]
    if "ELAPSED" not in columns:
        raise ReplayError(f"{path} has no ELAPSED column: its crossings cannot be put on a race clock.")
    at = columns.index("ELAPSED")
    timed = []
    for line in rows:
        cells = line.split(";")
        try:
            timed.append((parse_lap_time(cells[at].strip()) / 1000, line))
        except (LapTimeError, IndexError):
            continue  # a row without a time cannot be placed; the rest still can
    timed.sort(key=lambda item: item[0])
    return header, timed


class RecordingServer:
    """The recording as it stood at race time `now()`, over HTTP on 127.0.0.1."""

    def __init__(self, rec: Recording, now, event_date: str):
        self.rec, self.now, self.event_date = rec, now, event_date

    async def start(self) -> str:
        """Serve; returns the base address."""
        app = web.Application()
        app.router.add_routes([web.get("/v1/{what}", self._openf1), web.get("/timing/{name}", self._timing)])
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        """Close the server."""
        await self.runner.cleanup()

    async def _openf1(self, request):
        rec, now = self.rec, self.now()
        what = request.match_info["what"]
        if what == "sessions":
            records = [{"session_key": rec.session_key, "date_start": f"{self.event_date}T12:00:00+00:00"}]
        elif what == "race_control":
            records = [m for at, m in rec.race_control if at <= now]
        elif what == "drivers":
            records = rec.drivers
        elif what == "session_result":
            records = rec.session_result if now >= rec.finish else []
        else:
            records = []
        if not records:  # as OpenF1 says it
            return web.json_response({"detail": "No results found."}, status=404)
        return web.json_response(records)

    async def _timing(self, request):
        name, now = request.match_info["name"], self.now()
        if name in self.rec.timing:
            header, rows = self.rec.timing[name]
            shown = [line for at, line in rows if at <= now]
            if not shown:
                return web.Response(status=404, text="not published yet")
            return web.Response(text="\n".join([header] + shown) + "\n", content_type="text/csv")
        if name in self.rec.classifications and now >= self.rec.length:
            return web.Response(text=self.rec.classifications[name], content_type="text/csv")
        return web.Response(status=404, text="not published yet")


def run_replay(config: Config, user_db: Bot, paths: list[Path], event: str, session: str = "race",
               speed: float = 60.0, poll: float = 1.0, channel: str | None = None, env=None, out=None,
               as_json: bool = False) -> int:
    """Replay the recorded files for `event`'s `session` at `speed` times the race's pace,
    polling every `poll` seconds; posts go to the console (and `channel`, PLATFORM:ID),
    one JSON object per line with `as_json`."""
    out = out or sys.stdout
    rec = read_recording(paths)
    try:
        target = find_target(user_db.queries, event, session)
    except TargetError as err:
        text = str(err)
        raise ReplayError(text[0].upper() + text[1:]) from None
    chosen = None
    if channel and channel != "console:console":
        platform, _, address = channel.partition(":")
        if platform not in TOKENS or not address:
            raise ReplayError(f"--channel must be telegram:ID or discord:ID, not {channel!r}.")
        token = (env or {}).get(TOKENS[platform])
        if not token:
            raise ReplayError(f"--channel {channel} needs ${TOKENS[platform]} set, to send there.")
        from bot.store.lease import lease_holder

        if lease_holder(user_db.config.db_path):
            # The replay connects with the same token: it would take the running bot's
            # updates (Telegram allows one poller) and answer them from its scratch copy.
            raise ReplayError(f"A bot is running on this database; stop it before replaying to {channel}, or "
                              "replay to the console (no --channel).")
        chosen = (platform, address, token, user_db.channels.find(platform, address))
    with tempfile.TemporaryDirectory(prefix="pitboard-replay-") as scratch:
        app = bootstrap(replace(config, db_path=Path(scratch) / "replay.db", seed_events=False,
                                events_dir=Path(scratch) / "no-events", sources=(), channels=()))
        try:
            sessions = tuple(replace(s, status="scheduled") for s in user_db.queries.sessions(target.event.id))
            app.store([EventBundle(target.series, target.event, (Source("replay-calendar", "event_file", "Replay"),),
                                   sessions)], "replay: the event before the race")
            platforms = {"console": ConsolePlatform(out, as_json=as_json)}
            ids = [ensure_console_channel(app).id]
            if chosen is not None:
                platform, address, token, known = chosen
                platforms[platform] = app.platform(platform, token)
                made = app.channels.ensure(platform, address)
                if known is not None:  # as the real channel is set: language, spoilers, role
                    app.channels.configure(made.id, lang=known.lang, timezone=known.timezone,
                                           spoiler_mode=known.spoiler_mode, mention_role=known.mention_role)
                ids.append(made.id)
            for channel_id in ids:
                app.channels.subscribe(channel_id, "event", target.event.id)
            configure_logging([chosen[2]] if chosen else [])
            started = time.monotonic()
            print(f"Replaying {rec.length / 60:.0f} minutes of {target.event.name} {target.event.date.year} "
                  f"({session}) at {speed:g}x: about {rec.length / speed:.0f} s.", file=sys.stderr, flush=True)
            posts = asyncio.run(_play(app, rec, target, session, speed, poll, platforms))
            print(f"Replay over in {time.monotonic() - started:.1f} s: {posts} post(s) sent"
                  + (f" (to the console and to {channel})." if chosen else "."), file=sys.stderr)
        finally:
            app.close()
    return 0


async def _play(app: Bot, rec: Recording, target, session: str, speed: float, poll: float, platforms) -> int:
    loop = asyncio.get_running_loop()
    t0 = loop.time()

    def now() -> float:
        """Race time: seconds since the recording's first moment."""
        return (loop.time() - t0) * speed

    server = RecordingServer(rec, now, target.event.date.isoformat())
    base = await server.start()
    query = target.event.id
    # Our own server keeps no request limits: each source gets an unpaced feed of its own.
    sources = []
    if rec.race_control or rec.session_result:
        sources.append(OpenF1Source("replay-openf1", f"{base}/v1", rec.session_key, query, session,
                                    interval=poll, live_interval=poll, feed=HttpFeed()))
    for n, name in enumerate([*rec.timing, *rec.classifications], 1):
        sources.append(AlKamelSource(f"replay-timing-{n}", query, session, url=f"{base}/timing/{name}",
                                     interval=poll, live_interval=poll, feed=HttpFeed()))
    for platform in platforms.values():
        await platform.start()
    engine = app.engine(platforms, polls=[app.poller.scheduled(s) for s in sources])
    engine.start()
    try:
        await asyncio.sleep(rec.length / speed)
        # The whole recording is out: let every source finish polls begun after that (a
        # slow poll is skipped, not queued), then every post go out. A deadline, in case.
        deadline = loop.time() + max(30.0, 20 * poll)
        states = app.repositories.source_states
        polled = {s.name: states.load(s.name).last_poll for s in sources}
        changes = {s.name: 0 for s in sources}
        while loop.time() < deadline and (min(changes.values(), default=SETTLE_POLLS) < SETTLE_POLLS
                                          or engine.dispatcher.pending()):
            await asyncio.sleep(min(poll, 0.05))
            for s in sources:
                last = states.load(s.name).last_poll
                if last != polled[s.name]:
                    polled[s.name], changes[s.name] = last, changes[s.name] + 1
    finally:
        await engine.shutdown()
        for platform in platforms.values():
            await platform.stop()
        await server.stop()
    return app.repositories.outbox.counts().get("sent", 0)
