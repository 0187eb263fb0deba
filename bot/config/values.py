"""Values the config file and the environment share the checks of: addresses, user ids, and
the hint that names the key a typo meant."""
from __future__ import annotations

from urllib.parse import urlsplit

from rapidfuzz import process

from bot.config.errors import ConfigError


def hint(key: str, known) -> str:
    """` (did you mean 'x'?)` for a key close to a known one, else nothing."""
    close = process.extractOne(key, list(known), score_cutoff=70)
    return f" (did you mean {close[0]!r}?)" if close else ""


def url(value: object, where: str, ws: bool = False) -> str:
    """An http(s) address (or ws(s) for a gateway)."""
    schemes = ("ws://", "wss://") if ws else ("http://", "https://")
    example = "ws://127.0.0.1:8080/" if ws else "http://127.0.0.1:8081/bot"
    if not (isinstance(value, str) and value.startswith(schemes)):
        raise ConfigError(f"{where} must be an address such as {example}; fix it.")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise ConfigError(f"{where} has a port that is not a number from 0 to 65535; fix it.") from None
    if not parts.hostname:
        raise ConfigError(f"{where} names no host, e.g. {example}; fix it.")
    return value


def user_ids(values: object, where: str) -> tuple[str, ...]:
    """A list of platform user ids (numbers, or digits in quotes), each once."""
    if not isinstance(values, list):
        raise ConfigError(f"{where} must be a list of user ids, e.g. [123456789]; fix it.")
    ids = []
    for value in values:
        text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
        if not text.isdigit() or len(text) > 20:
            raise ConfigError(f"{where}: {value!r} is not a user id (digits only, e.g. 123456789); fix it.")
        ids.append(text)
    return tuple(dict.fromkeys(ids))
