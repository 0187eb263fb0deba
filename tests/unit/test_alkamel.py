"""Al Kamel timing files: classifications overall and by class, neutralisations by lap."""
from pathlib import Path

import pytest

from bot.sources.alkamel import classification, neutralisations
from bot.sources.fields import FileError
from tests.conftest import FIXTURES

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "alkamel"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="the shared timing files are not here")


def read(path: Path):
    return path.read_text(encoding="utf-8"), path.name


def winners(results):
    return {r.classification or "overall": r.number for r in results if r.position == 1}


def test_our_classification_gives_each_class_several_drivers_gaps_and_statuses():
    results = classification(*read(FIXTURES / "alkamel" / "classification.csv"), "s/race", "timing")
    overall = [r for r in results if r.classification == ""]
    assert [(r.position, r.number, r.drivers) for r in overall[:2]] == [
        (1, "12", ("Anna Martin", "Bruno de Luca")), (2, "31", ("Carl Olsen", "Dana Wu", "Eli Ross"))]
    assert overall[0].total_time_ms == 14_412_345 and overall[0].best_lap_ms == 105_678
    assert overall[1].gap == "2 Laps" and overall[3].status == "dnf"
    assert winners(results) == {"overall": "12", "PRO": "12", "AM": "31"}
    am = [(r.position, r.number) for r in results if r.classification == "AM"]
    assert am == [(1, "31"), (None, "44")]  # the retired car keeps its line, without a place


def test_our_lap_analysis_gives_the_periods_along_the_leader_s_laps():
    # No ELAPSED column: the race clock is each car's lap times added up. The leader (#12)
    # took the green on its lap 5; #31 crossing under the safety car after that is a
    # glitch of one car, not a second period.
    periods = neutralisations(*read(FIXTURES / "alkamel" / "lap_analysis.csv"), "s/race", "timing")
    assert [(i.kind, i.start_lap, i.end_lap) for i in periods] == [("safety_car", 3, 4), ("full_course_yellow", 6, 6)]


def test_a_file_that_is_not_al_kamel_is_refused_with_a_sentence():
    with pytest.raises(FileError) as err:
        classification("just,some,commas\n1,2,3\n", "wrong.csv", "s", "t")
    assert "wrong.csv" in str(err.value) and "Al Kamel" in str(err.value)


@needs_shared
def test_every_class_of_the_real_le_mans_and_spa_classifications():
    le_mans = classification(*read(SHARED / "wec_2015_le_mans_race_classification.csv"), "s", "t")
    assert winners(le_mans) == {"overall": "19", "LMP1": "19", "LMP2": "47", "LMGTE Pro": "64", "LMGTE Am": "72"}
    assert len([r for r in le_mans if r.classification == ""]) == 55
    assert [r.status for r in le_mans if r.classification == ""].count("dsq") == 1
    spa = classification(*read(SHARED / "wec_2016_spa_race_classification.csv"), "s", "t")
    assert winners(spa) == {"overall": "8", "LMP1": "8", "LMP2": "36", "LMGTE Pro": "71", "LMGTE Am": "98"}
    assert spa[0].drivers == ("Lucas di Grassi", "Loïc Duval", "Oliver Jarvis") and spa[1].gap == "2 Laps"
    for results in (le_mans, spa):  # each class numbered 1, 2, 3 … over its classified cars
        for cls in {r.classification for r in results}:
            places = [r.position for r in results if r.classification == cls and r.position is not None]
            assert places == list(range(1, len(places) + 1)) or cls == ""


@needs_shared
def test_the_real_lap_analyses_give_their_safety_car_and_full_course_yellow_periods():
    imola = neutralisations(*read(SHARED / "wec_2025_imola_6h_lap_analysis.csv"), "s", "t")
    assert [(i.kind, i.start_lap, i.end_lap) for i in imola] == [
        ("full_course_yellow", 22, 23), ("safety_car", 56, 59), ("full_course_yellow", 70, 70), ("safety_car", 134, 137)]
    cota = neutralisations(*read(SHARED / "grcup_2025_cota_r2_analysis_endurance.csv"), "s", "t")
    assert [(i.kind, i.start_lap, i.end_lap) for i in cota] == [("full_course_yellow", 7, 9), ("full_course_yellow", 12, 13)]


def test_an_empty_field_past_the_header_is_read_and_a_filled_one_is_named():
    from bot.sources.alkamel import lap_analysis

    ok = "NUMBER;LAP_NUMBER;ELAPSED;FLAG_AT_FL\n7;1;1:40.000;GF;\n8;1;1:41.000;GF;\n"
    assert lap_analysis(ok, "x.csv", "s", "t").laps == 2
    with pytest.raises(FileError) as err:
        lap_analysis("NUMBER;LAP_NUMBER;ELAPSED;FLAG_AT_FL\n7;1;1:40.000;GF;surprise\n", "x.csv", "s", "t")
    assert "more fields than the header" in str(err.value)
