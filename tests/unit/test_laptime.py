import pytest

from bot.laptime import LapTimeError, format_lap_time, parse_lap_time


@pytest.mark.parametrize(
    "text, ms",
    [
        ("4'08\"576", 248_576),
        ("4:08.576", 248_576),
        ("1'36.144", 96_144),
        ("248.576", 248_576),
        ("4’08”576", 248_576),
        ("1:36.1", 96_100),
        ("59.9", 59_900),
        ("1:02:03.456", 3_723_456),
        ("0'59\"001", 59_001),
        (" 4:08.576 ", 248_576),
        (248576, 248_576),
        ("1h02'03\"456", 3_723_456),
        ("4′08″576", 248_576),
        ("4'08''576", 248_576),
        (96.144, 96_144),
    ],
)
def test_parses_every_common_notation(text, ms):
    assert parse_lap_time(text) == ms


@pytest.mark.parametrize(
    "text",
    ["", "abc", "4:68.000", "4'08\"5761", "-1:00.000", "1:2:3:4", "1:75:00.000", "1h05", "99999999999999999999999",
     "nan", "inf"],
)
def test_refuses_what_is_not_a_time(text):
    with pytest.raises(LapTimeError):
        parse_lap_time(text)


def test_refuses_booleans_and_negative_numbers():
    with pytest.raises(LapTimeError):
        parse_lap_time(True)
    with pytest.raises(LapTimeError):
        parse_lap_time(-5)
    for huge in (2**63, float("nan"), float("inf"), 1e308):
        with pytest.raises(LapTimeError):
            parse_lap_time(huge)


def test_formats_in_each_language_notation():
    assert format_lap_time(248_576, "en") == "4:08.576"
    assert format_lap_time(248_576, "fr") == "4'08\"576"
    assert format_lap_time(3_723_456, "en") == "1:02:03.456"
    assert format_lap_time(3_723_456, "fr") == "1h02'03\"456"


@pytest.mark.parametrize("ms", [0, 1, 59_999, 60_000, 248_576, 3_599_999, 3_600_000, 86_399_999])
def test_round_trips_through_both_notations(ms):
    assert parse_lap_time(format_lap_time(ms, "en")) == ms
    assert parse_lap_time(format_lap_time(ms, "fr")) == ms
