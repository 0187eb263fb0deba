"""Benchmark: race reports through the extractor — reports per second and peak memory.

The corpus is every report in tests/fixtures/reports/ plus the shared reference report
when it is present, each read `--rounds` times, and one long report made of all of them
end to end (`--long` copies) to see how the rules scale with length. The baseline in the
same run is a bare pass that only splits each report into words (what any reader must
do), so the ratio says what the rules cost on top; absolute times move with the machine.

Run:  python bench/bench_reports.py [--rounds 200 --long 20]
"""
from __future__ import annotations

import argparse
import re
import statistics
import time
import tracemalloc
from pathlib import Path

from bot.reports.extract import extract

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference" / "000_27c4b41ef6e413e2.txt"


def corpus() -> list[str]:
    """The reports the benchmark reads."""
    paths = sorted((ROOT / "tests" / "fixtures" / "reports").glob("*.txt"))
    if REFERENCE.exists():
        paths.append(REFERENCE)
    return [p.read_text(encoding="utf-8") for p in paths]


def timed(fn, texts: list[str], rounds: int) -> list[float]:
    """Seconds per pass over all texts, one sample per round."""
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        for text in texts:
            fn(text)
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--long", type=int, default=20)
    args = parser.parse_args()
    texts = corpus()
    words = re.compile(r"\w+")
    baseline = lambda text: words.findall(text)  # noqa: E731
    for text in texts:  # warm the regex caches
        extract(text)
    base = statistics.median(timed(baseline, texts, args.rounds))
    rules = statistics.median(timed(extract, texts, args.rounds))
    long_text = "\n\n".join(texts) * args.long
    long_s = statistics.median(timed(extract, [long_text], 5))
    # Hostile text: 220 KB of capitalised words, the worst case for name patterns.
    hostile = "Alpha Beta " * 20000
    hostile_s = statistics.median(timed(extract, [hostile], 3))
    tracemalloc.start()
    for text in texts:
        extract(text)
    _, peak_small = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    extract(long_text)
    _, peak_long = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    chars = sum(len(t) for t in texts)
    print(f"corpus: {len(texts)} reports, {chars:,} characters; {args.rounds} rounds")
    print(f"  extractor  {len(texts) / rules:10,.0f} reports/s  ({rules / len(texts) * 1e3:.2f} ms per report)")
    print(f"  baseline   {len(texts) / base:10,.0f} reports/s  (splitting into words only)")
    print(f"  ratio      {rules / base:10.1f} x the baseline's time")
    print(f"long report: {len(long_text):,} characters in {long_s * 1e3:.0f} ms "
          f"({len(long_text) / long_s / 1e6:.2f} M characters/s)")
    print(f"hostile text: {len(hostile):,} characters of capitalised words in {hostile_s * 1e3:.0f} ms")
    print(f"peak memory: {peak_small / 1e6:.2f} MB for the corpus, {peak_long / 1e6:.2f} MB for the long report")


if __name__ == "__main__":
    main()
