"""Benchmark: the timing sources — Al Kamel files and OpenF1 race control — read, stored and posted.

Five figures, each beside a baseline measured in the same run (the machine is shared and
noisy, so the ratios are what to compare between runs; absolute rates are printed too):

  classification  a synthetic Al Kamel classification of `--cars` cars (default 5,000) in
                  five classes -> alkamel.classification, results/s; baseline: a bare
                  csv.DictReader pass over the same text.
  lap analysis    `--lap-cars` x `--laps` lap rows (default 60 x 400) with FLAG_AT_FL (GF,
                  FCY, SF, SC) -> alkamel.neutralisations, rows/s; the periods found must be
                  the ones generated; baseline: a bare csv.DictReader pass.
  race control    `--messages` OpenF1 race-control messages (default 50,000), as JSON text
                  -> json.loads + openf1.race_control, messages/s; the periods found must be
                  the ones generated; baseline: json.loads of the same text plus a loop
                  touching each message (like for like: both decode).
  store           the classification read and stored (timing_facts + the ingest step)
                  into a fresh temporary store that knows the event, facts/s; baseline: the
                  parse alone (alkamel.classification).
  latency         a race-control message appearing on an OpenF1 server on 127.0.0.1 -> its
                  post leaving the dispatcher, through the real Engine polling every
                  `--interval` s (default 0.5), over `--trials` messages (default 20) appended
                  at a random phase of the poll; p50/p95/max, split into the wait for a poll,
                  the poll's own work, and the part after the poll (the dispatcher).
                  Baseline: the poll interval (a random phase waits ~0.5 of it on average).
                  Run twice: with no client-side request limit (the pipeline alone), and with
                  the feed's own OpenF1 limit (30 requests per 10 s) as `pitboard run` polls;
                  a poll makes 3 requests, so below 1 s the limit, not the interval, decides.

Nothing leaves 127.0.0.1 and everything is written to a temporary directory. Timings never
fail the script; a wrong answer (periods, results, posts) does.

Run:  python3 bench/bench_sources.py [--cars 5000 --messages 50000 --interval 0.5 --trials 20]
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import io
import itertools
import json
import logging
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
# Runnable from a plain checkout as well as after `pip install -e .`.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.bootstrap import Bot, bootstrap
from bot.config import Config
from bot.domain import OVERALL, Event, EventBundle, Series, Session, Source
from bot.platforms.fake import FakePlatform
from bot.sources import alkamel, openf1
from bot.sources.openf1_feed import OpenF1Source
from bot.sources.openf1_feed import openf1_feed
from bot.sources.polling import HttpFeed, RateLimit
from bot.sources.target import find_target
from bot.sources.timing_import import timing_facts

CLASSES = ("HYPERCAR", "LMP2", "LMGT3", "GT4", "CUP")
FIRST = ("Anna", "Bruno", "Carl", "Dana", "Eli", "Fay", "Gus", "Hal", "Ines", "Jon", "Kim", "Loïc")
LAST = ("MARTIN", "DE LUCA", "OLSEN", "WU", "ROSS", "NGUYEN", "PAPA", "STONE", "HÜLKENBERG", "VAN DER BERG",
        "O'NEIL", "SMITH-JONES")
LAP_COLUMNS = ("NUMBER; DRIVER_NUMBER; LAP_NUMBER; LAP_TIME; LAP_IMPROVEMENT; CROSSING_FINISH_LINE_IN_PIT; "
               "S1; S2; S3; KPH; ELAPSED; HOUR; TOP_SPEED; DRIVER_NAME; PIT_TIME; CLASS; TEAM; FLAG_AT_FL;")
# Neutralisations of the synthetic lap analysis: (flag, leader's first lap, leader's last lap,
# cars still under the flag on the lap after). A tenth of the field or more still under it on
# the next lap makes that lap part of the period; fewer (lapped stragglers) do not.
LAP_PERIODS = (("FCY", 37, 38, 3), ("SF", 95, 100, 24), ("FCY", 180, 180, 0), ("SC", 250, 254, 5),
               ("FCY", 330, 331, 12))
FLAG_KINDS = {"FCY": "full_course_yellow", "SF": "safety_car", "SC": "safety_car"}
# Race-control periods, in turn: (kind, opening message, flag, closing message, flag).
RC_PERIODS = (("safety_car", "SAFETY CAR DEPLOYED", None, "SAFETY CAR IN THIS LAP", None),
              ("virtual_safety_car", "VIRTUAL SAFETY CAR DEPLOYED", None, "VIRTUAL SAFETY CAR ENDING", None),
              ("red_flag", "RED FLAG", "RED", "GREEN LIGHT - PIT EXIT OPEN", "GREEN"))
SESSION_KEY = 9000
RACE_START = datetime(2026, 3, 29, 5, 0, tzinfo=timezone.utc)


# ---------------------------------------------------------------- synthetic data


def clock(ms: int) -> str:
    """A time the way Al Kamel writes it: `24:00'42.784`, `3'18.596` or `28.869`."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    if hours:
        return f"{hours}:{minutes:02d}'{seconds:02d}.{millis:03d}"
    if minutes:
        return f"{minutes}'{seconds:02d}.{millis:03d}"
    return f"{seconds}.{millis:03d}"


def classification_csv(cars: int) -> tuple[str, dict]:
    """A 24-hour race's classification of `cars` cars, and what reading it must give."""
    rng = random.Random(1)
    lines = [("\ufeffPOSITION;NUMBER;TEAM;DRIVER_1;DRIVER_2;DRIVER_3;CLASS;VEHICLE;STATUS;LAPS;TOTAL_TIME;"
              "GAP_FIRST;GAP_PREVIOUS;FL_LAPNUM;FL_TIME;FL_KPH;")]
    leader_laps, leader_ms = 395, 86_442_784
    winners: dict[str, str] = {}
    previous_ms = leader_ms
    for i in range(cars):
        number, cls = str(i + 1), CLASSES[i % len(CLASSES)]
        drivers = [f"{FIRST[(i + d) % len(FIRST)]} {LAST[(i * 7 + d) % len(LAST)]}" for d in range(1 + i % 3)]
        status, laps = "Classified", leader_laps - i // 40
        # Some of every kind of line a real file has: retirements, non-starters, exclusions.
        if i % 25 == 24:
            status, laps = "Retired", laps // 2
        elif i % 200 == 199:
            status = "Not classified"
        elif i % 500 == 499:
            status, laps = "DNS", 0
        elif i % 997 == 996:
            status = "Excluded"
        total = leader_ms + i * 1_337 if laps else None
        if i == 0 or status != "Classified":
            gap = gap_prev = ""
        elif laps < leader_laps:
            down = leader_laps - laps
            gap, gap_prev = f"{down} Laps" if down > 1 else "1 Lap", clock(total - previous_ms)
        else:
            gap, gap_prev = clock(total - leader_ms), clock(total - previous_ms)
        if status == "Classified":
            winners.setdefault(cls, number)
            previous_ms = total
        best = 198_000 + rng.randrange(9_000) + 2_500 * CLASSES.index(cls)
        lines.append(";".join([
            str(i + 1), number, f"Team {i % 97}", *(drivers + [""] * (3 - len(drivers))), cls,
            f"Car {cls.title()} {i % 11}", status, str(laps), clock(total) if total else "", gap, gap_prev,
            str(1 + rng.randrange(max(laps, 1))), clock(best) if laps else "",
            f"{210 + rng.random() * 40:.1f}" if laps else "",
        ]) + ";")
    expected = {"results": 2 * cars, "winner_ms": leader_ms, "winners": winners, "first_drivers": ("Anna Martin",)}
    return "\n".join(lines) + "\n", expected


def lap_analysis_csv(cars: int, laps: int) -> tuple[str, list[tuple[str, int, int]]]:
    """A lap analysis played on a race clock: car 1 is fastest, each car behind a little
    slower (the back of the field is lapped); each period of LAP_PERIODS is a flag shown
    from just after the leader completes its first lap to just after it completes its last,
    and every car crossing the line meanwhile sees it. Returns the text and the periods the
    reader must find (by the leader's laps, worked out here from the clock, not the file)."""
    rng = random.Random(2)
    leader_pace = 96_000
    # The windows, on the clock of a leader lapping at its pace (150 s a lap under a flag).
    windows, clock_ms, lap_ms = [], 0, {}
    flagged = {lap: flag for flag, first, last, _ in LAP_PERIODS for lap in range(first + 1, last + 1)}
    for lap in range(1, laps + 1):
        clock_ms += 150_000 if lap in flagged else leader_pace
        lap_ms[lap] = clock_ms
    for flag, first, last, _ in LAP_PERIODS:
        if last + 2 < laps:  # a one-lap flag is over before the leader is back: it never sees it
            windows.append((flag, lap_ms[first] + 20_000, lap_ms[last] + (1_000 if last > first else 70_000)))

    def shown(t: int) -> str:
        """The flag at the line at race time t."""
        return next((flag for flag, start, end in windows if start <= t < end), "GF")

    crossings = []
    for car in range(1, cars + 1):
        elapsed, lap = 0, 0
        while lap < laps:
            lap += 1
            flag = shown(elapsed + 1)
            lap_time = (150_000 if flag != "GF" else leader_pace + car * 40) + rng.randrange(500)
            elapsed += lap_time
            crossings.append((elapsed, car, lap, lap_time))
    crossings.sort()
    finish = next(t for t, car, lap, _ in crossings if lap == laps)
    lines, done = [LAP_COLUMNS], set()
    for elapsed, car, lap, lap_time in sorted(crossings, key=lambda c: (c[1], c[2])):
        if elapsed > finish and car in done:
            continue
        flag = "FF" if elapsed >= finish else shown(elapsed)
        if flag == "FF":
            done.add(car)
        s1, s2 = lap_time * 22 // 100, lap_time * 35 // 100
        lines.append(f"{car:03d};{1 + lap // 50 % 3};{lap};{clock(lap_time)};0;;{clock(s1)};{clock(s2)};"
                     f"{clock(lap_time - s1 - s2)};{180 + rng.random() * 20:.1f};{clock(elapsed)};"
                     f"13:{lap % 60:02d}:08.129;{300 + rng.random() * 20:.1f};{FIRST[car % len(FIRST)]} "
                     f"{LAST[car % len(LAST)]};;{CLASSES[car % len(CLASSES)]};Team {car};{flag};")
    expected = []
    for flag, start, end in windows:
        first_under = min(c for c in crossings if start <= c[0] < end)
        led = max((lap for t, _, lap, _ in crossings if t < first_under[0]), default=0)
        expected.append((FLAG_KINDS[flag], max(led, first_under[2]),
                         max(lap for t, _, lap, _ in crossings if t < end)))
    return "\n".join(lines) + "\n", expected


def rc_message(index: int, lap: int, text: str, flag: str | None, category: str) -> dict:
    """One race-control message in OpenF1's shape, dated `index` seconds into the session."""
    return {"meeting_key": 1281, "session_key": SESSION_KEY,
            "date": (RACE_START + timedelta(seconds=index)).isoformat(), "driver_number": None,
            "lap_number": lap, "category": category, "flag": flag, "scope": "Track" if flag else None,
            "sector": None, "qualifying_phase": None, "message": text}


def race_control_log(n: int) -> tuple[list[dict], list[tuple[str, int, int]]]:
    """`n` messages: mostly sector flags, blue flags and track-limit notes, with a
    neutralisation every 1,000 messages (SC, VSC, red flag in turn) and the chequered flag
    last. Returns the log and the periods race_control() must find."""
    laps = max(2, n // 25)
    log, expected, open_period = [], [], None
    stopped = 0  # messages while the race stood still under a red flag: no laps go by
    for i in range(n - 1):
        if open_period and open_period[0] == "red_flag":
            stopped += 1
        lap = 1 + (i - stopped) * laps // n
        if i % 1000 == 500:
            kind, text, flag, *_ = RC_PERIODS[i // 1000 % len(RC_PERIODS)]
            open_period = (kind, lap, i // 1000 % len(RC_PERIODS))
            log.append(rc_message(i, lap, text, flag, "SafetyCar" if flag is None else "Flag"))
        elif i % 1000 == 700 and open_period:
            kind, start, which = open_period
            _, _, _, text, flag = RC_PERIODS[which]
            log.append(rc_message(i, lap, text, flag, "SafetyCar" if flag is None else "Flag"))
            expected.append((kind, start, lap))
            open_period = None
        elif i % 3 == 0:
            log.append(rc_message(i, lap, f"CLEAR IN TRACK SECTOR {i % 24 + 1}", "CLEAR", "Flag"))
        elif i % 3 == 1:
            log.append(rc_message(i, lap, f"WAVED BLUE FLAG FOR CAR {i % 99} TIMED AT 14:{i % 60:02d}:11", "BLUE",
                                  "Flag"))
        else:
            log.append(rc_message(i, lap, f"CAR {i % 99} TIME 1:32.{i % 1000:03d} DELETED - TRACK LIMITS AT "
                                  f"TURN {i % 18 + 1} LAP {lap}", None, "Other"))
    log.append(rc_message(n - 1, laps, "CHEQUERED FLAG", "CHEQUERED", "Flag"))
    return log, expected


# ---------------------------------------------------------------- stores and servers


def event_app(db_path: Path, series: Series, event: Event) -> Bot:
    """A store that knows `event` (its race not started) and one fake channel following
    everything, the way tests/integration/test_feed_polling.py builds one."""
    app = bootstrap(Config(db_path=db_path, seed_events=False, digest_hour=None))
    race = Session(f"{event.id}/race", event.id, "race", "Race", status="scheduled")
    app.store([EventBundle(series, event, (Source(f"{series.id}-calendar", "event_file", "Calendar"),), (race,))],
              "calendar")
    app.channels.subscribe(app.channels.ensure("fake", "fans").id, "all", "")
    return app


def endurance_app(db_path: Path) -> Bot:
    """A store that knows a 24-hour race, for the classification import."""
    event = Event("bench-24-hours-2026", "wec", "Bench 24 Hours", date(2026, 6, 13), "Europe/Paris",
                  classes=CLASSES, aliases=("bench 24h 2026",))
    return event_app(db_path, Series("wec", "FIA World Endurance Championship", "WEC"), event)


def f1_app(db_path: Path) -> Bot:
    """A store that knows the Japanese Grand Prix 2026, as the feed-polling tests do."""
    event = Event("japanese-grand-prix-2026", "f1", "Japanese Grand Prix", date(2026, 3, 29), "Asia/Tokyo",
                  aliases=("suzuka 2026",))
    return event_app(db_path, Series("f1", "Formula 1"), event)


class OpenF1Server:
    """/v1/race_control, /v1/drivers, /v1/session_result and /v1/sessions on 127.0.0.1, with ETags,
    answering an empty list as OpenF1 does (404, "No results found."); with `account`, only
    to a bearer token from /token. Stamps when each race-control message is first served."""

    def __init__(self, account: tuple[str, str] | None = None):
        self.account, self.tokens, self.not_found = account, 0, 0
        self.race_control: list[dict] = []
        self.drivers = [{"driver_number": n, "first_name": first, "last_name": last, "session_key": SESSION_KEY}
                        for n, first, last in ((1, "Max", "VERSTAPPEN"), (12, "Kimi", "ANTONELLI"),
                                               (63, "George", "RUSSELL"))]
        self.served: dict[int, float] = {}  # index in race_control -> monotonic time first served
        self.reads: list[float] = []  # monotonic times race_control was asked for (200 or 304)
        self.requests = 0

    async def handle(self, request: web.Request) -> web.Response:
        """Answer one list, or 304 when the client already holds it."""
        self.requests += 1
        what = request.match_info["what"]
        if self.account and request.headers.get("Authorization") != f"Bearer token-{self.tokens}":
            return web.json_response({"detail": "Not authenticated"}, status=401)
        if what not in ("race_control", "drivers", "session_result", "sessions"):
            return web.json_response({"detail": "Not Found"}, status=404)
        # The source reads /sessions once, to check the key is a session on the event's days.
        sessions = [{"session_key": SESSION_KEY, "session_type": "Race", "date_start": RACE_START.isoformat()}]
        data = {"race_control": self.race_control, "drivers": self.drivers, "session_result": [],
                "sessions": sessions}[what]
        if what == "race_control":
            self.reads.append(time.monotonic())
        if not data:  # OpenF1's way of saying "nothing yet"
            self.not_found += 1
            return web.json_response({"detail": "No results found."}, status=404)
        body = json.dumps(data)
        etag = f'"{hash(body) & 0xffffffff:x}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304)
        if what == "race_control":
            now = time.monotonic()
            for index in range(len(self.served), len(data)):
                self.served[index] = now
        return web.Response(text=body, content_type="application/json", headers={"ETag": etag})

    async def token(self, request: web.Request) -> web.Response:
        """A bearer token for the account (OAuth2 password grant), valid an hour."""
        form = await request.post()
        if (form.get("username"), form.get("password")) != self.account:
            return web.json_response({"detail": "Incorrect username or password"}, status=401)
        self.tokens += 1
        return web.json_response({"access_token": f"token-{self.tokens}", "token_type": "bearer", "expires_in": 3600})

    async def start(self) -> str:
        """Listen on a free port of 127.0.0.1; returns the base URL."""
        app = web.Application()
        app.router.add_get("/v1/{what}", self.handle)
        app.router.add_post("/token", self.token)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        return f"http://127.0.0.1:{self.runner.addresses[0][1]}/v1"

    async def stop(self) -> None:
        """Close the listener."""
        await self.runner.cleanup()


# ---------------------------------------------------------------- measuring


def interleaved(cases: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Median seconds per call of each case, the cases taking turns so that a burst of
    noise from other tenants hits them all alike (one warm-up call each first)."""
    for fn in cases.values():
        fn()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            started = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(s) for name, s in samples.items()}


def bare_csv(text: str) -> int:
    """The baseline for Al Kamel files: every row through csv.DictReader, nothing else."""
    return sum(1 for _ in csv.DictReader(io.StringIO(text), delimiter=";"))


def check(what: str, got, expected) -> None:
    """Stop the benchmark if it is not timing a correct run."""
    if got != expected:
        raise SystemExit(f"{what}: got {got!r}, expected {expected!r}")


def bench_classification(cars: int, rounds: int) -> dict:
    """Results per second from a big classification, against a bare CSV pass."""
    text, expected = classification_csv(cars)
    results = alkamel.classification(text, "classification.csv", "s/race", "timing")
    check("classification results", len(results), expected["results"])
    overall = [r for r in results if r.classification == OVERALL]
    check("winner's time", overall[0].total_time_ms, expected["winner_ms"])
    check("class winners", {r.classification: r.number for r in results if r.classification and r.position == 1},
          expected["winners"])
    check("first crew", overall[0].drivers, expected["first_drivers"])
    for cls in CLASSES:  # each class numbered 1, 2, 3 ... over its classified cars
        places = [r.position for r in results if r.classification == cls and r.position is not None]
        check(f"{cls} places", places, list(range(1, len(places) + 1)))
    times = interleaved({"parse": lambda: alkamel.classification(text, "classification.csv", "s/race", "timing"),
                         "csv": lambda: bare_csv(text)}, rounds)
    return {"text": text, "rows": cars, "facts": len(results), "bytes": len(text.encode()), **times}


def bench_lap_analysis(cars: int, laps: int, rounds: int) -> dict:
    """Lap rows per second through neutralisations(), after checking the periods it finds."""
    text, expected = lap_analysis_csv(cars, laps)
    rows = bare_csv(text)
    found = [(i.kind, i.start_lap, i.end_lap)
             for i in alkamel.neutralisations(text, "lap_analysis.csv", "s/race", "timing")]
    check("lap-analysis periods", found, expected)
    times = interleaved({"parse": lambda: alkamel.neutralisations(text, "lap_analysis.csv", "s/race", "timing"),
                         "csv": lambda: bare_csv(text)}, rounds)
    return {"rows": rows, "periods": found, **times}


def bench_race_control(n: int, rounds: int) -> dict:
    """Messages per second through race_control(), after checking the periods it finds."""
    log, expected = race_control_log(n)
    serialised = json.dumps(log)
    rc = openf1.race_control(log, "s/race", "openf1")
    check("race-control periods", [(i.kind, i.start_lap, i.end_lap) for i in rc.incidents], expected)
    check("race finished", rc.finished, True)

    # Like for like: both start from the JSON text the feed receives, so both decode it.
    def baseline() -> None:
        for m in json.loads(serialised):
            m.get("date"), m.get("message"), m.get("flag"), m.get("lap_number")

    times = interleaved({"parse": lambda: openf1.race_control(json.loads(serialised), "s/race", "openf1"),
                         "json": baseline}, rounds)
    return {"messages": n, "periods": len(rc.incidents), "bytes": len(serialised), **times}


def bench_store(tmp: str, text: str, facts: int, rounds: int) -> dict:
    """The classification read and stored, each round into a fresh store that knows the
    event (the file arriving once, as it does after a race); the baseline is the parse alone."""
    raw = text.encode()
    stored, parsed = [], []
    for n in range(rounds + 1):  # the first round warms the imports and SQLite's caches
        app = endurance_app(Path(tmp) / f"store-{n}.db")
        target = find_target(app.queries, "bench 24h 2026", "race")
        started = time.perf_counter()
        outcome = app.add_source_facts(timing_facts(target, raw, "classification.csv"))
        middle = time.perf_counter()
        alkamel.classification(text, "classification.csv", target.session.id, "timing")
        ended = time.perf_counter()
        check("results stored", outcome.results, facts)
        check("finish posts queued", app.db["deliveries"].count, 1)
        app.close()
        if n:
            stored.append(middle - started)
            parsed.append(ended - middle)
    return {"facts": facts, "stored": statistics.median(stored), "parse": statistics.median(parsed)}


async def bench_latency(tmp: str, name: str, interval: float, trials: int, seed: int,
                        feed: HttpFeed | None = None, account: tuple[str, str] | None = None) -> dict:
    """Race-control message on the server -> post sent, through the running Engine; `feed`
    replaces the one `pitboard run` would build (OpenF1's limits: without an account, or
    with `account`, whose token it fetches)."""
    server = OpenF1Server(account)
    base = await server.start()
    if feed is None:
        env = {"OPENF1_USERNAME": account[0], "OPENF1_PASSWORD": account[1]} if account else {}
        feed = openf1_feed(base, env)
    app = f1_app(Path(tmp) / f"latency-{name}.db")
    fake = FakePlatform("fake", clock=time.monotonic)  # Sent.at stamped on the same clock as the rest
    source = OpenF1Source(f"openf1-{name}", base, SESSION_KEY, "suzuka 2026", interval=interval,
                          live_interval=interval, **({"feed": feed} if feed else {}))
    polls: list[tuple[float, float, int]] = []  # (started, finished, requests made)
    scheduled = app.poller.scheduled(source)
    poll = scheduled.poll

    async def stamped_poll() -> int:
        """The source's own poll, stamped: when it started, when it finished, how many
        requests it made (none while the source backs off)."""
        started, asked = time.monotonic(), server.requests
        stored = await poll()
        polls.append((started, time.monotonic(), server.requests - asked))
        return stored

    scheduled.poll = stamped_poll  # the Engine calls poll() on what it schedules: this one's wins
    engine = app.engine({"fake": fake}, polls=[scheduled])
    engine.start()
    # Before the start race control is empty: OpenF1 answers 404 "No results found.", which
    # must cost nothing (no backoff). Then the pit exit opens.
    await asyncio.sleep(2.5)
    server.race_control.append(rc_message(0, 1, "GREEN LIGHT - PIT EXIT OPEN", "GREEN", "Flag"))
    deadline = time.monotonic() + 10
    while not (polls and app.queries.any_live_session()):  # the first poll has read the log: the race is live
        if time.monotonic() > deadline:
            raise SystemExit(f"latency ({name}): the first poll did not start the race within 10 s")
        await asyncio.sleep(0.01)

    # One random phase in each of `trials` equal slices of the interval, in random order:
    # random, yet spread evenly, so 20 trials average half an interval's wait as intended.
    rng = random.Random(seed)
    phases = [(k + rng.random()) / trials * interval for k in range(trials)]
    rng.shuffle(phases)
    rows, first_poll = [], len(polls)
    for k, phase in enumerate(phases):
        deployed = k % 2 == 0
        lap = 10 + 3 * k
        # Each wait starts just after the last post, itself just after a poll: the message
        # lands `phase` into the poll schedule.
        await asyncio.sleep(phase)
        before, index = len(fake.sent), len(server.race_control)
        appended = time.monotonic()
        server.race_control.append(rc_message(60 * (k + 1), lap, "SAFETY CAR DEPLOYED" if deployed
                                              else "SAFETY CAR IN THIS LAP", None, "SafetyCar"))
        deadline = appended + 10 * interval + 10
        while len(fake.sent) == before and time.monotonic() < deadline:
            await asyncio.sleep(0.001)
        if len(fake.sent) != before + 1:
            raise SystemExit(f"latency ({name}): message {k + 1} made {len(fake.sent) - before} posts, not 1")
        sent = fake.sent[-1]
        want = "Safety car — " if deployed else "Safety car in — "
        check(f"post {k + 1}", sent.message.title, want + "Japanese Grand Prix 2026")
        served = server.served[index]
        read_by = next(end for start, end, _ in polls if start <= served <= end)  # the poll that read it
        rows.append({"total": sent.at - appended, "wait": served - appended, "poll": read_by - served,
                     "after": sent.at - read_by})
    await engine.shutdown()
    await server.stop()
    app.close()
    during = polls[first_poll:]
    reads = [t for t in server.reads if t >= during[0][0]]
    gaps = [b - a for a, b in itertools.pairwise(reads)]
    return {"rows": rows, "polls": len(during), "skipped": sum(1 for *_, asked in during if not asked),
            "not_found": server.not_found, "tokens": server.tokens,
            "read_every": statistics.median(gaps), "longest_gap": max(gaps),
            "poll_ms": statistics.median(end - start for start, end, asked in during if asked) * 1e3}


# ---------------------------------------------------------------- report


def pcts(values: list[float]) -> tuple[float, float, float]:
    """p50, p95 and max, in milliseconds."""
    cuts = statistics.quantiles(values, n=20, method="inclusive")
    return statistics.median(values) * 1e3, cuts[18] * 1e3, max(values) * 1e3


def latency_lines(label: str, r: dict, interval: float) -> list[str]:
    """The latency figures of one run, for the console."""
    total, wait, poll, after = (pcts([row[k] for row in r["rows"]]) for k in ("total", "wait", "poll", "after"))
    mean = statistics.fmean(row["total"] for row in r["rows"]) * 1e3
    spread = "  p50 {:7.1f} ms  p95 {:7.1f} ms  max {:7.1f} ms".format
    return [
        (f"latency, {label}: poll interval {interval:g} s, {len(r['rows'])} messages, {r['polls']} polls ran "
         f"({r['skipped']} backing off, asking nothing); race_control read every {r['read_every']:.2f} s "
         f"(median), longest gap {r['longest_gap']:.2f} s"),
        f"  message -> post  {spread(*total)}  mean {mean:7.1f} ms = {mean / 1e3 / interval:.2f} x the interval",
        f"  wait for a poll  {spread(*wait)}  (message appended -> served to the poll that reads it)",
        f"  poll's own work  {spread(*poll)}  (served -> poll done; a whole poll: {r['poll_ms']:.1f} ms)",
        f"  after the poll   {spread(*after)}  (poll done -> sent: the dispatcher)",
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cars", type=int, default=5000)
    parser.add_argument("--lap-cars", type=int, default=60)
    parser.add_argument("--laps", type=int, default=400)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds per parsing case")
    parser.add_argument("--store-rounds", type=int, default=5)
    parser.add_argument("--interval", type=float, default=0.5, help="poll interval, seconds")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7, help="seed of the random phases")
    args = parser.parse_args()
    # APScheduler warns each time a poll is still running when the next is due (the rate
    # limit makes that happen); the gaps between reads printed below tell it better.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    # Likewise the source's warning each time its own rate limit makes it back off: the
    # skipped polls and the longest gap between reads are printed instead.
    logging.getLogger("bot.sources.polling").setLevel(logging.ERROR)
    started = time.perf_counter()

    c = bench_classification(args.cars, args.rounds)
    print(f"classification: {c['rows']:,} cars in {len(CLASSES)} classes ({c['bytes'] / 1e6:.2f} MB) -> "
          f"{c['facts']:,} results (overall + class)")
    print(f"  alkamel.classification {c['facts'] / c['parse']:10,.0f} results/s  ({c['parse'] * 1e3:.1f} ms)")
    print(f"  bare csv.DictReader    {c['rows'] / c['csv']:10,.0f} rows/s     ({c['csv'] * 1e3:.1f} ms)")
    print(f"  ratio                  {c['parse'] / c['csv']:10.1f} x the bare pass's time")

    lap = bench_lap_analysis(args.lap_cars, args.laps, args.rounds)
    print(f"lap analysis: {args.lap_cars} cars x up to {args.laps} laps = {lap['rows']:,} rows; periods found "
          f"(as generated): {', '.join(f'{k} {a}-{b}' for k, a, b in lap['periods'])}")
    print(f"  alkamel.neutralisations {lap['rows'] / lap['parse']:10,.0f} rows/s ({lap['parse'] * 1e3:.1f} ms)")
    print(f"  bare csv.DictReader     {lap['rows'] / lap['csv']:10,.0f} rows/s ({lap['csv'] * 1e3:.1f} ms)")
    print(f"  ratio                   {lap['parse'] / lap['csv']:10.1f} x the bare pass's time")

    rc = bench_race_control(args.messages, args.rounds)
    print(f"race control: {rc['messages']:,} OpenF1 messages ({rc['bytes'] / 1e6:.1f} MB of JSON), "
          f"{rc['periods']} periods found (as generated)")
    print(f"  json + race_control    {rc['messages'] / rc['parse']:10,.0f} messages/s ({rc['parse'] * 1e3:.1f} ms)")
    print(f"  json.loads + bare loop {rc['messages'] / rc['json']:10,.0f} messages/s ({rc['json'] * 1e3:.1f} ms)")
    print(f"  ratio                  {rc['parse'] / rc['json']:10.2f} x the baseline's time")

    with tempfile.TemporaryDirectory(prefix="pitboard-bench-") as tmp:
        st = bench_store(tmp, c["text"], c["facts"], args.store_rounds)
        print(f"store: the classification read and stored (timing_facts + add_source_facts), fresh store "
              f"each round, {args.store_rounds} rounds")
        print(f"  read + stored          {st['facts'] / st['stored']:10,.0f} facts/s   ({st['stored'] * 1e3:.0f} ms)")
        print(f"  parse alone            {st['facts'] / st['parse']:10,.0f} facts/s   ({st['parse'] * 1e3:.0f} ms)")
        print(f"  ratio                  {st['stored'] / st['parse']:10.1f} x the parse's time")

        # The loopback server needs no politeness: a feed with no request limit shows the pipeline alone.
        unlimited = await bench_latency(tmp, "unlimited", args.interval, args.trials, args.seed, HttpFeed(RateLimit()))
        for line in latency_lines("no client request limit", unlimited, args.interval):
            print(line)
        # The feed as `pitboard run` builds it: OpenF1's limits without an account (3 a
        # second, 30 a minute: paced 2 s apart), then with one (a token; 6 a second, 60 a minute).
        limited = await bench_latency(tmp, "openf1-limit", args.interval, args.trials, args.seed)
        for line in latency_lines("OpenF1's limit without an account (30 / min, paced 2 s)", limited, args.interval):
            print(line)
        account = await bench_latency(tmp, "openf1-account", args.interval, args.trials, args.seed,
                                      account=("fan@example.org", "bench-password"))
        for line in latency_lines("OpenF1 with an account (60 / min, paced 1 s; bearer token)", account, args.interval):
            print(line)
        print(f"  404 'No results found.' answers before the start (no backoff after them): "
              f"{unlimited['not_found']}, {limited['not_found']} and {account['not_found']}; tokens fetched with "
              f"the account: {account['tokens']}")
    elapsed = time.perf_counter() - started

    def row(what: str, figure: str, baseline: str, ratio: str) -> None:
        """One line of the README table."""
        print(f"| {what} | {figure} | {baseline} | {ratio} |")

    def lat(what: str, r: dict) -> None:
        """The README line of one latency run."""
        p50, p95, peak = pcts([t["total"] for t in r["rows"]])
        after = pcts([t["after"] for t in r["rows"]])[0]
        mean = statistics.fmean(t["total"] for t in r["rows"])
        row(f"race-control message → post, {what}",
            f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {peak:.0f} ms; after the poll p50 {after:.1f} ms",
            f"poll interval {args.interval:g} s (race_control read every {r['read_every']:.2f} s, longest gap "
            f"{r['longest_gap']:.1f} s)", f"mean {mean / args.interval:.2f}× the interval")

    print()
    print(f"summary (run took {elapsed:.0f} s)")
    row("what", "figure", "baseline (same run)", "ratio")
    print("|---|---|---|---|")
    row(f"Al Kamel classification, {c['rows']:,} cars, {len(CLASSES)} classes",
        f"{c['facts'] / c['parse']:,.0f} results/s", f"bare csv.DictReader: {c['rows'] / c['csv']:,.0f} rows/s",
        f"{c['parse'] / c['csv']:.1f}× the time")
    row(f"Al Kamel lap analysis, {lap['rows']:,} rows, {len(lap['periods'])} periods",
        f"{lap['rows'] / lap['parse']:,.0f} rows/s", f"bare csv.DictReader: {lap['rows'] / lap['csv']:,.0f} rows/s",
        f"{lap['parse'] / lap['csv']:.1f}× the time")
    row(f"OpenF1 race control, {rc['messages']:,} messages", f"{rc['messages'] / rc['parse']:,.0f} messages/s",
        f"json.loads + loop: {rc['messages'] / rc['json']:,.0f} messages/s",
        f"{rc['parse'] / rc['json']:.2f}× the time")
    row(f"classification read and stored, {st['facts']:,} facts", f"{st['facts'] / st['stored']:,.0f} facts/s",
        f"the parse alone: {st['facts'] / st['parse']:,.0f} facts/s", f"{st['stored'] / st['parse']:.1f}× the time")
    lat("no client request limit", unlimited)
    lat("OpenF1's limit without an account (30 a minute, paced 2 s)", limited)
    lat("OpenF1 with an account (60 a minute, paced 1 s)", account)


if __name__ == "__main__":
    asyncio.run(main())
