"""What the end-to-end tests share: a platform running with the engine, and one-race events."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import date

from bot.domain import Event, EventBundle, Quote, Result, Series, Session, Source


def follow(app, platform: str, address, kinds: tuple[str, ...] = (), **settings):
    """A channel on `platform` following everything (or only `kinds` of post), with these
    settings: how the end-to-end tests set up the chat they watch."""
    channel = app.channels.ensure(platform, str(address))
    if settings:
        app.channels.configure(channel.id, **settings)
    app.channels.subscribe(channel.id, "all", "", tuple(kinds))
    return channel


def store_race(app, stages, until: str | None = None) -> None:
    """Store a race's moments in order, as live sources would, up to and including `until`."""
    for stage in stages:
        app.store([stage.bundle], stage.label)
        if stage.label == until:
            return


def run(coro, timeout: float = 60) -> None:
    """Run one end-to-end scenario on a fresh event loop, failing it after `timeout` seconds
    rather than hanging the suite."""
    asyncio.run(asyncio.wait_for(coro, timeout))


@asynccontextmanager
async def running(app, name: str, platform):
    """The platform started with the engine behind it; both stopped (in that order) after."""
    # Summaries edited at once: a test need not wait out the spacing that spares the platforms.
    engine = app.engine({name: platform}, summary_every=0)
    await platform.start()
    engine.start()
    try:
        yield
    finally:
        await engine.shutdown()
        await platform.stop()


def race_bundle(slug: str, name: str, drivers: list[tuple[str, ...]], status: str = "final",
                quotes: list[tuple[str, str]] = (), more_sessions: tuple[Session, ...] = (), **result) -> EventBundle:
    """An event `slug`-2026 with one race: `drivers` in finishing order, and (speaker, text) quotes."""
    series = Series(f"{slug}-series", f"{name} Series")
    source = Source(f"{slug}/timing", "timing", "Timing")
    event = Event(f"{slug}-2026", series.id, name, date(2026, 5, 1), "UTC", aliases=(slug.split("-")[0],))
    race = Session(f"{event.id}/race", event.id, "race", "Race", status=status, day=date(2026, 5, 1))
    results = tuple(Result(race.id, "", i, crew, source_id=source.id, **result) for i, crew in enumerate(drivers, 1))
    said = tuple(Quote(event.id, i, who, text, "en", "winner", source_id=source.id)
                 for i, (who, text) in enumerate(quotes, 1))
    return EventBundle(series, event, (source,), (race, *more_sessions), results, (), said)
