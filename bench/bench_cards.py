"""Benchmark: what a result card costs, next to the text answer it stands in for.

Per 61-car classification (the Le Mans 2017 field's size, made up here: the bundled event
names only a dozen places), timed interleaved in the same loop:
  baseline  the /results answer's text: the Message built as /results builds its tables,
            rendered with render_text (what a text post costs)
  card      result_card: the same rows drawn as a PNG (two columns of 31)
The figure to compare between runs is the card/baseline ratio ("a card costs X times the
text"); absolute times are printed too, with the peak memory of one call (tracemalloc),
the PNG's size in pixels and bytes. Timings never fail the script. Charts, another
renderer, have their own benchmark.

Run:  python bench/bench_cards.py [--runs 50 --cars 61]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere: the project's package

from bot.domain import OVERALL, Event, Result, Session  # noqa: E402
from bot.i18n import Lang  # noqa: E402
from bot.messages import Message  # noqa: E402
from bot.pictures.card import CardMarks, result_card  # noqa: E402
from bot.presentation import results_table  # noqa: E402
from bot.render.text import render_text  # noqa: E402

AIM_MS = 150.0
EVENT = Event("bench-cup", "bench", "Bench Cup at the Sarthe", date(2030, 6, 15), "Europe/Paris",
              venue="Circuit de la Sarthe", starters=61, classes=("A", "B"))
RACE = Session("bench-cup/race", EVENT.id, "race", "Race", status="final")
FIRST = ["Anaïs", "Bruno", "Céleste", "Dariusz", "Eelco", "Fatima", "Gunnar", "Hélène", "Ivo", "Jasper", "Kaito"]
LAST = ["Aubépine", "Brzęczek", "Castagnède", "van Dijkhuis", "Elgström", "Fontanella", "Grønvold", "Hautecoeur"]


def bench_field(cars: int) -> list[Result]:
    """`cars` cars: the overall order (three retirements) and each class's own list."""
    overall = []
    for k in range(1, cars + 1):
        crew = (f"{FIRST[k % 11]} {LAST[k % 8]}",) + ((f"{FIRST[(k + 4) % 11]} {LAST[(k + 3) % 8]}",) if k % 4 == 0 else ())
        out = k > cars - 3
        overall.append(Result(RACE.id, OVERALL, None if out else k, crew, status="dnf" if out else "classified",
                              car_class="A" if k % 3 else "B", number=str(k + 1), team=f"Écurie {LAST[k % 8]}",
                              laps=8 - k // 40, total_time_ms=2_060_000 if k == 1 else None,
                              gap=None if k == 1 else f"+{k * 1.7:.3f}", best_lap_ms=246_000 + (k * 613) % 5_000))
    lists = list(overall)
    for name in EVENT.classes:
        mine = [r for r in overall if r.car_class == name]
        lists += [Result(r.session_id, name, r.position and i, r.drivers, r.status, name, r.number, r.team,
                         laps=r.laps, gap=r.gap, best_lap_ms=r.best_lap_ms) for i, r in enumerate(mine, 1)]
    return lists


def as_text(lang: Lang, rows: list[Result]) -> str:
    """The /results answer for these rows, as text: one table per classification."""
    tables = tuple(results_table(lang, c, [r for r in rows if r.classification == c])
                   for c in dict.fromkeys(r.classification for r in rows))
    return render_text(Message(title="Bench Cup — Race", blocks=tables, footer="", lang=lang.code))


def peak_mb(fn) -> float:
    """The peak of Python-tracked memory during one call, in MB (Pillow's own C buffers are
    counted where Pillow reports them to Python; the image's pixels are mostly not)."""
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--cars", type=int, default=61)
    args = parser.parse_args()
    lang, rows = Lang("en"), bench_field(args.cars)
    marks = CardMarks(pole=rows[2].driver)
    cases = {"baseline": lambda: as_text(lang, rows), "card": lambda: result_card(lang, EVENT, RACE, rows, "final", marks)}

    started = time.perf_counter_ns()
    png = cases["card"]()  # the first card pays for importing Pillow and loading the fonts
    first_ms = (time.perf_counter_ns() - started) / 1e6
    if "Anaïs" not in cases["baseline"]() or png[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit("a case did not produce its answer")
    for fn in cases.values():  # warm-up
        fn()
    samples: dict[str, list[int]] = {name: [] for name in cases}
    for _ in range(args.runs):  # interleaved: a burst of noise hits both alike
        for name, fn in cases.items():
            t0 = time.perf_counter_ns()
            fn()
            samples[name].append(time.perf_counter_ns() - t0)
    median = {name: statistics.median(s) / 1e6 for name, s in samples.items()}
    memory = {name: peak_mb(fn) for name, fn in cases.items()}
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")

    print(f"{args.cars} cars, {args.runs} runs per case (after warm-up); median time, peak traced memory")
    print(f"baseline (/results text) {median['baseline']:9.3f} ms   {memory['baseline']:7.2f} MB")
    print(f"card (PNG)               {median['card']:9.3f} ms   {memory['card']:7.2f} MB   "
          f"(first card in the process: {first_ms:.0f} ms)")
    print(f"ratio card/baseline      {median['card'] / median['baseline']:9.1f} x time   "
          f"{memory['card'] / max(memory['baseline'], 1e-9):7.1f} x memory")
    # The pixels live in Pillow's C buffers, which tracemalloc does not see: the RGB canvas
    # and its 256-colour copy, counted from the size.
    pixels_mb = width * height * (3 + 1) / 1e6
    print(f"card: {width}×{height} px, {len(png) / 1024:.0f} KB; pixel buffers outside tracemalloc ~{pixels_mb:.1f} MB")
    print(f"aim: median under {AIM_MS:g} ms -- {'met' if median['card'] < AIM_MS else 'MISSED'}")


if __name__ == "__main__":
    main()
