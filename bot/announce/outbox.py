"""The outbox: updates and their deliveries, written in one transaction.

An update is stored once under its key. Each channel whose subscriptions match gets one
delivery row (unique per update × channel), so a crash between writing and sending loses
nothing, and a repeat of the same fact adds nothing. A changed result revises the update
and turns its sent deliveries into edits: a correction, not a second post.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlite_utils import Database

from bot.updates import CORRECTABLE_KINDS, DELAYED_KINDS, UpdateDraft


@dataclass(frozen=True)
class Recorded:
    new: tuple[int, ...] = ()  # update ids created
    revised: tuple[int, ...] = ()  # update ids whose content changed (corrections)
    deliveries: int = 0  # delivery rows written (new sends and new edits)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat()


def record_updates(db: Database, drafts: list[UpdateDraft], now: float) -> Recorded:
    """Store new updates with their deliveries, and revise changed ones, atomically."""
    new, revised, deliveries = [], [], 0
    with db.atomic():
        for draft in drafts:
            row = db.execute("SELECT id, digest, revision, kind FROM updates WHERE key = ?", [draft.key]).fetchone()
            if row is None:
                update_id = db["updates"].insert(
                    {
                        "key": draft.key,
                        "kind": draft.kind,
                        "event_id": draft.event_id,
                        "session_id": draft.session_id,
                        "series_id": draft.series_id,
                        "payload": json.dumps(draft.payload, ensure_ascii=False, default=str),
                        "digest": draft.digest,
                        "revision": 1,
                        "created_at": _iso(now),
                    }
                ).last_pk
                new.append(update_id)
                deliveries += fan_out(db, update_id, draft, now)
            elif row[1] != draft.digest and row[3] in CORRECTABLE_KINDS:
                update_id, revision = row[0], row[2] + 1
                db.execute(
                    "UPDATE updates SET payload = ?, digest = ?, revision = ?, revised_at = ? WHERE id = ?",
                    [json.dumps(draft.payload, ensure_ascii=False, default=str), draft.digest, revision, _iso(now), update_id],
                )
                revised.append(update_id)
                # What was posted gets edited; what is still waiting will simply show the new text.
                deliveries += db.execute(
                    "UPDATE deliveries SET action = 'edit', status = 'pending', not_before = ?, attempts = 0, "
                    "last_error = NULL WHERE update_id = ? AND status = 'sent' AND message_id IS NOT NULL",
                    [now, update_id],
                ).rowcount
    return Recorded(tuple(new), tuple(revised), deliveries)


def fan_out(db: Database, update_id: int, draft: UpdateDraft, now: float) -> int:
    """One pending delivery per channel following this update's event, series or everything."""
    kinds_match = "(s.kinds = '[]' OR EXISTS (SELECT 1 FROM json_each(s.kinds) WHERE value = :kind))"
    # Results wait out the channel's spoiler delay; a reminder goes out the channel's
    # chosen number of minutes before the session (at once if that moment has passed).
    delay = (
        "CASE WHEN :kind = 'reminder' THEN max(:now, :start - c.reminders_min * 60.0) "
        "WHEN :spoiler THEN :now + c.spoiler_delay_min * 60.0 ELSE :now END"
    )
    cursor = db.execute(
        f"""
        INSERT OR IGNORE INTO deliveries (update_id, channel_id, status, action, not_before, created_at)
        SELECT DISTINCT :update_id, c.id, 'pending', 'send', {delay}, :created
        FROM subscriptions s JOIN channels c ON c.id = s.channel_id
        WHERE s.paused = 0 AND c.paused_reason IS NULL AND {kinds_match}
          AND (:kind != 'reminder' OR c.reminders_min > 0) AND (:kind != 'digest' OR c.digest = 1)
          AND ((s.target_kind = 'all')
            OR (s.target_kind = 'series' AND s.target_id = :series)
            OR (s.target_kind = 'event' AND s.target_id = :event))
        """,
        {
            "update_id": update_id,
            "now": now,
            "created": _iso(now),
            "kind": draft.kind,
            "spoiler": draft.kind in DELAYED_KINDS,
            "start": draft.payload.get("start_epoch", now),
            "series": draft.series_id,
            "event": draft.event_id,
        },
    )
    return cursor.rowcount
