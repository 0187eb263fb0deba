"""Reading untrusted nested data (a parsed TOML or JSON file) field by field.

Each accessor knows the dotted path of what it reads, so any problem becomes one sentence
naming the file, the field and what is wrong with it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from rapidfuzz import process

from bot.laptime import LapTimeError, parse_lap_time


# Far beyond any lap count or grid size, and far inside SQLite's 64-bit integers.
MAX_INT = 1_000_000_000


class FileError(ValueError):
    """A problem in an input file, told as one sentence a user can act on."""

    def __init__(self, file: str, field: str, problem: str):
        self.file, self.field, self.problem = file, field, problem
        where = f"{file}: {field}" if field else file
        super().__init__(f"{where}: {problem}. Fix the file and import it again.")


@dataclass
class Fields:
    """A view of one table of the file, with the path that leads to it."""

    data: dict
    file: str
    path: str = ""

    def _name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, problem: str) -> FileError:
        """An error about `key` of this table (or the table itself when `key` is empty)."""
        return FileError(self.file, self._name(key) if key else self.path, problem)

    def only(self, *allowed: str) -> None:
        """Refuse unknown keys, so a typo such as `postion` is caught, not ignored."""
        for key in self.data:
            if key not in allowed:
                close = process.extractOne(key, allowed, score_cutoff=70)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise self.fail(key, f"is not a field of this table{hint}")

    def _get(self, key: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None and required:
            raise self.fail(key, "is missing")
        return value

    def text(self, key: str, required: bool = True, choices: tuple[str, ...] | None = None) -> str | None:
        """Non-empty text, optionally one of `choices`."""
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be non-empty text, not {value!r}")
        value = value.strip()
        if choices and value not in choices:
            raise self.fail(key, f"must be one of {', '.join(choices)}, not {value!r}")
        return value

    def integer(self, key: str, required: bool = True, minimum: int | None = None) -> int | None:
        """A whole number, at least `minimum`."""
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be a whole number, not {value!r}")
        if minimum is not None and value < minimum:
            raise self.fail(key, f"must be at least {minimum}, not {value}")
        if value > MAX_INT:
            raise self.fail(key, f"must be at most {MAX_INT:,}, not {value}")
        return value

    def number(self, key: str, required: bool = True) -> float | None:
        """A positive number, whole or not."""
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_INT:
            # `not 0 < value` also refuses nan; the upper bound refuses inf.
            raise self.fail(key, f"must be a positive number up to {MAX_INT:,}, not {value!r}")
        return float(value)

    def day(self, key: str, required: bool = True) -> date | None:
        """A calendar date (a TOML date, not a date and time)."""
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, datetime) or not isinstance(value, date):
            raise self.fail(key, f"must be a date such as 2017-06-17, not {value!r}")
        return value

    def moment(self, key: str) -> date | datetime | None:
        """A date, or a date and time (with or without an offset)."""
        value = self._get(key, False)
        if value is not None and not isinstance(value, (date, datetime)):
            raise self.fail(key, f"must be a date or a date and time such as 2017-06-17T10:30:00, not {value!r}")
        return value

    def localized(self, key: str) -> dict[str, str] | None:
        """Text in one language, or a table of it per language: `{ en = "…", fr = "…" }`."""
        value = self._get(key, False)
        if value is None:
            return None
        if isinstance(value, str) and value.strip():
            return {"": value.strip()}
        if isinstance(value, dict) and value and all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
        ):
            return {k: v.strip() for k, v in value.items()}
        raise self.fail(key, f'must be text or a table of texts by language like {{ en = "…", fr = "…" }}, not {value!r}')

    def laptime(self, key: str) -> int | None:
        """A lap or race time in any common notation, as milliseconds."""
        value = self._get(key, False)
        if value is None:
            return None
        try:
            return parse_lap_time(value)
        except LapTimeError as err:
            raise self.fail(key, str(err)) from None

    def strings(self, key: str, required: bool = False) -> tuple[str, ...]:
        """A list of non-empty texts."""
        value = self._get(key, required)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, f"must be a list of non-empty texts, not {value!r}")
        return tuple(v.strip() for v in value)

    def table(self, key: str, required: bool = True) -> Fields | None:
        """A nested table, as Fields that know their path."""
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table")
        return Fields(value, self.file, self._name(key))

    def tables(self, key: str, required: bool = False) -> list[Fields]:
        """An array of tables, each as Fields that know their index."""
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, "must be a list of tables")
        return [Fields(v, self.file, f"{self._name(key)}[{i}]") for i, v in enumerate(value)]
