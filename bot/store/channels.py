"""The channels repository: channels (a platform plus its chat id), their settings and
what they follow."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import fields
from datetime import datetime, timezone

from sqlite_utils import Database

from bot.channel import SETTING_FIELDS, Channel, Subscription
from bot.store.schema import transaction


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


class Channels:
    """Read and change channels and subscriptions."""

    def __init__(self, db: Database):
        self.db = db

    def transaction(self):
        """A transaction (a savepoint inside one already open): all of it lands, or none."""
        return transaction(self.db)

    def ensure(self, platform: str, address: str, name: str | None = None) -> Channel:
        """The channel for this platform and id, created with default settings if new."""
        self.db.execute(
            "INSERT OR IGNORE INTO channels (platform, address, name, lang, created_at) VALUES (?, ?, ?, 'en', ?)",
            [platform, address, name, _now()],
        )
        return self.find(platform, address)

    def find(self, platform: str, address: str) -> Channel | None:
        """The channel, or None when it was never seen."""
        rows = list(self.db.query("SELECT * FROM channels WHERE platform = ? AND address = ?", [platform, address]))
        return _channel(rows[0]) if rows else None

    def get(self, channel_id: int) -> Channel:
        """The channel with this id."""
        rows = list(self.db.query("SELECT * FROM channels WHERE id = ?", [channel_id]))
        if not rows:
            raise KeyError(f"no channel {channel_id}")
        return _channel(rows[0])

    def configure(self, channel_id: int, **settings) -> Channel:
        """Change some of a channel's settings."""
        unknown = set(settings) - set(SETTING_FIELDS)
        if unknown:
            raise ValueError(f"unknown channel settings: {', '.join(sorted(unknown))}")
        if settings:
            self.db["channels"].update(channel_id, settings)
        return self.get(channel_id)

    def subscribe(self, channel_id: int, target_kind: str, target_id: str, kinds: tuple[str, ...] = ()) -> Subscription:
        """Follow a series, an event or everything; following again replaces the kinds and resumes it."""
        with transaction(self.db):
            self.db.execute(
                "INSERT INTO subscriptions (channel_id, target_kind, target_id, kinds, paused, created_at) "
                "VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT (channel_id, target_kind, target_id) "
                "DO UPDATE SET kinds = excluded.kinds, paused = 0",
                [channel_id, target_kind, target_id, json.dumps(sorted(kinds)), _now()],
            )
            # Subscribing again is how an admin brings back a channel the platform had lost.
            self.db.execute("UPDATE channels SET paused_reason = NULL WHERE id = ?", [channel_id])
        return next(s for s in self.subscriptions(channel_id) if (s.target_kind, s.target_id) == (target_kind, target_id))

    def unsubscribe(self, channel_id: int, target_kind: str, target_id: str) -> bool:
        """Stop following; True when there was something to stop."""
        cursor = self.db.execute(
            "DELETE FROM subscriptions WHERE channel_id = ? AND target_kind = ? AND target_id = ?",
            [channel_id, target_kind, target_id],
        )
        return cursor.rowcount > 0

    def subscriptions(self, channel_id: int) -> list[Subscription]:
        """What the channel follows."""
        rows = self.db.query("SELECT * FROM subscriptions WHERE channel_id = ? ORDER BY id", [channel_id])
        return [
            Subscription(r["id"], r["channel_id"], r["target_kind"], r["target_id"], tuple(json.loads(r["kinds"])), bool(r["paused"]))
            for r in rows
        ]

    def pause(self, channel_id: int, reason: str) -> None:
        """The platform says the channel is gone: stop sending there and pause what it follows."""
        with transaction(self.db):
            self.db.execute("UPDATE channels SET paused_reason = ? WHERE id = ?", [reason, channel_id])
            self.db.execute("UPDATE subscriptions SET paused = 1 WHERE channel_id = ?", [channel_id])

    def forget_unused(self, channel_id: int) -> bool:
        """Remove a channel that follows nothing and was never sent anything (one made for a
        command that was then refused); True if it was removed."""
        return self.db.execute(
            "DELETE FROM channels WHERE id = ? AND NOT EXISTS (SELECT 1 FROM subscriptions WHERE channel_id = ?) "
            "AND NOT EXISTS (SELECT 1 FROM deliveries WHERE channel_id = ?) "
            "AND NOT EXISTS (SELECT 1 FROM pending_reports WHERE channel_id = ?)",
            [channel_id, channel_id, channel_id, channel_id]).rowcount > 0

    def move(self, channel_id: int, new_address: str) -> None:
        """The platform moved the chat (a Telegram group became a supergroup): follow it.
        If the new chat is already a channel here, the old one is paused instead, so its
        posts are not doubled there."""
        try:
            self.db.execute("UPDATE channels SET address = ? WHERE id = ?", [new_address, channel_id])
        except sqlite3.IntegrityError:
            self.pause(channel_id, f"moved to {new_address}, which already has its own settings here")


def _channel(row: dict) -> Channel:
    names = {f.name for f in fields(Channel)}
    data = {k: v for k, v in row.items() if k in names}
    data["spoiler_mode"] = bool(data.get("spoiler_mode"))
    data["digest"] = bool(data.get("digest"))
    data["hourly"] = bool(data.get("hourly"))
    data["images"] = bool(data.get("images"))
    data["server_events"] = bool(data.get("server_events"))
    data["spoiler_delay_min"] = data.get("spoiler_delay_min") or 0
    data["reminders_min"] = data.get("reminders_min") or 0
    return Channel(**data)
