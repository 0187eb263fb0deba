"""The platform-neutral Message every command returns and every platform renders.

A Message says what to show (title, blocks of text, tables, quotes, fields) and carries
the structured `data` behind it for JSON output; it never says how a platform draws it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Text:
    text: str
    spoiler: bool = False  # results a reader may not want to see yet


@dataclass(frozen=True)
class Column:
    title: str
    align: str = "left"  # "left" or "right"


@dataclass(frozen=True)
class Table:
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    spoiler: bool = False


@dataclass(frozen=True)
class QuoteBlock:
    text: str
    speaker: str
    role: str | None = None


@dataclass(frozen=True)
class RoleMention:
    """A Discord role shown as a value: Discord draws it as the role's name (in an embed it
    pings nobody); elsewhere it reads as typed, `<@&id>`."""

    role_id: str

    def __str__(self) -> str:
        return f"<@&{self.role_id}>"


@dataclass(frozen=True)
class Image:
    """A picture sent with a message (a result card): PNG bytes, the words that say the
    same for those who cannot see it, and the file name platforms show."""

    png: bytes = field(repr=False)
    alt: str
    name: str = "card.png"
    spoiler: bool = False  # it gives results away: shown blurred until clicked where the platform can
    # A correction whose new card could not be drawn: the card already posted stays as it is
    # (no card at all would remove it).
    keep: bool = False


@dataclass(frozen=True)
class Fields:
    items: tuple[tuple[str, str | RoleMention], ...]


@dataclass(frozen=True)
class Link:
    """A link the bot made itself (to one of its own posts): never a stranger's address."""

    label: str
    url: str


@dataclass(frozen=True)
class Links:
    items: tuple[Link, ...]


Block = Text | Table | QuoteBlock | Fields | Links


@dataclass(frozen=True)
class Button:
    """A button under a message: pressing it runs `command` (a command line such as
    `/results lemans class:B`) for whoever presses, and shows the answer in its place.
    Platforms draw buttons; none of them needs to know what a command means."""

    label: str
    command: str
    selected: bool = False  # shows what the message is showing now
    primary: bool = False  # the action the message asks for (a report's Publish): drawn to stand out


@dataclass(frozen=True)
class Message:
    title: str
    blocks: tuple[Block, ...] = ()
    footer: str | None = None
    lang: str = "en"
    error: bool = False  # the answer is a refusal or a problem, not content
    mention: str | None = None  # a role to notify; platforms mention nobody else, ever
    corrected: bool = False  # this replaces an earlier post (a penalty, a final classification)
    live: bool = False  # news that loses its worth fast (a safety car, a finish): it goes first
    # Moments written out in the text, with their epoch seconds, so a platform that can
    # show each reader their own local time (Discord's <t:…>) may do so.
    times: tuple[tuple[str, float], ...] = ()
    buttons: tuple[tuple[Button, ...], ...] = ()  # rows of buttons
    data: Any = field(default=None, compare=False)  # JSON-ready payload behind the message
    image: Image | None = field(default=None, compare=False)  # a card sent with it (channels that want one)


def error_message(text: str, lang: str = "en", data: Any = None) -> Message:
    """A refusal or problem told in one sentence."""
    return Message(title=text, lang=lang, error=True, data=data if data is not None else {"error": text})
