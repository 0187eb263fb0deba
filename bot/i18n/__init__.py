"""Languages: strings per language plus dates, numbers and lap times through babel."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from bot.domain import LANGUAGES
from bot.i18n import en, fr

__all__ = ["LANGUAGES", "Lang", "pick"]
from bot.laptime import LapTimeError, format_lap_time, parse_lap_time

# `1 Lap`, `+2 LAPS`, `1L`, `+1 tour`: a gap counted in laps.
_GAP_LAPS = re.compile(r"^\+?\s*(\d+)\s*(?:laps?|l|lp|tours?|t)\.?$", re.I)

_CATALOGS = {"en": en.STRINGS, "fr": fr.STRINGS}
_COMMAND_HELP = {"fr": fr.COMMAND_HELP}
_PARAM_HELP = {"fr": fr.PARAM_HELP}
_COMMAND_NAMES = {"fr": fr.COMMAND_NAMES}
_PARAM_NAMES = {"fr": fr.PARAM_NAMES}
_AT = {"en": en.at, "fr": fr.at}


@dataclass(frozen=True)
class Lang:
    """Everything language- and zone-dependent about showing a fact to one reader."""

    code: str = "en"
    tz: str | None = None  # the channel's zone; None means the event's own zone

    def t(self, key: str, **values) -> str:
        """The string `key` in this language, filled with `values`."""
        catalog = _CATALOGS.get(self.code, en.STRINGS)
        # One of a thing: the `.one` form when the catalog has one ("1 fact found", not "1 facts").
        if values.get("count") == 1 and f"{key}.one" in catalog:
            key = f"{key}.one"
        template = catalog.get(key) or en.STRINGS[key]
        return template.format(**values)

    def lap(self, ms: int | None) -> str:
        """A lap or race time in this language's notation."""
        return format_lap_time(ms, self.code) if ms is not None else ""

    def km(self, metres: int) -> str:
        """A distance in kilometres: 13.625 km, or 13,625 km in French."""
        return self.t("length", km=format_decimal(metres / 1000, format="#,##0.###", locale=self.code))

    def day(self, value: date) -> str:
        """A date written out: June 17, 2017 / 17 juin 2017."""
        return format_date(value, format="long", locale=self.code)

    def moment(self, value: datetime, event_tz: str) -> str:
        """A date and time in the reader's zone (or the event's), with the zone shown."""
        local = value.astimezone(ZoneInfo(self.tz or event_tz))
        # babel has no short zone names for most locales; the zone's own abbreviation
        # (CEST, JST, UTC) is what fans recognise.
        # The day as `day` writes it everywhere else (June 17, 2017 / 17 juin 2017).
        return self.t("moment", weekday=format_date(local, format="EEE", locale=self.code), day=self.day(local),
                      time=format_datetime(local, format="HH:mm", locale=self.code), zone=local.tzname())

    def at(self, place: str) -> str:
        """Where something happened, with the words this language puts before a place."""
        return _AT.get(self.code, en.at)(place)

    def gap(self, text: str | None) -> str:
        """A gap to the leader as the source wrote it (`1 Lap`, `+1 LAP`, `4.512`, `+1:02.3`),
        in one notation for every source: `+1 lap`, `+4.512` (`+1 tour`, `+4"512`)."""
        if not text:
            return ""
        raw = text.strip()
        laps = _GAP_LAPS.match(raw)
        if laps:
            return self.t("gap.laps", count=int(laps.group(1)))
        try:
            ms = parse_lap_time(raw.lstrip("+").strip().rstrip("s").strip())
        except LapTimeError:
            return raw  # a note the source wrote ("+1 pit stop"): shown as it is
        if ms < 60_000:  # seconds alone, as gaps are written: +4.512, not +0:04.512
            seconds, thousandths = divmod(ms, 1000)
            return self.t("gap.seconds", seconds=seconds, thousandths=f"{thousandths:03d}")
        return "+" + self.lap(ms)

    def join(self, names: list[str]) -> str:
        """`A, B or C` in this language."""
        if len(names) <= 1:
            return "".join(names)
        return f"{', '.join(names[:-1])} {self.t('or')} {names[-1]}"

    def command_help(self, name: str, english: str) -> str:
        """A command's help in this language, falling back to its English docstring."""
        return _COMMAND_HELP.get(self.code, {}).get(name, english)

    def command_name(self, name: str) -> str:
        """What a command is called in this language's slash-command menu."""
        return _COMMAND_NAMES.get(self.code, {}).get(name, name)

    def param_name(self, name: str) -> str:
        """What an option is called in this language's slash-command menu."""
        return _PARAM_NAMES.get(self.code, {}).get(name, name)

    def param_help(self, name: str, english: str) -> str:
        """A parameter's help in this language, falling back to English."""
        return _PARAM_HELP.get(self.code, {}).get(name, english)


def pick(text: dict[str, str] | None, lang: str) -> str | None:
    """The variant of a multi-language text for `lang`, else whatever the source gave."""
    if not text:
        return None
    return text.get(lang) or text.get("") or text.get("en") or next(iter(text.values()))
