"""Benchmark: the announcement path — outbox, dispatcher, scheduler — against fake platforms.

Three figures, each compared with a baseline measured in the same run:

  fan-out   one pole update to `--channels` channels (default 10,000) through a fake
            platform that enforces Telegram's and then Discord's limits and answers 429
            when they are broken. Figure: achieved send rate as a fraction of the limit,
            and the number of 429s (aim: >= 0.95 and zero).
            The limits are multiplied by `--scale` (default 10: Telegram 300/s, Discord
            500/s) so the run takes seconds, not the 5.5 minutes 10,000 posts take at
            Telegram's real 30/s; the windows keep their real length, so the burst shape
            is the platform's. `--scale 1` runs at the real limits.
  ceiling   the same fan-out with no limit at all: deliveries per second through the
            whole dispatcher (SQL pick, rendering per channel, state writes), against a
            bare loop that only calls the fake platform with a ready message
            (aim: >= 2,000 deliveries/s).
  latency   a fact landing in the store (app.store of a new qualifying result) to the
            first channel's send, through the running Engine (APScheduler, dispatcher
            woken by the announcer), p50 and p99 over `--trials` (aim: p99 < 200 ms);
            baseline: the store transaction alone.

Timings never fail the script; a wrong count of posts does.

Run:  python bench/bench_announce.py [--channels 10000 --scale 10 --trials 50]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from bot.announce.posts import render_post
from bot.store.outbox import Post
from bot.ports import DISCORD_LIMITS as DISCORD, TELEGRAM_LIMITS as TELEGRAM, UNLIMITED, Limits
from bot.bootstrap import Bot, bootstrap
from bot.config import Config
from bot.domain import Event, EventBundle, Result, Series, Session, Source
from bot.platforms.fake import FakePlatform

SERIES = Series("bench-cup", "Bench Cup", "BC")


def pole_bundle(n: int) -> EventBundle:
    """A new event whose finished qualifying announces a pole: one update per call."""
    event_id = f"bench-cup-{n:04d}"
    source = Source(f"{event_id}/timing", "timing", f"Bench timing {n}")
    quali = Session(f"{event_id}/qualifying", event_id, "qualifying", "Qualifying", status="finished",
                    day=date(2026, 6, 1))
    results = tuple(Result(quali.id, "", k, (f"Driver {n}-{k}",), number=str(k), best_lap_ms=240_000 + 97 * k,
                           source_id=source.id) for k in range(1, 21))
    event = Event(event_id, SERIES.id, f"Bench Cup round {n}", date(2026, 6, 1), "UTC", aliases=(f"bc{n}",))
    return EventBundle(SERIES, event, (source,), (quali,), results)


def new_app(tmp: str, name: str, platform: str, channels: int) -> Bot:
    """A fresh store with `channels` channels of `platform`, each following everything."""
    app = bootstrap(Config(db_path=Path(tmp) / f"{name}.db", seed_events=False))
    with app.db.atomic():
        for i in range(channels):
            app.channels.subscribe(app.channels.ensure(platform, f"chat-{i}").id, "all", "")
    return app


def scaled(limits: Limits, scale: float) -> Limits:
    """The same windows with `scale` times the sends allowed in each."""
    return replace(limits, global_count=round(limits.global_count * scale))


async def fan_out(tmp: str, name: str, limits: Limits, channels: int) -> dict:
    """Post one update to every channel through a fake enforcing `limits`."""
    app = new_app(tmp, name, name, channels)
    fake = FakePlatform(name, limits=limits)
    dispatcher = app.dispatcher({name: fake})
    recorded = app.store([pole_bundle(1)], "bench")
    assert app.db["deliveries"].count == channels, recorded
    started = time.perf_counter()
    await dispatcher.run_until_idle(poll=0.001)
    wall = time.perf_counter() - started
    sent = len(fake.sent)
    if sent != channels or len({s.channel for s in fake.sent}) != channels:
        raise SystemExit(f"{name}: {sent} posts for {channels} channels")
    # Sent at the limit, the posts go in bursts of `global_count`, one burst per window: the
    # last burst can start no sooner than `ideal` after the first. The fraction of the limit
    # achieved is that ideal over the time it really took, as the platform saw the sends.
    span = fake.sent[-1].at - fake.sent[0].at
    ideal = (math.ceil(sent / limits.global_count) - 1) * limits.global_window
    app.close()
    limit = limits.global_count / limits.global_window
    fraction = ideal / span if span else 1.0
    return {"sent": sent, "wall": wall, "fraction": fraction, "rate": limit * fraction, "limit": limit,
            "throttled": fake.throttled}


async def ceiling(tmp: str, channels: int) -> dict:
    """Deliveries per second with no limit, against a bare loop over the same fake."""
    app = new_app(tmp, "ceiling", "fake", channels)
    fake = FakePlatform("fake", limits=UNLIMITED)
    dispatcher = app.dispatcher({"fake": fake})
    app.store([pole_bundle(1)], "bench")
    started = time.perf_counter()
    await dispatcher.run_until_idle(poll=0.001)
    engine_s = time.perf_counter() - started
    if len(fake.sent) != channels:
        raise SystemExit(f"ceiling: {len(fake.sent)} posts for {channels} channels")

    # Baseline: the platform calls alone, with one message rendered beforehand.
    update = app.db.execute("SELECT id, kind, payload, revision FROM updates").fetchone()
    message = render_post(Post(update[0], update[1], json.loads(update[2]), update[3]), app.channels.get(1))
    bare = FakePlatform("bare", limits=UNLIMITED)
    started = time.perf_counter()
    for i in range(channels):
        await bare.send(f"chat-{i}", message, nonce=f"n{i}")
    bare_s = time.perf_counter() - started
    app.close()
    return {"engine_rate": channels / engine_s, "bare_rate": channels / bare_s, "ratio": engine_s / bare_s}


async def latency(tmp: str, trials: int, channels: int) -> dict:
    """Fact landing -> first send, through the running Engine."""
    app = new_app(tmp, "latency", "fake", channels)
    fake = FakePlatform("fake", limits=UNLIMITED, clock=time.perf_counter)
    engine = app.engine({"fake": fake})
    engine.start()
    await asyncio.sleep(0.2)  # the first dispatch tick has run; from here only wakes matter
    to_first, store_only = [], []
    for n in range(1, trials + 1):
        before = len(fake.sent)
        landed = time.perf_counter()
        app.store([pole_bundle(n)], "bench")
        stored = time.perf_counter()
        deadline = landed + 5.0
        while len(fake.sent) == before and time.perf_counter() < deadline:
            await asyncio.sleep(0.0005)
        if len(fake.sent) == before:
            raise SystemExit(f"latency: trial {n} sent nothing within 5 s")
        to_first.append(fake.sent[before].at - landed)
        store_only.append(stored - landed)
        # Let the rest of this fan-out go out, so each trial starts from an idle engine.
        while engine.dispatcher.pending():
            await asyncio.sleep(0.005)
    await engine.shutdown()
    total = len(fake.sent)
    app.close()
    if total != trials * channels:
        raise SystemExit(f"latency: {total} posts for {trials * channels} deliveries")
    return {"first": percentiles(to_first), "store": percentiles(store_only)}


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1e3, cuts[98] * 1e3


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--latency-channels", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pitboard-bench-") as tmp:
        print(f"fan-out of one update to {args.channels:,} channels, limits x{args.scale:g}")
        for name, limits in (("telegram", TELEGRAM), ("discord", DISCORD)):
            r = await fan_out(tmp, name, scaled(limits, args.scale), args.channels)
            print(f"  {name:<9} {r['rate']:8.1f} sends/s of {r['limit']:g}/s allowed = {r['fraction']:.3f} "
                  f"of the limit; 429s: {r['throttled']}; {r['wall']:.1f} s")
        c = await ceiling(tmp, args.channels)
        print(f"ceiling, no limits, {args.channels:,} deliveries")
        print(f"  engine    {c['engine_rate']:10,.0f} deliveries/s (aim >= 2,000)")
        print(f"  bare loop {c['bare_rate']:10,.0f} sends/s (the fake platform alone)")
        print(f"  ratio     {c['ratio']:10.1f} x the bare loop's time")
        lat = await latency(tmp, args.trials, args.latency_channels)
        print(f"fact landing -> first send, {args.trials} trials, {args.latency_channels} channels each")
        print(f"  first send  p50 {lat['first'][0]:7.1f} ms  p99 {lat['first'][1]:7.1f} ms (aim p99 < 200 ms)")
        print(f"  store alone p50 {lat['store'][0]:7.1f} ms  p99 {lat['store'][1]:7.1f} ms; "
              f"ratio p50 {lat['first'][0] / lat['store'][0]:.1f} x")


if __name__ == "__main__":
    asyncio.run(main())
