"""Languages: strings per language plus dates, numbers and lap times through babel."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from bot.domain import LANGUAGES
from bot.i18n import en, fr

__all__ = ["LANGUAGES", "Lang", "pick"]
from bot.laptime import format_lap_time

_CATALOGS = {"en": en.STRINGS, "fr": fr.STRINGS}
_COMMAND_HELP = {"fr": fr.COMMAND_HELP}
_PARAM_HELP = {"fr": fr.PARAM_HELP}
_COMMAND_NAMES = {"fr": fr.COMMAND_NAMES}
_PARAM_NAMES = {"fr": fr.PARAM_NAMES}


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
        """A date written out: 17 June 2017 / 17 juin 2017."""
        return format_date(value, format="long", locale=self.code)

    def moment(self, value: datetime, event_tz: str) -> str:
        """A date and time in the reader's zone (or the event's), with the zone shown."""
        local = value.astimezone(ZoneInfo(self.tz or event_tz))
        # babel has no short zone names for most locales; the zone's own abbreviation
        # (CEST, JST, UTC) is what fans recognise.
        return f"{format_datetime(local, format='EEE d MMM y HH:mm', locale=self.code)} {local.tzname()}"

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
