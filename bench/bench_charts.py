"""Benchmark: race charts of a 24-hour race, and keeping its laps in the store.

The race is synthetic, made here: `--cars` cars (60) in three classes over `--laps` laps
(380), some 23,000 laps, with a safety car, two full-course yellows and a red flag.

Charts: each kind (positions, gaps) drawn `--runs` times; the median time, and the peak
of Python allocations while drawing (tracemalloc: matplotlib's own C buffers are not in
it; the process's peak RSS is printed at the end for those). Baseline, in the same run:
an empty figure of the same size saved as PNG, the fixed cost of any picture; the ratio
chart / baseline is the figure to compare between runs (shared machines are noisy).

Store: the laps written as one source's facts (one compact row per car), against the same
session's 60 results written the same way (the baseline); then the laps read back.

Run:  python bench/bench_charts.py [--cars 60 --laps 380 --runs 5]
"""
from __future__ import annotations

import argparse
import io
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere: the project's package

from bot.bootstrap import bootstrap  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.domain import Event, EventBundle, Incident, Lap, Result, Series, Session, Source  # noqa: E402
from bot.i18n import Lang  # noqa: E402
from bot.pictures.chart import race_chart  # noqa: E402
from bot.store.writer import FactWriter  # noqa: E402

CLASSES = ("Hypercar", "LMP2", "LMGT3")
SERIES = Series("bench", "Bench Endurance Series")
EVENT = Event("bench-24h-2026", SERIES.id, "24 Hours of Bench", date(2026, 6, 13), "Europe/Paris", classes=CLASSES)
RACE = Session(f"{EVENT.id}/race", EVENT.id, "race", "Race", status="finished")
SOURCE = Source("bench-timing", "timing", "Bench timing", priority=95)
PERIODS = [Incident(RACE.id, 1, "safety_car", start_lap=40, end_lap=46, ended=True),
           Incident(RACE.id, 2, "full_course_yellow", start_lap=120, end_lap=121, ended=True),
           Incident(RACE.id, 3, "red_flag", start_lap=200, end_lap=215, ended=True),
           Incident(RACE.id, 4, "full_course_yellow", start_lap=330, end_lap=331, ended=True)]


def synthetic_laps(cars: int, laps: int, seed: int = 24) -> list[Lap]:
    """A race's laps: each class at its own pace, every car its own spread, pit stops every
    thirty-odd laps, slow laps under the periods; places worked out at the line as the lap
    analysis reader does (how many crossed that lap before)."""
    rng = random.Random(seed)
    slow = {lap for p in PERIODS for lap in range(p.start_lap, p.end_lap + 1)}
    crossings = []
    for car in range(cars):
        car_class = CLASSES[car % len(CLASSES)]
        pace = 210_000 + 8_000 * CLASSES.index(car_class) + rng.randint(0, 4_000)
        clock = 0
        for lap in range(1, laps + 1):
            lap_time = pace + rng.randint(-1_500, 1_500) + (60_000 if lap in slow else 0) + \
                (55_000 if lap % 33 == car % 33 else 0)
            clock += lap_time
            crossings.append((clock, lap, str(car + 1), car_class, f"Driver {car + 1}-{lap // 60 % 3}", lap_time))
    crossings.sort()
    crossed: dict[int, int] = {}
    found = []
    for clock, lap, number, car_class, driver, lap_time in crossings:
        crossed[lap] = crossed.get(lap, 0) + 1
        found.append(Lap(RACE.id, number, lap, crossed[lap], car_class, driver, clock, lap_time, SOURCE.id))
    return found


def results_of(laps: list[Lap]) -> list[Result]:
    """The same session's classification: each car's last lap, in order."""
    last = {}
    for lap in laps:
        last[lap.number] = lap
    ordered = sorted(last.values(), key=lambda x: (-x.lap, x.elapsed_ms))
    return [Result(RACE.id, "", k, (x.driver,), car_class=x.car_class, number=x.number, team=f"Team {x.number}",
                   car="Prototype", laps=x.lap, total_time_ms=x.elapsed_ms, source_id=SOURCE.id)
            for k, x in enumerate(ordered, 1)]


def timed(action, runs: int) -> tuple[float, float]:
    """Median milliseconds over `runs`, and the peak of Python allocations (MB) in one run."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return statistics.median(samples), peak


def empty_figure() -> bytes:
    """The baseline: a figure of a three-panel chart's size, nothing drawn, saved as PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(14, 1.3 + 5.2 * len(CLASSES)), dpi=100)
    FigureCanvasAgg(figure)
    figure.subplots(len(CLASSES), 1)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cars", type=int, default=60)
    parser.add_argument("--laps", type=int, default=380)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    started = time.perf_counter()
    laps = synthetic_laps(args.cars, args.laps)
    print(f"race: {args.cars} cars, {len(laps)} laps, {len(PERIODS)} periods; made in "
          f"{time.perf_counter() - started:.2f} s")

    lang = Lang("en")
    started = time.perf_counter()
    first = race_chart(lang, EVENT, RACE, laps, PERIODS, "positions")  # pays matplotlib's import
    print(f"first chart (with matplotlib's import): {(time.perf_counter() - started) * 1000:.0f} ms")
    base_ms, base_mb = timed(empty_figure, args.runs)
    print(f"baseline  empty figure, same size   {base_ms:7.0f} ms  {base_mb:6.1f} MB")
    for kind in ("positions", "gaps"):
        png = race_chart(lang, EVENT, RACE, laps, PERIODS, kind)
        ms, mb = timed(lambda: race_chart(lang, EVENT, RACE, laps, PERIODS, kind), args.runs)
        print(f"{kind:9} chart {len(png) / 1e3:6.0f} KB         {ms:7.0f} ms  {mb:6.1f} MB   "
              f"x{ms / base_ms:.1f} the baseline")
    assert first

    with tempfile.TemporaryDirectory(prefix="pitboard-bench-") as tmp:
        app = bootstrap(Config(db_path=Path(tmp) / "bench.db", seed_events=False))
        writer = FactWriter(app.db)
        bundle = EventBundle(SERIES, EVENT, (SOURCE,), (RACE,))
        with writer.transaction():
            writer.save_source_facts(bundle)
        results = tuple(results_of(laps))

        def save(facts: EventBundle) -> None:
            """One source's facts, replacing what it said before, in one transaction."""
            with writer.transaction():
                writer.save_source_facts(facts)

        res_ms, _ = timed(lambda: save(replace(bundle, results=results)), args.runs)
        laps_ms, laps_mb = timed(lambda: save(replace(bundle, laps=tuple(laps))), args.runs)
        print(f"store     {len(results)} results (baseline)      {res_ms:7.1f} ms")
        print(f"store     {len(laps)} laps                  {laps_ms:7.1f} ms  {laps_mb:6.1f} MB   "
              f"x{laps_ms / res_ms:.1f} the baseline")
        read_ms, _ = timed(lambda: app.queries.laps(RACE.id), args.runs)
        kept = app.db.execute("SELECT count(*), sum(length(laps)) FROM lap_lists").fetchone()
        print(f"read      {len(app.queries.laps(RACE.id))} laps back          {read_ms:7.1f} ms   "
              f"({kept[0]} rows, {kept[1] / 1e3:.0f} KB kept)")
        app.close()
    print(f"process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")


if __name__ == "__main__":
    main()
