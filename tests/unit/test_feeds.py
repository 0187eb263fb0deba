"""OpenF1 and Jolpica payloads to facts: our own payloads, and the shared real ones."""
import json
from pathlib import Path

import pytest

from bot.sources import jolpica, openf1
from bot.sources.fields import FileError

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="the shared feed files are not here")


def msg(lap, text, flag=None, minute=0):
    return {"date": f"2026-05-01T12:{minute:02d}:00+00:00", "lap_number": lap, "message": text, "flag": flag,
            "category": "Other"}


def test_race_control_periods_and_the_end_of_the_race():
    feed = [msg(3, "VIRTUAL SAFETY CAR DEPLOYED", minute=1), msg(4, "VIRTUAL SAFETY CAR ENDING", minute=2),
            msg(10, "SAFETY CAR DEPLOYED", minute=3), msg(12, "SAFETY CAR IN THIS LAP", minute=5),
            msg(20, "RED FLAG", "RED", minute=7), msg(20, "GREEN LIGHT - PIT EXIT OPEN", "GREEN", minute=9),
            msg(40, "CHEQUERED FLAG", "CHEQUERED", minute=11), "garbage", {"message": None}]
    rc = openf1.race_control(feed, "s", "openf1")
    assert [(i.kind, i.start_lap, i.end_lap) for i in rc.incidents] == [
        ("virtual_safety_car", 3, 4), ("safety_car", 10, 12), ("red_flag", 20, 20)]
    assert rc.finished
    live = openf1.race_control(feed[2:3], "s", "openf1")  # deployed, not yet in: an open period
    assert [(i.kind, i.start_lap, i.end_lap, i.is_over) for i in live.incidents] == [("safety_car", 10, None, False)]
    assert not live.finished


def test_session_results_with_names_gaps_and_retirements():
    rows = [{"position": 2, "driver_number": 44, "number_of_laps": 50, "duration": 3600.5, "gap_to_leader": 1.25},
            {"position": None, "driver_number": 7, "number_of_laps": 12, "dnf": True},
            {"position": 1, "driver_number": 1, "number_of_laps": 50, "duration": 3599.25, "gap_to_leader": 0},
            {"position": 3, "driver_number": 9, "number_of_laps": 49, "gap_to_leader": "+1 LAP"}]
    res = openf1.session_result(rows, "s", "openf1", {1: "Max Racer", 44: "Lew Fast"})
    assert [(r.position, r.driver, r.status, r.gap) for r in res] == [
        (1, "Max Racer", "classified", None), (2, "Lew Fast", "classified", "+1.250"),
        (3, "#9", "classified", "+1 LAP"), (None, "#7", "dnf", None)]
    assert res[0].total_time_ms == 3_599_250


def test_jolpica_refuses_an_answer_without_a_round():
    with pytest.raises(FileError):
        jolpica.results({"MRData": {"RaceTable": {"Races": []}}}, "empty.json", "s", "j")


@needs_shared
def test_the_real_suzuka_race_control_results_and_grid():
    feed = json.loads((SHARED / "openf1" / "openf1_2026_suzuka_race_race_control.json").read_text())
    rc = openf1.race_control(feed, "s", "openf1")
    assert [(i.kind, i.start_lap, i.end_lap) for i in rc.incidents] == [("safety_car", 22, 27)] and rc.finished
    results = openf1.session_result(json.loads((SHARED / "openf1" / "openf1_2026_suzuka_race_session_result.json")
                                               .read_text()), "s", "openf1")
    assert results[0].number == "12" and results[0].position == 1
    assert [r.status for r in results].count("dnf") == 2
    grid = openf1.starting_grid(json.loads((SHARED / "openf1" / "openf1_2026_suzuka_quali_starting_grid.json")
                                           .read_text()), "q", "openf1")
    assert grid[0].number == "12" and grid[0].best_lap_ms == 88_778


@needs_shared
def test_the_real_jolpica_saudi_arabia_round():
    race = json.loads((SHARED / "jolpica" / "jolpica_2022_r02_saudi_arabia_results.json").read_text())
    res = jolpica.results(race, "r.json", "s", "j")
    assert (res[0].driver, res[0].team, res[0].total_time_ms) == ("Max Verstappen", "Red Bull", 5_059_293)
    assert all(r.position == i for i, r in enumerate([r for r in res if r.status == "classified"], 1))
    quali = json.loads((SHARED / "jolpica" / "jolpica_2022_r02_saudi_arabia_qualifying.json").read_text())
    pole = jolpica.qualifying(quali, "q.json", "q", "j")[0]
    assert (pole.driver, pole.best_lap_ms) == ("Sergio Pérez", 88_200)


def test_qualifying_ends_with_its_last_part_and_per_part_results_are_read():
    q1_over = {"date": "2026-03-28T06:20:00+00:00", "flag": "CHEQUERED", "qualifying_phase": 1, "message": "CHEQUERED FLAG"}
    q3_over = {"date": "2026-03-28T07:00:00+00:00", "flag": "CHEQUERED", "qualifying_phase": 3, "message": "CHEQUERED FLAG"}
    assert not openf1.race_control([q1_over], "q", "openf1").finished
    assert openf1.race_control([q1_over, q3_over], "q", "openf1").finished
    rows = [{"position": 1, "driver_number": 1, "gap_to_leader": [0, 0, 0], "duration": [90.1, 89.5, 88.9]},
            {"position": 15, "driver_number": 7, "gap_to_leader": [0.5, 1.1, None], "duration": [90.5, 90.6, None]}]
    results = openf1.session_result(rows, "q", "openf1")
    assert [(r.position, r.gap, r.total_time_ms) for r in results] == [(1, None, 88_900), (15, "+1.100", 90_600)]
