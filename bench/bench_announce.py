"""Benchmark: delivery through a modelled network — outbox, dispatcher, pacing.

The platform is the strict fake (bot/platforms/fake.py): a request reaches it half a round
trip after it is sent (±20 % jitter), it counts it there against the platform's limits
and answers 429 with retry-after when one is broken, and the answer takes the other half.
Everything runs on a virtual clock (tests/virtual_time.py): every round trip, window and
retry-after keeps its full length, but a 10,000-chat fan-out at Telegram's 30/s (5.6
minutes) plays out in the seconds the code itself takes. The figures are the protocol's,
so no machine noise moves them; what the code costs in CPU is measured apart (`cost`).

Sections, each beside a baseline from the same run:

  fan-out    one post to `--chats` chats (10,000) at round trips of 0, 100 and 250 ms,
             with Telegram's limits (30/s) and Discord's (50/s, 5 per 5 s per channel):
             the rate the platform saw, as a fraction of its limit, and the 429s.
             Baseline: the same fan-out one send at a time (how Telegram was sent before).
  per chat   60 posts to one private chat (1/s), 45 to one group (1/s and 20/min), 30 to
             one Discord channel (5 per 5 s), at 100 ms: the fraction of the chat's limit.
             Baseline: windows counted from each answer (the rule before), same run.
  live       a new live post (a pole) landing every 15 s while a bulk post (a quote)
             fans out to 10,000 chats: landing to its first send, p50 and p99.
             Baseline: the same posts landing while the dispatcher is idle.
  cost       CPU per delivery (process time) and peak memory (RSS) of a fan-out with no
             limits and no round trip, at 1,000, 10,000 and 100,000 channels, each in a
             process of its own; beside a bare loop calling the fake with one rendered
             message (CPU) and the process before the fan-out (memory).

Aims (issue 14): fan-out and per-chat >= 0.95 of the limit with no 429 at 100 ms; live
p99 < 1 s; CPU per delivery and memory flat from 1,000 to 100,000 channels. Timings
never fail the script; a wrong count of posts does.

Run:  python bench/bench_announce.py [--chats 10000 --cost-sizes 1000,10000,100000]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' virtual clock

from bot.announce.posts import render_post  # noqa: E402
from bot.announce.ratelimit import RateLimiter  # noqa: E402
from bot.bootstrap import Bot, bootstrap  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.domain import Event, EventBundle, Quote, Result, Series, Session, Source  # noqa: E402
from bot.platforms.fake import FakePlatform  # noqa: E402
from bot.ports import DISCORD_LIMITS, TELEGRAM_LIMITS, UNLIMITED, Limits  # noqa: E402
from bot.ratelimit import Window  # noqa: E402
from tests.virtual_time import epoch, run  # noqa: E402

FOLLOWED = Series("bench-cup", "Bench Cup", "BC")
LIVE_ONLY = Series("live-cup", "Live Cup", "LC")
JITTER = 0.2
IN_FLIGHT = {"telegram": 60, "discord": 100}
LIMITS = {"telegram": TELEGRAM_LIMITS, "discord": DISCORD_LIMITS}


def pole_bundle(n: int, series: Series = FOLLOWED) -> EventBundle:
    """A new event whose finished qualifying announces a pole (a live post)."""
    event_id = f"{series.id}-{n:05d}"
    source = Source(f"{event_id}/timing", "timing", f"Bench timing {n}")
    quali = Session(f"{event_id}/qualifying", event_id, "qualifying", "Qualifying", status="finished",
                    day=date(2026, 6, 1))
    results = tuple(Result(quali.id, "", k, (f"Driver {n}-{k}",), number=str(k), best_lap_ms=240_000 + 97 * k,
                           source_id=source.id) for k in range(1, 21))
    event = Event(event_id, series.id, f"{series.name} round {n}", date(2026, 6, 1), "UTC", aliases=(f"{series.id}{n}",))
    return EventBundle(series, event, (source,), (quali,), results)


def quote_bundle(n: int) -> EventBundle:
    """A new event with one quote (a bulk post)."""
    event_id = f"bench-quotes-{n:05d}"
    source = Source(f"{event_id}/report", "report", f"Bench report {n}")
    event = Event(event_id, FOLLOWED.id, f"Bench Cup talk {n}", date(2026, 6, 1), "UTC", aliases=(f"talk{n}",))
    quote = Quote(event_id, 1, "Driver Example", "A fine race, and the car was good.", "en", "winner",
                  source_id=source.id)
    return EventBundle(FOLLOWED, event, (source,), (), (), (), (quote,))


def new_app(tmp: str, name: str, platform: str, chats: list[str], series: Series = FOLLOWED) -> Bot:
    """A fresh store whose `chats` on `platform` follow `series`."""
    app = bootstrap(Config(db_path=Path(tmp) / f"{name}.db", seed_events=False))
    with app.channels.transaction():
        for chat in chats:
            app.channels.subscribe(app.channels.ensure(platform, chat).id, "series", series.id)
    return app


def ideal_span(posts: int, windows: list[tuple[int, float]]) -> float:
    """The shortest time from the first to the last of `posts` sends that these sliding
    windows (count, seconds) allow: each send as early as every window lets it go."""
    tracked = [Window(count, seconds) for count, seconds in windows]
    t = 0.0
    for _ in range(posts):
        t += max(w.wait(t) for w in tracked)
        for w in tracked:
            w.take(t)
    return t


class AnswerCounting(RateLimiter):
    """The baseline rule: a send's window counted from its answer."""

    @property
    def rtt_min(self) -> float:
        return 0.0


async def _deliver(app: Bot, fake: FakePlatform, expected: int, baseline_limiter: bool = False,
                   wall_clock=None) -> None:
    """Run the dispatcher until the fake has taken `expected` posts. Its wall clock is the
    loop's (from EPOCH), unless the posts were stored on another (`wall_clock`)."""
    loop = asyncio.get_running_loop()
    dispatcher = app.dispatcher({fake.name: fake}, clock=wall_clock or (lambda: epoch(loop)), pace=loop.time)
    app.announcer.listeners.append(dispatcher.wake)  # new posts wake it, as the Engine does
    if baseline_limiter:
        for lane in dispatcher.lanes.values():
            lane.limiter = AnswerCounting(lane.limiter.limits)
    serving = loop.create_task(dispatcher.serve())
    while fake.count < expected:
        await asyncio.sleep(0.5)
    dispatcher.stop()
    await serving
    await dispatcher.drain()


def fan_out(tmp: str, platform: str, rtt: float, chats: int, in_flight: int) -> dict:
    """One post to `chats` chats; the rate the platform saw as a fraction of its limit."""
    async def go():
        loop = asyncio.get_running_loop()
        limits = LIMITS[platform]
        app = new_app(tmp, f"fan-{platform}-{rtt}-{in_flight}", platform, [str(10_000_000 + i) for i in range(chats)])
        app.announcer.clock = lambda: epoch(loop)
        fake = FakePlatform(platform, limits=limits, latency=rtt, jitter=JITTER, clock=loop.time,
                            max_in_flight=in_flight)
        app.store([pole_bundle(1)], "bench")
        started = time.process_time()
        await _deliver(app, fake, chats)
        cpu = time.process_time() - started
        app.close()
        if len({s.channel for s in fake.sent}) != chats:
            raise SystemExit(f"fan-out: {len(fake.sent)} posts for {chats} chats")
        span = fake.sent[-1].at - fake.sent[0].at
        ideal = ideal_span(chats, [(limits.global_count, limits.global_window)])
        return {"fraction": ideal / span, "throttled": fake.throttled, "minutes": span / 60, "cpu": cpu}
    return run(go())


def per_chat(tmp: str, case: str, chat: str, posts: int, limits: Limits, windows: list, baseline: bool) -> dict:
    """`posts` posts to one chat at 100 ms; the fraction of the chat's own limit."""
    async def go():
        loop = asyncio.get_running_loop()
        platform = "discord" if limits is DISCORD_LIMITS else "telegram"
        app = new_app(tmp, f"chat-{case}-{baseline}", platform, [chat])
        app.announcer.clock = lambda: epoch(loop)
        fake = FakePlatform(platform, limits=limits, latency=0.1, jitter=JITTER, clock=loop.time,
                            max_in_flight=IN_FLIGHT[platform], group_prefix="-" if platform == "telegram" else None)
        app.store([pole_bundle(n) for n in range(1, posts + 1)], "bench")
        await _deliver(app, fake, posts, baseline_limiter=baseline)
        app.close()
        span = fake.sent[-1].at - fake.sent[0].at
        return {"fraction": ideal_span(posts, windows) / span, "throttled": fake.throttled}
    return run(go())


def live(tmp: str, chats: int, trials: int, busy: bool) -> list[float]:
    """Landing to first send of a live post, every 15 s, during a bulk fan-out (or idle)."""
    async def go():
        loop = asyncio.get_running_loop()
        crowd = [str(10_000_000 + i) for i in range(chats)]
        watchers = [str(20_000_000 + i) for i in range(10)]
        app = new_app(tmp, f"live-{busy}", "telegram", crowd)
        with app.channels.transaction():
            for chat in watchers:
                app.channels.subscribe(app.channels.ensure("telegram", chat).id, "series", LIVE_ONLY.id)
        app.announcer.clock = lambda: epoch(loop)
        fake = FakePlatform("telegram", limits=TELEGRAM_LIMITS, latency=0.1, jitter=JITTER, clock=loop.time,
                            max_in_flight=IN_FLIGHT["telegram"])
        dispatcher = app.dispatcher({"telegram": fake}, clock=lambda: epoch(loop), pace=loop.time)
        app.announcer.listeners.append(dispatcher.wake)  # new posts wake it, as the Engine does
        serving = loop.create_task(dispatcher.serve())
        if busy:
            app.store([quote_bundle(1)], "bulk")
            await asyncio.sleep(5)
        waits, watching = [], set(watchers)
        for n in range(1, trials + 1):
            landed = loop.time()
            app.store([pole_bundle(n, LIVE_ONLY)], "live")
            seen = len(fake.sent)
            await asyncio.sleep(15)
            first = next(s.at for s in fake.sent[seen:] if s.channel in watching)
            waits.append(first - landed)
        if busy and fake.count >= chats:
            raise SystemExit("live: the bulk fan-out ended before the trials did; use more chats")
        dispatcher.stop()
        await serving
        await dispatcher.drain()
        app.close()
        return waits
    return run(go())


def cost_child(size: int) -> dict:
    """In a process of its own: CPU per delivery and peak memory for a fan-out to `size`."""
    with tempfile.TemporaryDirectory(prefix="pitboard-bench-") as tmp:
        app = new_app(tmp, "cost", "fake", [f"chat-{i}" for i in range(size)])
        app.store([pole_bundle(1)], "bench")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        async def go():
            loop = asyncio.get_running_loop()
            fake = FakePlatform("fake", limits=UNLIMITED, clock=loop.time, max_in_flight=100, keep=False)
            started = time.process_time()
            await _deliver(app, fake, size, wall_clock=time.time)  # stored before the loop, on the real clock
            cpu = time.process_time() - started
            # Baseline: the fake alone, called with one message rendered beforehand.
            update = app.db.execute("SELECT id, kind, payload, revision FROM updates").fetchone()
            from bot.store.outbox import Post
            message = render_post(Post(update[0], update[1], json.loads(update[2]), update[3]), app.channels.get(1))
            bare = FakePlatform("bare", limits=UNLIMITED, keep=False)
            started = time.process_time()
            for i in range(size):
                await bare.send(f"chat-{i}", message, nonce=f"n{i}")
            return cpu, time.process_time() - started
        cpu, bare = run(go())
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        pending = app.repositories.outbox.pending()
        app.close()
    if pending:
        raise SystemExit(f"cost: {pending} deliveries left at {size}")
    return {"size": size, "cpu_us": cpu / size * 1e6, "bare_us": bare / size * 1e6, "rss_before": before,
            "rss_peak": after}


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1e3, cuts[98] * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--cost-sizes", default="1000,10000,100000")
    parser.add_argument("--sections", default="fan-out,chat,live,cost", help="which to run (comma-separated)")
    parser.add_argument("--cost-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cost_child:
        print(json.dumps(cost_child(args.cost_child)))
        return
    sections = set(args.sections.split(","))
    with tempfile.TemporaryDirectory(prefix="pitboard-bench-") as tmp:
        if "fan-out" in sections:
            fan_out_section(tmp, args.chats)
        if "chat" in sections:
            chat_section(tmp)
        if "live" in sections:
            live_section(tmp, args.chats, args.trials)
    if "cost" in sections:
        cost_section(args.cost_sizes)


def fan_out_section(tmp: str, chats: int) -> None:
    """One post to `chats` chats per platform and round trip, pipelined and one at a time."""
    print(f"fan-out of one post to {chats:,} chats (virtual clock; fraction of the platform's limit)")
    print(f"  {'platform':<9} {'rtt':>6} {'pipelined':>24} {'one at a time (baseline)':>30}")
    for platform in ("telegram", "discord"):
        for rtt in (0.0, 0.1, 0.25):
            new = fan_out(tmp, platform, rtt, chats, IN_FLIGHT[platform])
            old = fan_out(tmp, platform, rtt, chats, 1)
            print(f"  {platform:<9} {rtt * 1000:4.0f}ms  {new['fraction']:6.3f} ({new['throttled']} x 429, "
                  f"{new['minutes']:4.1f} min)   {old['fraction']:6.3f} ({old['throttled']} x 429, "
                  f"{old['minutes']:5.1f} min)", flush=True)


def chat_section(tmp: str) -> None:
    """One chat's many posts, against windows counted from the answer."""
    print("one chat's posts at 100 ms (fraction of the chat's own limit)")
    t, d = TELEGRAM_LIMITS, DISCORD_LIMITS
    cases = [("telegram private chat, 60 posts, 1/s", "123456789", 60, t, [(1, 1.0)]),
             ("telegram group, 45 posts, 1/s and 20/min", "-1001234567890", 45, t, [(1, 1.0), (20, 60.0)]),
             ("discord channel, 30 posts, 5 per 5 s", "930000000000000001", 30, d, [(5, 5.0)])]
    for label, chat, posts, limits, windows in cases:
        new = per_chat(tmp, label.split()[1], chat, posts, limits, windows, baseline=False)
        old = per_chat(tmp, label.split()[1], chat, posts, limits, windows, baseline=True)
        print(f"  {label:<42} {new['fraction']:6.3f} ({new['throttled']} x 429); counted from the answer "
              f"(baseline) {old['fraction']:6.3f} ({old['throttled']} x 429)", flush=True)


def live_section(tmp: str, chats: int, trials: int) -> None:
    """A live post's first send during a bulk fan-out, and with the dispatcher idle."""
    busy = percentiles(live(tmp, chats, trials, busy=True))
    idle = percentiles(live(tmp, chats, trials, busy=False))
    print(f"a new live post during a bulk fan-out to {chats:,} chats, {trials} trials, 100 ms")
    print(f"  first send      p50 {busy[0]:7.1f} ms  p99 {busy[1]:7.1f} ms (aim p99 < 1,000 ms)")
    print(f"  idle (baseline) p50 {idle[0]:7.1f} ms  p99 {idle[1]:7.1f} ms", flush=True)


def cost_section(sizes: str) -> None:
    """CPU per delivery and peak memory, each size in a process of its own."""
    print("cost of a fan-out with no limit and no round trip, each size in its own process")
    print(f"  {'channels':>9} {'CPU/delivery':>13} {'bare loop':>10} {'ratio':>6} {'RSS before':>11} {'RSS peak':>9}")
    for size in (int(n) for n in sizes.split(",")):
        done = subprocess.run([sys.executable, __file__, "--cost-child", str(size)], capture_output=True, text=True,
                              check=True)
        c = json.loads(done.stdout)
        print(f"  {size:>9,} {c['cpu_us']:10.0f} us {c['bare_us']:7.1f} us {c['cpu_us'] / c['bare_us']:5.0f}x "
              f"{c['rss_before']:8.0f} MB {c['rss_peak']:6.0f} MB", flush=True)


if __name__ == "__main__":
    main()
