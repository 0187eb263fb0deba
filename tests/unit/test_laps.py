"""Laps from an Al Kamel lap analysis: each car's place at the line, lap by lap, and the
store keeping them (one compact row per car) and giving them back."""
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from bot.sources import alkamel
from bot.sources.timing_import import timing_bundle
from tests.conftest import FIXTURES

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "alkamel"
IMOLA = SHARED / "wec_2025_imola_6h_lap_analysis.csv"
COTA = SHARED / "grcup_2025_cota_r2_analysis_endurance.csv"
OURS = FIXTURES / "alkamel" / "lap_chart.csv"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="the shared timing files are not here")


def read(path: Path, session: str = "s/race", source: str = "timing"):
    return alkamel.laps(path.read_text(encoding="utf-8"), path.name, session, source)


def places(laps) -> dict[int, list[str]]:
    """Lap -> the cars in the order of their place at the end of it."""
    by_lap = defaultdict(list)
    for lap in sorted(laps, key=lambda x: (x.lap, x.position)):
        by_lap[lap.lap].append(lap.number)
    return dict(by_lap)


def assert_each_lap_is_a_permutation(laps):
    by_lap = defaultdict(list)
    for lap in laps:
        by_lap[lap.lap].append(lap.position)
    for number, found in by_lap.items():
        assert sorted(found) == list(range(1, len(found) + 1)), number


def test_our_lap_analysis_gives_each_car_s_place_at_the_line():
    laps = read(OURS)
    assert len(laps) == 19
    assert places(laps) == {1: ["7", "8", "31", "32"], 2: ["7", "8", "31", "32"], 3: ["8", "7", "31", "32"],
                            4: ["8", "7", "31", "32"], 5: ["8", "7", "31"]}
    first = next(x for x in laps if x.number == "31" and x.lap == 3)
    assert (first.car_class, first.driver, first.elapsed_ms, first.lap_time_ms, first.source_id) == \
        ("B", "Chloé Martin", 350_000, 130_000, "timing")
    assert_each_lap_is_a_permutation(laps)


def test_the_laps_come_with_the_periods_from_one_reading():
    analysis = alkamel.lap_analysis(OURS.read_text(encoding="utf-8"), OURS.name, "s/race", "timing")
    assert analysis.lap_list == tuple(read(OURS))
    assert [(i.kind, i.start_lap, i.end_lap) for i in analysis.incidents] == [("full_course_yellow", 3, 4)]


def test_a_file_without_elapsed_times_adds_the_lap_times_up():
    laps = read(FIXTURES / "alkamel" / "lap_analysis.csv")
    assert laps and all(x.elapsed_ms for x in laps)
    assert_each_lap_is_a_permutation(laps)


@needs_shared
def test_the_real_imola_lap_analysis_gives_every_car_s_laps_and_places():
    laps = read(IMOLA)
    per_car = Counter(x.number for x in laps)
    assert len(per_car) == 36 and len(laps) == 7044
    assert max(x.lap for x in laps) == 212
    assert {x.car_class for x in laps} == {"HYPERCAR", "LMGT3"}
    assert_each_lap_is_a_permutation(laps)
    # The car with the most laps crossed the line first on the last lap: the winner leads.
    last = max(laps, key=lambda x: (x.lap, -x.elapsed_ms))
    final = [x for x in laps if x.lap == last.lap]
    assert min(final, key=lambda x: x.elapsed_ms).position == 1
    # Each car's laps run 1, 2, 3… and its clock only goes forward.
    for number in per_car:
        mine = sorted((x for x in laps if x.number == number), key=lambda x: x.lap)
        assert [x.lap for x in mine] == list(range(1, len(mine) + 1))
        assert all(a.elapsed_ms < b.elapsed_ms for a, b in zip(mine, mine[1:]))


@needs_shared
def test_the_real_gr_cup_lap_analysis_without_driver_names():
    laps = read(COTA)
    assert len({x.number for x in laps}) > 10
    assert all(x.driver is None for x in laps)
    assert_each_lap_is_a_permutation(laps)


# --- the store -----------------------------------------------------------------------------

def test_laps_are_stored_and_read_back_and_a_re_import_replaces_them(app):
    bundle = timing_bundle(app.queries, OURS, "lemans", "race")
    assert len(bundle.laps) == 19
    app.add_source_facts(bundle)
    session = bundle.sessions[0].id
    kept = app.queries.laps(session)
    assert len(kept) == 19 and set(kept) == set(bundle.laps)
    assert [x.number for x in kept if x.lap == 3] == ["8", "7", "31", "32"]
    app.add_source_facts(timing_bundle(app.queries, OURS, "lemans", "race"))  # the same file again
    assert len(app.queries.laps(session)) == 19 and set(app.queries.laps(session)) == set(bundle.laps)
    rows = app.db.execute("SELECT count(*), sum(size) FROM lap_lists WHERE session_id = ?", [session]).fetchone()
    assert rows == (4, 19)  # one row per car, no duplicates


def test_the_source_with_the_most_laps_wins(app):
    early = timing_bundle(app.queries, OURS, "lemans", "race")
    app.add_source_facts(early)
    # A copy of the file caught earlier (laps 1 and 2 only) from another source of the same rank.
    short = [line for line in OURS.read_text(encoding="utf-8").splitlines() if line.split(";")[2] in (" LAP_NUMBER", "1", "2")]
    from bot.sources.timing_import import timing_facts
    from bot.sources.target import find_target

    target = find_target(app.queries, "lemans", "race")
    partial = timing_facts(target, ("\n".join(short) + "\n").encode(), "early.csv", "timing-early")
    app.add_source_facts(partial)
    assert len(app.queries.laps(early.sessions[0].id)) == 19
    assert app.queries.laps("no-such-session") == []
