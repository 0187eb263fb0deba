"""How right the race-report extractor is, against hand-written gold facts.

Run:  python bench/bench_report_accuracy.py TEXT_DIR [--gold DIR] [--verbose]

TEXT_DIR holds the report excerpts as `NN-….txt` (third-party words: they are rebuilt with
the search tool as ../shared/reports-dev/SOURCES.md explains, kept outside the repository
and never committed); the gold facts are ../shared/reports-dev/gold/NN-….gold.json. Each
text is extracted as `pitboard ingest` would, and scored:

- pole and winner: right / stated in the gold (a crew matches when every driver found is
  one of its drivers); a pole or winner where the gold has none, or a wrong one, is wrong;
- finishing places (overall) and class results: recall (gold places found with the right
  driver) and precision (places found that the gold has);
- quotes: gold quotes found (the text starts with the gold's opening words) with the right
  speaker, and quotes found that the gold does not have;
- safety car (the number of full periods, where the gold states it; a VSC mentioned or not)
  and red flag (stopped or not);
- invented facts: a driver the extractor names who appears nowhere in the text.

Names are compared without accents, case or punctuation; a surname alone matches the full
name it stands for. A baseline in the same run: the time to split each text into words
(the extraction's cost is printed beside it).
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere: the project's package

from bot.reports.extract import extract  # noqa: E402

GOLD = Path(__file__).resolve().parents[2] / "shared" / "reports-dev" / "gold"
TARGETS = {"pole": 0.9, "winner": 0.9, "places recall": 0.8, "places precision": 0.98, "class results": 0.8,
           "quotes": 0.85}


def plain(text: str | None) -> str:
    """Lower case, no accents, no punctuation, single spaces."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^\w ]+", " ", text).split())


def people(name: str | None) -> list[str]:
    """The drivers a name holds (a crew is "A / B / C")."""
    return [plain(p) for p in re.split(r"\s*/\s*|\s*,\s*|\s+et\s+|\s+and\s+", name or "") if plain(p)]


def same_person(found: str, gold: str) -> bool:
    """One driver: equal, or one is the other's surname (gold keeps surnames the text gives)."""
    if found == gold:
        return True
    f, g = found.split(), gold.split()
    return (len(f) == 1 and f[-1] == g[-1]) or (len(g) == 1 and g[-1] == f[-1])


def same_driver(found: str | None, gold: str | None) -> bool:
    """Whether the driver (or crew) found is the gold's: every driver found is in it."""
    found_people, gold_people = people(found), people(gold)
    return bool(found_people) and bool(gold_people) and all(
        any(same_person(f, g) for g in gold_people) for f in found_people)


def score(text: str, gold: dict) -> dict:
    """One report's counts."""
    out = extract(text)
    facts = {kind: out.of(kind) for kind in ("pole", "result", "class_result", "quote", "safety_car", "vsc",
                                             "red_flag")}
    s: dict = {}
    # Pole and winner.
    gold_pole = (gold.get("pole") or {}).get("driver")
    found_pole = facts["pole"][0].data["driver"] if facts["pole"] else None
    s["pole"] = (gold_pole is not None, same_driver(found_pole, gold_pole), found_pole is not None and
                 not same_driver(found_pole, gold_pole) and (gold_pole is not None or gold.get("pole") is None))
    results = [f.data for f in facts["result"] if not f.data.get("class")]
    found_winner = next((r["driver"] for r in results if r["position"] == 1), None)
    gold_winner = gold.get("winner")
    s["winner"] = (gold_winner is not None, same_driver(found_winner, gold_winner),
                   found_winner is not None and not same_driver(found_winner, gold_winner))
    # Places overall and by class.
    gold_places = [p for p in gold.get("finish_order", []) if p.get("driver")]
    matched = sum(any(r["position"] == p["position"] and same_driver(r["driver"], p["driver"]) for r in results)
                  for p in gold_places)
    right = sum(any(r["position"] == p["position"] and same_driver(r["driver"], p["driver"]) for p in gold_places)
                for r in results)
    s["places"] = (len(gold_places), matched, len(results), right)
    gold_classes = [c for c in gold.get("class_results", []) if c.get("driver")]
    found_classes = [f.data for f in facts["class_result"]]

    def same_class(a: str, b: str) -> bool:
        return plain(a).replace(" ", "") == plain(b).replace(" ", "")

    s["classes"] = (len(gold_classes),
                    sum(any(c["position"] == g["position"] and same_class(c["class"], g["class"]) and
                            same_driver(c["driver"], g["driver"]) for c in found_classes) for g in gold_classes),
                    len(found_classes),
                    sum(any(c["position"] == g["position"] and same_class(c["class"], g["class"]) and
                            same_driver(c["driver"], g["driver"]) for g in gold_classes) for c in found_classes))
    # Quotes: the opening words, and the speaker.
    quotes = [f.data for f in facts["quote"]]

    def opens(found: str, start: str) -> bool:
        a, b = plain(found), plain(start)
        return bool(b) and (a.startswith(b) or b.startswith(a[: max(len(b), 12)]))

    gold_quotes = gold.get("quotes", [])
    s["quotes"] = (len(gold_quotes),
                   sum(any(opens(q["text"], g["starts_with"]) and same_driver(q["speaker"], g["speaker"])
                           for q in quotes) for g in gold_quotes),
                   len(quotes),
                   sum(any(opens(q["text"], g["starts_with"]) and same_driver(q["speaker"], g["speaker"])
                           for g in gold_quotes) for q in quotes))
    # Safety car and red flag.
    sc = gold.get("safety_car") or {}
    count = facts["safety_car"][0].data.get("count", 1) if facts["safety_car"] else 0
    s["sc periods"] = (sc.get("periods") is not None, sc.get("periods") is not None and count == sc["periods"])
    s["vsc"] = (True, bool(facts["vsc"]) == bool(sc.get("virtual")))
    s["red flag"] = (True, bool(facts["red_flag"]) == bool(gold.get("red_flag")))
    # Invented: a driver named who is nowhere in the text.
    haystack = plain(text)
    named = [found_pole, found_winner] + [r["driver"] for r in results] + [c["driver"] for c in found_classes] + \
        [q["speaker"] for q in quotes]
    s["invented"] = [n for n in named if n and any(p not in haystack for p in people(n))]
    s["found"] = {"pole": found_pole, "winner": found_winner, "places": [(r["position"], r["driver"]) for r in results],
                  "classes": [(c["class"], c["position"], c["driver"]) for c in found_classes],
                  "quotes": [(q["speaker"], q["text"][:40]) for q in quotes],
                  "sc": count, "vsc": bool(facts["vsc"]), "red": bool(facts["red_flag"])}
    return s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("texts", type=Path, help="the folder of NN-….txt excerpts")
    parser.add_argument("--gold", type=Path, default=GOLD, help=f"the gold folder (default {GOLD})")
    parser.add_argument("--verbose", action="store_true", help="show what each report got wrong")
    args = parser.parse_args()
    golds = sorted(args.gold.glob("*.gold.json"))
    if not golds:
        print(f"No gold files in {args.gold}.", file=sys.stderr)
        return 1
    totals: dict = {}
    missing, invented, timings, baseline = [], [], [], []
    for path in golds:
        stem = path.name.removesuffix(".gold.json")
        text_path = args.texts / f"{stem}.txt"
        if not text_path.exists():
            missing.append(stem)
            continue
        text = text_path.read_text(encoding="utf-8")
        gold = json.loads(path.read_text(encoding="utf-8"))
        started = time.perf_counter()
        s = score(text, gold)
        timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        text.split()
        baseline.append(time.perf_counter() - started)
        for key in ("pole", "winner"):
            stated, right, wrong = s[key]
            t = totals.setdefault(key, [0, 0, 0])
            t[0] += stated
            t[1] += right and stated
            t[2] += wrong
        for key in ("places", "classes", "quotes"):
            t = totals.setdefault(key, [0, 0, 0, 0])
            for i, v in enumerate(s[key]):
                t[i] += v
        for key in ("sc periods", "vsc", "red flag"):
            t = totals.setdefault(key, [0, 0])
            t[0] += s[key][0]
            t[1] += s[key][0] and s[key][1]
        invented += [(stem, n) for n in s["invented"]]
        if args.verbose:
            print(f"--- {stem}")
            for k, v in s["found"].items():
                print(f"  {k}: {v}")
            print(f"  gold: pole {(gold.get('pole') or {}).get('driver')}, winner {gold.get('winner')}, places "
                  f"{[(p['position'], p['driver']) for p in gold.get('finish_order', [])]}, classes "
                  f"{[(c['class'], c['position'], c['driver']) for c in gold.get('class_results', [])]}, quotes "
                  f"{[(q['speaker'], q['starts_with'][:30]) for q in gold.get('quotes', [])]}, sc "
                  f"{gold.get('safety_car')}, red {gold.get('red_flag')}")
    scored = len(golds) - len(missing)
    if not scored:
        print(f"None of the {len(golds)} texts is in {args.texts}; rebuild them as SOURCES.md says.", file=sys.stderr)
        return 1

    def ratio(a: int, b: int) -> float:
        return a / b if b else 1.0

    figures = {
        "pole": ratio(totals["pole"][1], totals["pole"][0]),
        "winner": ratio(totals["winner"][1], totals["winner"][0]),
        "places recall": ratio(totals["places"][1], totals["places"][0]),
        "places precision": ratio(totals["places"][3], totals["places"][2]),
        "class results": ratio(totals["classes"][1], totals["classes"][0]),
        "quotes": ratio(totals["quotes"][1], totals["quotes"][0]),
    }
    print(f"{scored} reports scored ({len(missing)} texts missing)" + (f": {', '.join(missing)}" if missing else ""))
    print("| fact | figure | counts | target |")
    print("|---|---|---|---|")
    rows = [
        ("pole", f"{totals['pole'][1]} of {totals['pole'][0]} right, {totals['pole'][2]} wrong"),
        ("winner", f"{totals['winner'][1]} of {totals['winner'][0]} right, {totals['winner'][2]} wrong"),
        ("places recall", f"{totals['places'][1]} of {totals['places'][0]} gold places found"),
        ("places precision", f"{totals['places'][3]} of {totals['places'][2]} places found are right"),
        ("class results", f"{totals['classes'][1]} of {totals['classes'][0]} found "
                          f"({totals['classes'][3]} of {totals['classes'][2]} found are right)"),
        ("quotes", f"{totals['quotes'][1]} of {totals['quotes'][0]} with the right speaker "
                   f"({totals['quotes'][2] - totals['quotes'][3]} found that the gold lacks)"),
    ]
    met = True
    for key, counts in rows:
        ok = figures[key] >= TARGETS[key]
        met &= ok
        print(f"| {key} | {figures[key]:.2f} | {counts} | ≥ {TARGETS[key]:.2f} {'met' if ok else 'MISSED'} |")
    for key in ("sc periods", "vsc", "red flag"):
        print(f"| {key} | {ratio(totals[key][1], totals[key][0]):.2f} | {totals[key][1]} of {totals[key][0]} right | |")
    print(f"| invented drivers | {len(invented)} | {', '.join(f'{s}: {n}' for s, n in invented) or 'none'} | 0 "
          f"{'met' if not invented else 'MISSED'} |")
    met &= not invented
    per = statistics.median(timings) * 1e3
    print(f"time: {per:.1f} ms per report (median), {statistics.median(baseline) * 1e6:.0f} µs to split it into "
          f"words (baseline): {statistics.median(timings) / max(statistics.median(baseline), 1e-9):.0f}×")
    print("targets: " + ("all met" if met else "not all met"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
