from datetime import datetime, timezone

import pytest

from bot.sources.event_file import load_event_file
from bot.sources.fields import FileError
from tests.conftest import FIXTURES, LE_MANS_FILE

GOOD = FIXTURES / "test-cup-spa-2024.toml"


def test_the_bundled_le_mans_file_holds_the_reported_facts():
    b = load_event_file(LE_MANS_FILE)
    assert (b.event.starters, b.event.circuit_length_m, b.event.timezone) == (61, 13625, "Europe/Paris")
    pole = [r for r in b.results if r.session_id.endswith("qualifying") and r.position == 1][0]
    assert (pole.driver, pole.best_lap_ms) == ("Florian Latorre", 248_576)
    race = [r.driver for r in b.results if r.session_id.endswith("/race") and r.classification == ""]
    assert race[:3] == ["Dan Cammish", "Dino Zamparelli", "Alessio Rovera"] and len(race) == 10
    crash, safety_car = b.incidents
    assert crash.kind == "crash" and crash.drivers == ("Florian Latorre", "Antoine Jung")
    assert safety_car.kind == "safety_car" and safety_car.start_lap == 1
    assert {q.speaker for q in b.quotes} == {"Dan Cammish", "Christophe Lapierre"}


def test_times_crews_and_local_times_are_read():
    b = load_event_file(GOOD)
    winner = [r for r in b.results if r.session_id.endswith("/race") and r.position == 1][0]
    assert winner.drivers == ("Ann Able", "Bo Baker") and winner.number == "7"
    assert (winner.total_time_ms, winner.best_lap_ms) == (3_612_345, 138_200)
    dnf = [r for r in b.results if r.status == "dnf"][0]
    assert dnf.position is None
    quali = b.sessions[0]
    # A time without offset is local to the event's zone (CEST, UTC+2 in July).
    assert quali.start.astimezone(timezone.utc) == datetime(2024, 7, 26, 13, 0, tzinfo=timezone.utc)
    assert b.digest and len(b.digest) == 64


def write(tmp_path, text):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "old, new, field, problem",
    [
        ("format = 1", "format = 9", "format", "reads format 1"),
        ('timezone = "Europe/Brussels"', 'timezone = "Mars/Olympus"', "event.timezone", "not a time zone"),
        ("starters = 4", "starters = -4", "event.starters", "at least 1"),
        ('best_lap = "2:17.120"', 'best_lap = "fast"', "sessions[0].classifications[0].results[0].best_lap", "not a time"),
        ("{ position = 2, number = \"11\"", "{ postion = 2, number = \"11\"", "sessions[0].classifications[0].results[1].postion", "did you mean 'position'"),
        ('kind = "red_flag"', 'kind = "yellow_submarine"', "sessions[1].incidents[1].kind", "must be one of"),
        ('class = "Am"\n  results', 'class = "GT3"\n  results', "sessions[1].classifications[1].class", "not one of the event's classes"),
        ('session = "race"', 'session = "sprint"', "quotes[0].session", "names no session"),
        ("{ position = 2, number = 3,", "{ position = 1, number = 3,", "sessions[1].classifications[1].results[1].position", "given twice"),
        ('id = "test-cup-spa-2024"', 'id = "Test Cup!"', "event.id", "lower-case letters"),
        ("end_lap = 5", "end_lap = 2", "sessions[1].incidents[0].end_lap", "before start_lap"),
    ],
)
def test_a_bad_field_is_named_with_its_problem(tmp_path, old, new, field, problem):
    text = GOOD.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(FileError) as err:
        load_event_file(write(tmp_path, text.replace(old, new, 1)))
    message = str(err.value)
    assert message.startswith(f"{tmp_path / 'bad.toml'}: {field}: ")
    assert problem in message and message.endswith("Fix the file and import it again.")
    assert "\n" not in message


def test_broken_toml_and_missing_files_are_named(tmp_path):
    with pytest.raises(FileError, match="is not valid TOML"):
        load_event_file(write(tmp_path, "format = [1"))
    with pytest.raises(FileError, match="cannot be read"):
        load_event_file(tmp_path / "nope.toml")
    (tmp_path / "latin1.toml").write_bytes("name = 'Güven'".encode("latin-1"))
    with pytest.raises(FileError, match="not UTF-8"):
        load_event_file(tmp_path / "latin1.toml")


def test_a_missing_section_is_named(tmp_path):
    text = GOOD.read_text(encoding="utf-8").replace('[series]\nid = "test-cup"\nname = "Test Cup"\n', "")
    with pytest.raises(FileError, match=r"bad.toml: series: is missing"):
        load_event_file(write(tmp_path, text))


@pytest.mark.parametrize(
    "old, new, field",
    [
        ("circuit_length_km = 7.004", "circuit_length_km = nan", "event.circuit_length_km"),
        ("circuit_length_km = 7.004", "circuit_length_km = inf", "event.circuit_length_km"),
        ("starters = 4", "starters = 99999999999999999", "event.starters"),
        ("laps = 25, time", "laps = 9223372036854775807, time", "sessions[1].classifications[0].results[0].laps"),
        ('best_lap = "138.2"', 'best_lap = "99999999999999999999999"', "sessions[1].classifications[0].results[0].best_lap"),
        ('best_lap = "138.2"', "best_lap = 1e308", "sessions[1].classifications[0].results[0].best_lap"),
        ("{ position = 1, number = 7,", "{ position = 1, number = true,", "sessions[0].classifications[0].results[0].number"),
    ],
)
def test_hostile_numbers_are_refused_by_name(tmp_path, old, new, field):
    text = GOOD.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(FileError) as err:
        load_event_file(write(tmp_path, text.replace(old, new, 1)))
    assert f": {field}: " in str(err.value)
