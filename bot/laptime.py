"""Lap and race times as integer milliseconds, read from any common notation.

Timing sheets, reports and feeds write the same time many ways: `4'08"576` (French and
Al Kamel), `4:08.576`, `1'36.144`, `248.576` seconds, `1:02:03.456` for a race total.
Storing milliseconds keeps comparisons exact; each language gets its own notation back.
"""
from __future__ import annotations

import re

# Typeset primes and doubled apostrophes are the same marks as ' and ".
_MARKS = str.maketrans({"’": "'", "′": "'", "”": '"', "″": '"'})
# hours end with : or h; minutes with : or '; seconds with " . or , before the thousandths
_CLOCK = re.compile(
    r"""^\s*
    (?:(?P<h>\d{1,3})\s*(?::(?=\d{1,2}[:'])|h)\s*)?   # hours, only when minutes follow
    (?:(?P<m>\d{1,4})\s*[:']\s*)?                     # minutes
    (?P<s>\d{1,6})                                    # seconds
    (?:\s*[".,]\s*(?P<frac>\d{1,3}))?                  # fraction of a second
    \s*$""",
    re.VERBOSE,
)


class LapTimeError(ValueError):
    """A time that no known notation can read."""


def parse_lap_time(text: str | int | float) -> int:
    """Read a lap or race time and return it in milliseconds.

    Accepts `4'08"576`, `4:08.576`, `1'36.144`, `248.576`, `1:02:03.456` and an int of
    milliseconds as is. Raises LapTimeError with the offending text otherwise.
    """
    if isinstance(text, bool):
        raise LapTimeError(f"{text!r} is not a time")
    if isinstance(text, int):
        if not 0 <= text < 2**53:
            raise LapTimeError(f"{text} is not a number of milliseconds")
        return text
    if isinstance(text, float):
        if not (0 <= text < 1e7):  # also refuses nan and infinity
            raise LapTimeError(f"{text} is not a time in seconds")
        return round(text * 1000)
    match = _CLOCK.match(text.translate(_MARKS).replace("''", '"'))
    if not match:
        raise LapTimeError(f"{text!r} is not a time like 4'08\"576, 4:08.576 or 248.576")
    hours = int(match["h"] or 0)
    minutes = int(match["m"] or 0)
    seconds = int(match["s"])
    if (match["m"] is not None) and seconds >= 60:
        raise LapTimeError(f"{text!r} has {seconds} seconds in a minute")
    if match["h"] is not None and match["m"] is None:
        raise LapTimeError(f"{text!r} gives hours but no minutes")
    if match["h"] is not None and minutes >= 60:
        raise LapTimeError(f"{text!r} has {minutes} minutes in an hour")
    frac = match["frac"] or "0"
    millis = int(frac.ljust(3, "0"))
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def format_lap_time(ms: int, lang: str = "en") -> str:
    """Show milliseconds in the notation of `lang`: `4:08.576` in English, `4'08"576` in French."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    if lang == "fr":
        head = f"{hours}h{minutes:02d}'" if hours else f"{minutes}'"
        return f"{head}{seconds:02d}\"{millis:03d}"
    head = f"{hours}:{minutes:02d}:" if hours else f"{minutes}:"
    return f"{head}{seconds:02d}.{millis:03d}"
