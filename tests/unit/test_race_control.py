"""Race control as real races run: periods that follow, nest and repeat, red flags ended by
the race resuming, and never an end before race control (or the lap count) says so.

The messages are written here in race control's own terse style; the shared Suzuka log is
read from ../shared/data when it is there."""
import json
from pathlib import Path

import pytest

from bot.sources import openf1

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "openf1"


def feed(*lines):
    """Messages one minute apart: (lap, text) or (lap, text, flag) or (lap, text, flag, scope)."""
    out = []
    for minute, line in enumerate(lines):
        lap, text, flag, scope = (tuple(line) + (None, None))[:4]
        out.append({"date": f"2026-05-01T{12 + minute // 60:02d}:{minute % 60:02d}:00+00:00", "lap_number": lap,
                    "message": text, "flag": flag, "scope": scope, "category": "Other"})
    return out


def periods(messages):
    rc = openf1.race_control(messages, "s", "openf1")
    return [(i.kind, i.start_lap, i.end_lap if i.is_over else "open") for i in rc.incidents]


RED_AND_RESTART = feed(
    (12, "RED FLAG", "RED", "Track"),
    (12, "PIT EXIT CLOSED"),
    (12, "RACE WILL RESUME AT 15:20"),  # an announcement, not the resumption
    (12, "STANDING START PROCEDURE WILL BE USED"),
    (12, "GREEN LIGHT - PIT EXIT OPEN", "GREEN", "Track"),
    (13, "DRS ENABLED"),
    (30, "CHEQUERED FLAG", "CHEQUERED", "Track"))


def test_a_red_flag_ends_when_the_pit_exit_opens_not_when_the_restart_is_announced():
    assert periods(RED_AND_RESTART[:4]) == [("red_flag", 12, "open")]
    assert periods(RED_AND_RESTART[:5]) == [("red_flag", 12, 12)]


def test_two_red_flags_the_second_ended_only_by_the_leader_starting_a_new_lap():
    messages = feed((5, "RED FLAG", "RED", "Track"), (5, "SESSION RESUMED"), (9, "OVERTAKE ENABLED"),
                    (40, "RED FLAG", "RED", "Track"), (40, "CAR 4 (NOR) TIME 1:20.000 DELETED"),
                    (42, "BLUE FLAG FOR CAR 2", "BLUE", "Driver"), (57, "CHEQUERED FLAG", "CHEQUERED", "Track"))
    assert periods(messages[:5]) == [("red_flag", 5, 5), ("red_flag", 40, "open")]
    # No word from race control, but lap 42 is named: the race was under way on lap 41.
    assert periods(messages) == [("red_flag", 5, 5), ("red_flag", 40, 41)]


def test_a_virtual_safety_car_that_becomes_a_safety_car_does_not_swallow_the_next_one():
    messages = feed((16, "VIRTUAL SAFETY CAR DEPLOYED"), (18, "SAFETY CAR DEPLOYED"),
                    (22, "SAFETY CAR IN THIS LAP"), (38, "VIRTUAL SAFETY CAR DEPLOYED"),
                    (39, "VIRTUAL SAFETY CAR ENDING"), (41, "VIRTUAL SAFETY CAR DEPLOYED"))
    assert periods(messages) == [("virtual_safety_car", 16, 18), ("safety_car", 18, 22),
                                 ("virtual_safety_car", 38, 39), ("virtual_safety_car", 41, "open")]


def test_a_safety_car_out_when_the_red_flag_falls_leads_the_restart_and_comes_in_later():
    messages = feed((3, "SAFETY CAR DEPLOYED"), (4, "RED FLAG", "RED", "Track"),
                    (4, "GREEN LIGHT - PIT EXIT OPEN", "GREEN", "Track"), (6, "SAFETY CAR IN THIS LAP"))
    assert periods(messages[:2]) == [("safety_car", 3, "open"), ("red_flag", 4, "open")]
    assert periods(messages[:3]) == [("safety_car", 3, "open"), ("red_flag", 4, 4)]
    assert periods(messages) == [("safety_car", 3, 6), ("red_flag", 4, 4)]


def test_after_a_standing_restart_the_safety_car_that_was_out_is_over():
    messages = feed((3, "SAFETY CAR DEPLOYED"), (4, "RED FLAG", "RED", "Track"),
                    (4, "STANDING START PROCEDURE WILL BE USED"), (4, "GREEN LIGHT - PIT EXIT OPEN", "GREEN", "Track"))
    assert periods(messages) == [("safety_car", 3, 4), ("red_flag", 4, 4)]


def test_a_race_that_never_resumes_ends_its_red_flag_on_no_known_lap():
    messages = feed((2, "SAFETY CAR DEPLOYED"), (3, "RED FLAG", "RED", "Track"),
                    (3, "SESSION FINISHED"), (3, "PIT EXIT OPEN"))
    rc = openf1.race_control(messages, "s", "openf1")
    assert rc.finished
    assert [(i.kind, i.is_over, i.end_lap) for i in rc.incidents] == [("safety_car", True, None),
                                                                      ("red_flag", True, None)]


def _never_early(messages):
    """Read the log as a poll would, a message more each time: a period once over stays
    over with the same laps, and none ends before the message that ends it arrived."""
    final = openf1.race_control(messages, "s", "openf1").incidents
    ended_at = {}
    for n in range(1, len(messages) + 1):
        for i in openf1.race_control(messages[:n], "s", "openf1").incidents:
            key = (i.kind, i.start_lap)
            if i.is_over:
                ended_at.setdefault(key, (n, i.end_lap))
                assert ended_at[key][1] == i.end_lap, f"{key} changed its end after message {ended_at[key][0]}"
    assert {(i.kind, i.start_lap) for i in final if i.is_over} == set(ended_at)
    return ended_at


def test_our_logs_read_message_by_message_never_end_a_period_early_or_change_its_laps():
    _never_early(RED_AND_RESTART)
    ends = _never_early(feed((16, "VIRTUAL SAFETY CAR DEPLOYED"), (18, "SAFETY CAR DEPLOYED"),
                             (22, "SAFETY CAR IN THIS LAP"), (25, "RED FLAG", "RED", "Track"),
                             (25, "RACE WILL RESUME AT 14:00"), (26, "LAP COUNT")))
    assert ends == {("virtual_safety_car", 16): (2, 18), ("safety_car", 18): (3, 22), ("red_flag", 25): (6, 25)}


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared OpenF1 files are not here")
def test_the_real_suzuka_log_read_message_by_message():
    messages = json.loads((SHARED / "openf1_2026_suzuka_race_race_control.json").read_text(encoding="utf-8"))
    ends = _never_early(messages)
    texts = [m["message"] for m in sorted(messages, key=lambda m: m["date"])]
    assert ends == {("safety_car", 22): (texts.index("SAFETY CAR IN THIS LAP") + 1, 27)}


def test_a_chequered_flag_on_a_later_lap_is_no_restart_of_a_red_flag():
    messages = feed((3, "RED FLAG", "RED", "Track"), (4, "CHEQUERED FLAG", "CHEQUERED", "Track"))
    rc = openf1.race_control(messages, "s", "openf1")
    assert [(i.kind, i.is_over, i.end_lap) for i in rc.incidents] == [("red_flag", True, None)] and rc.finished
