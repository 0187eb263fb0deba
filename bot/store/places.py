"""Places made for a channel's posts: the Discord thread or Telegram topic of a race weekend
(or a series), with the summary message at its head."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database


@dataclass(frozen=True)
class Place:
    """Where a scope's posts go in one channel, and its summary message (platform ids)."""

    channel_id: int
    scope: str  # "event:<id>" or "series:<id>"
    address: str  # what the platform sends to: a thread's id, "chat:topic", or the chat itself
    summary: str | None = None  # the summary message's ids, to edit it as the weekend goes on


POSTS = 10  # links a summary lists: the weekend's latest posts


class Places:
    """The places made so far: a restart sends to the same thread rather than a new one."""

    def __init__(self, db: Database):
        self.db = db

    def get(self, channel_id: int, scope: str) -> Place | None:
        """The place made for this channel and scope, if any."""
        row = self.db.execute("SELECT address, summary FROM places WHERE channel_id = ? AND scope = ?",
                              [channel_id, scope]).fetchone()
        return Place(channel_id, scope, row[0], row[1]) if row else None

    def save(self, place: Place) -> None:
        """Remember a place (or its new summary message)."""
        self.db.execute("INSERT INTO places (channel_id, scope, address, summary) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (channel_id, scope) DO UPDATE SET address = excluded.address, "
                        "summary = excluded.summary", [place.channel_id, place.scope, place.address, place.summary])

    def add_post(self, channel_id: int, scope: str, title: str, url: str) -> list[tuple[str, str]]:
        """Remember a post sent into the place (its title and link); the latest POSTS kept,
        returned oldest first."""
        row = self.db.execute("SELECT posts FROM places WHERE channel_id = ? AND scope = ?", [channel_id, scope]).fetchone()
        posts = (json.loads(row[0]) if row else []) + [[title, url]]
        posts = posts[-POSTS:]
        self.db.execute("UPDATE places SET posts = ? WHERE channel_id = ? AND scope = ?",
                        [json.dumps(posts, ensure_ascii=False), channel_id, scope])
        return [tuple(p) for p in posts]

    def posts(self, channel_id: int, scope: str) -> list[tuple[str, str]]:
        """The posts sent into the place (title, link), oldest first."""
        row = self.db.execute("SELECT posts FROM places WHERE channel_id = ? AND scope = ?", [channel_id, scope]).fetchone()
        return [tuple(p) for p in json.loads(row[0])] if row else []

    def forget_address(self, channel_id: int, address: str) -> None:
        """The place at this address is gone (a deleted thread): the next post makes a new one."""
        self.db.execute("DELETE FROM places WHERE channel_id = ? AND address = ?", [channel_id, address])

    def forget_channel(self, channel_id: int) -> None:
        """Every place of a channel that moved (a group that became a supergroup)."""
        self.db.execute("DELETE FROM places WHERE channel_id = ?", [channel_id])

    def forget(self, channel_id: int, scope: str) -> None:
        """A place deleted on the platform: the next post makes a new one."""
        self.db.execute("DELETE FROM places WHERE channel_id = ? AND scope = ?", [channel_id, scope])
