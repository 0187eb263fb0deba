"""One notation for each kind of value, whichever command or source shows it."""
from datetime import date, datetime, timezone

import pytest

from bot.domain import Incident
from bot.i18n import Lang
from bot.presentation import describe


@pytest.mark.parametrize("raw, en, fr", [
    ("1 Lap", "+1 lap", "+1 tour"), ("+2 LAPS", "+2 laps", "+2 tours"), ("1L", "+1 lap", "+1 tour"),
    ("4.512", "+4.512", '+4"512'), ("+4.512", "+4.512", '+4"512'), ("+12.3s", "+12.300", '+12"300'),
    ("+1:02.345", "+1:02.345", "+1'02\"345"), ("1'02\"345", "+1:02.345", "+1'02\"345"),
    ("+1 pit stop", "+1 pit stop", "+1 pit stop"),  # a note of the source's: left as written
])
def test_gaps_from_every_source_read_alike(raw, en, fr):
    """Al Kamel writes `1 Lap`, Jolpica `+1 Lap`, OpenF1 a number of seconds: one notation shown."""
    assert (Lang("en").gap(raw), Lang("fr").gap(raw)) == (en, fr)


def test_a_moment_writes_its_day_as_a_date_does():
    moment = datetime(2027, 7, 28, 9, 0, tzinfo=timezone.utc)
    assert Lang("en").moment(moment, "Europe/Brussels") == "Wed, July 28, 2027, 11:00 CEST"
    assert Lang("en").day(moment.date()) in Lang("en").moment(moment, "Europe/Brussels")
    assert Lang("fr").moment(moment, "Europe/Brussels") == "mer. 28 juillet 2027, 11:00 CEST"
    assert Lang("fr").day(date(2027, 7, 28)) == "28 juillet 2027"


@pytest.mark.parametrize("place, en, fr", [
    ("first chicane", "at the first chicane", None),
    ("première chicane", None, "à la première chicane"),
    ("virage 1", None, "au virage 1"),
    ("épingle", None, "à l'épingle"),
    ("le Raidillon", None, "au Raidillon"),
    ("Raidillon", "at Raidillon", "(Raidillon)"),  # a name's article is not guessed: not « à la Raidillon »
    ("Arnage", "at Arnage", "(Arnage)"),
    ("turn 4", "at turn 4", None),
    ("the hairpin", "at the hairpin", None),
])
def test_where_an_incident_happened_reads_right_in_both_languages(place, en, fr):
    if en:
        assert Lang("en").at(place) == en
    if fr:
        assert Lang("fr").at(place) == fr


def test_a_crash_at_a_named_corner_in_french():
    crash = Incident("race", 1, "crash", start_lap=1, location={"": "Raidillon"})
    assert "à la Raidillon" not in describe(Lang("fr"), crash) and "Raidillon" in describe(Lang("fr"), crash)
