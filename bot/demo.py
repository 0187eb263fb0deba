"""`pitboard demo`: the Le Mans 2017 race replayed through the real announcement path.

A fresh demo database gets the console channel subscribed to everything; the scheduler
then stores each moment of the race on a compressed clock, and the posts reach the
terminal the way they would reach a fan channel: store → updates → outbox → dispatcher.
"""
from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.platforms.console import ConsolePlatform
from bot.runner import ensure_console_channel
from bot.sources.event_file import load_event_file
from bot.sources.fields import FileError
from bot.sources.replay import replay_stages
from bot.store.lease import LeaseHeld, LeaseUnavailable, acquire_lease
from bot.store.platform_state import DEMO, marked

DEMO_EVENT = "2017-porsche-carrera-cup-le-mans.toml"
# The demo stops by itself even if a post could not be sent.
DEADLINE = 50.0


def run_demo(config: Config, step: float = 1.5, as_json: bool = False) -> int:
    """Replay the bundled race into data/demo.db and print the posts (with `as_json`, one
    JSON object per line: each moment of the race, then each post); returns the exit status."""

    def problem(text: str) -> int:
        """Say what went wrong (also as JSON with `as_json`); the exit status."""
        print(text, file=sys.stderr)
        if as_json:
            print(json.dumps({"error": text}, ensure_ascii=False))
        return 1

    db_path = config.db_path.parent / "demo.db"
    try:
        # Before the old file is deleted: a demo still running keeps its database.
        lease = acquire_lease(db_path, "pitboard demo")
    except (LeaseHeld, LeaseUnavailable) as err:
        return problem(str(err))
    try:
        if db_path.exists() and not marked(db_path, DEMO):
            # The demo replaces its own database each time; a file it did not make is not its to delete.
            return problem(f"{db_path} exists and is not a database `pitboard demo` made; move it, or give --db a "
                           "path in another folder.")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        try:
            bundle = load_event_file(config.events_dir / DEMO_EVENT)
        except FileError as err:
            return problem(f"The demo needs the bundled event: {err}")
        app = bootstrap(replace(config, db_path=db_path, seed_events=False))
        app.repositories.platform_state.set(DEMO, "1")
        try:
            ensure_console_channel(app)
            asyncio.run(_replay(app, bundle, max(0.0, step), as_json))
        finally:
            app.close()
    finally:
        lease.release()
    # With --json, stdout holds only JSON lines: the closing hint goes to stderr.
    print(f"Demo database: {db_path} (open it with `pitboard --db {db_path} results lemans`).",
          file=sys.stderr if as_json else sys.stdout)
    return 0


async def _replay(app, bundle, step: float, as_json: bool = False) -> None:
    console = ConsolePlatform(sys.stdout, as_json=as_json)
    engine = app.engine({"console": console})
    stages = replay_stages(bundle)
    done = asyncio.Event()
    t0 = datetime.now(timezone.utc)

    async def land(index: int) -> None:
        """Store what was known at this moment of the race, as a live source would."""
        stage = stages[index]
        if console.closed:  # nobody reads any more (`pitboard demo | head`): stop now
            done.set()
            return
        try:
            if as_json:
                print(json.dumps({"event": bundle.event.id, "stage": stage.label}, ensure_ascii=False), flush=True)
            else:
                print(f">>> {bundle.event.name} {bundle.event.date.year}: {stage.label}\n", flush=True)
        except BrokenPipeError:
            console.closed = True
            done.set()
            return
        app.store([stage.bundle], f"demo replay ({stage.label})")
        if index == len(stages) - 1:
            done.set()

    engine.start()
    for index in range(len(stages)):
        engine.scheduler.add_job(land, "date", run_date=t0 + timedelta(seconds=step * (index + 0.2)),
                                 args=[index], id=f"demo:{index}")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    await asyncio.wait_for(done.wait(), DEADLINE)
    # Let the last posts go out; the dispatcher job keeps running meanwhile.
    while engine.dispatcher.pending() and loop.time() < deadline and not console.closed:
        await asyncio.sleep(0.05)
    await engine.shutdown()
