"""The outbox repository: updates and their deliveries.

An update is stored once under its key. Each channel whose subscriptions match gets one
delivery row (unique per update × channel), written in the same transaction as the update,
so a crash between writing and sending loses nothing, and a repeat of the same fact adds
nothing. A changed result revises the update and turns its sent deliveries into edits: a
correction, not a second post. The dispatcher claims a delivery (`sending`, committed)
before the platform is called and settles it after.
"""
from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlite_utils import Database

from bot.store.schema import transaction
from bot.domain import BULK, CORRECTABLE_KINDS, DELAYED_KINDS, FRESH_FOR, PRIORITY, UpdateDraft


@dataclass(frozen=True)
class Recorded:
    new: tuple[int, ...] = ()  # update ids created
    revised: tuple[int, ...] = ()  # update ids whose content changed (corrections)
    deliveries: int = 0  # delivery rows written (new sends and new edits)


@dataclass(frozen=True)
class Post:
    """An update as the dispatcher reads it back."""

    id: int
    kind: str
    payload: dict
    revision: int
    event_id: str = ""
    series_id: str = ""


@dataclass(frozen=True)
class Due:
    """A delivery due now, with the channel it goes to and what orders its send."""

    id: int
    update_id: int
    channel_id: int
    action: str
    attempts: int
    message_id: str | None
    platform: str
    address: str
    priority: int = 1  # LIVE (0) before BULK (1)
    rank: int = 0  # its place in its update's fan-out: fan-outs of one priority take turns
    kind: str = ""
    born: str = ""  # when its update was made, or last corrected (ISO, UTC)
    start_epoch: float | None = None  # a reminder's session start: worthless after it

    @property
    def order(self) -> tuple:
        """What the dispatcher sends first: live before bulk, then fan-outs in turns."""
        return (self.priority, self.rank, self.update_id, self.id)


PACK_OVER = 1024  # bytes of JSON past which a payload is kept compressed


def _pack(kind: str, payload: dict) -> str | bytes:
    """A post's payload as kept: JSON text, or compressed JSON when it is long (a finish
    of 50 cars is 18 KB of JSON and 1.3 KB compressed: most of a store's size otherwise).
    A reminder's stays text: SQL reads its start from it."""
    text = json.dumps(payload, ensure_ascii=False, default=str)
    if kind == "reminder" or len(text) <= PACK_OVER:
        return text
    return zlib.compress(text.encode(), 6)


def _unpack(kept: str | bytes) -> dict:
    return json.loads(zlib.decompress(kept) if isinstance(kept, bytes) else kept)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat()


# A channel's next deliveries: due, its channel live on the platform, and no earlier one of
# the channel in flight, due, or waiting on a retry (order is strict: a post retried later
# holds back the channel's later posts). An earlier one held back on purpose (a spoiler
# delay on results) lets the rest go: a safety car gives nothing away. So does a correction
# waiting to be retried (Discord lets a published post be edited only a few times an hour):
# an edit changes a post already in the channel, so later posts passing it keep the order.
_HEADS = """
SELECT d.id, d.update_id, d.channel_id, d.action, d.attempts, d.message_id, c.platform, c.address, u.priority,
       d.id - coalesce(u.first_delivery, d.id) AS rank, u.kind, coalesce(u.revised_at, u.created_at),
       CASE WHEN u.kind = 'reminder' THEN json_extract(u.payload, '$.start_epoch') END
FROM deliveries d INDEXED BY {index}
JOIN channels c ON c.id = d.channel_id JOIN updates u ON u.id = d.update_id
WHERE d.status = 'pending' AND d.not_before <= :now AND c.paused_reason IS NULL AND {which}
  AND NOT EXISTS (SELECT 1 FROM deliveries o INDEXED BY idx_deliveries_channel_id_status
                  WHERE o.channel_id = d.channel_id AND o.status IN ('pending', 'sending') AND o.id < d.id
                    AND (o.status = 'sending' OR (o.action != 'edit' AND (o.attempts > 0 OR o.not_before <= :now))))
"""
# Results wait out the channel's spoiler delay; a reminder goes out the channel's chosen
# number of minutes before the session (at once if that moment has passed).
_FAN_OUT = """
INSERT OR IGNORE INTO deliveries (update_id, channel_id, status, action, not_before, created_at)
SELECT DISTINCT :update_id, c.id, 'pending', 'send',
  CASE WHEN :kind = 'reminder' THEN max(:now, :start - c.reminders_min * 60.0)
       WHEN :spoiler THEN :now + c.spoiler_delay_min * 60.0 ELSE :now END, :created
FROM subscriptions s JOIN channels c ON c.id = s.channel_id
WHERE s.paused = 0 AND c.paused_reason IS NULL
  AND (s.kinds = '[]' OR :kind = 'weekend' OR EXISTS (SELECT 1 FROM json_each(s.kinds) WHERE value = :kind))
  AND (:kind != 'reminder' OR c.reminders_min > 0) AND (:kind != 'digest' OR c.digest = 1)
  AND (:kind != 'hourly' OR c.hourly = 1) AND (:kind != 'weekend' OR c.threads != 'off')
  AND ((s.target_kind = 'all')
    OR (s.target_kind = 'series' AND s.target_id = :series)
    OR (s.target_kind = 'event' AND s.target_id = :event))
"""


class Outbox:
    """Updates and deliveries: what to post, to whom, and how each send went."""

    def __init__(self, db: Database):
        self.db = db

    # --- writing updates ---------------------------------------------------------------

    def record(self, drafts: list[UpdateDraft], now: float) -> Recorded:
        """Store new updates with their deliveries, and revise changed ones, atomically."""
        new, revised, deliveries = [], [], 0
        with transaction(self.db):
            for draft in drafts:
                row = self.db.execute("SELECT id, digest, revision, kind FROM updates WHERE key = ?",
                                      [draft.key]).fetchone()
                if row is None:
                    update_id = self.db["updates"].insert({
                        "key": draft.key, "kind": draft.kind, "event_id": draft.event_id,
                        "session_id": draft.session_id, "series_id": draft.series_id, "payload": "",
                        "digest": draft.digest, "revision": 1, "created_at": _iso(now),
                        "priority": PRIORITY.get(draft.kind, BULK),
                    }).last_pk
                    new.append(update_id)
                    sent_to = self._fan_out(update_id, draft, now)
                    deliveries += sent_to
                    if sent_to:
                        self._keep_payload(update_id, draft)
                elif row[1] != draft.digest and row[3] in CORRECTABLE_KINDS:
                    update_id, revision = row[0], row[2] + 1
                    self.db.execute("UPDATE updates SET digest = ?, revision = ?, revised_at = ? WHERE id = ?",
                                    [draft.digest, revision, _iso(now), update_id])
                    revised.append(update_id)
                    # What was posted gets edited; what is still waiting will simply show the new text.
                    deliveries += self.db.execute(
                        "UPDATE deliveries SET action = 'edit', status = 'pending', not_before = ?, attempts = 0, "
                        "last_error = NULL WHERE update_id = ? AND status = 'sent' AND message_id IS NOT NULL",
                        [now, update_id]).rowcount
                    if self.db.execute("SELECT 1 FROM deliveries WHERE update_id = ? LIMIT 1", [update_id]).fetchone():
                        self._keep_payload(update_id, draft)
        return Recorded(tuple(new), tuple(revised), deliveries)

    def record_for(self, draft: UpdateDraft, channel_id: int, now: float) -> int:
        """Store an update meant for one channel only (an admin's `/test` post) with its one
        delivery, due now; returns the update's id."""
        with transaction(self.db):
            update_id = self.db["updates"].insert({
                "key": draft.key, "kind": draft.kind, "event_id": draft.event_id, "session_id": draft.session_id,
                "series_id": draft.series_id, "payload": _pack(draft.kind, draft.payload), "digest": draft.digest,
                "revision": 1, "created_at": _iso(now), "priority": PRIORITY.get(draft.kind, BULK),
            }).last_pk
            self.db.execute("INSERT INTO deliveries (update_id, channel_id, status, action, not_before, created_at) "
                            "VALUES (?, ?, 'pending', 'send', ?, ?)", [update_id, channel_id, now, _iso(now)])
            self.db.execute("UPDATE updates SET first_delivery = (SELECT min(id) FROM deliveries WHERE update_id = ?) "
                            "WHERE id = ?", [update_id, update_id])
        return update_id

    def _keep_payload(self, update_id: int, draft: UpdateDraft) -> None:
        """Keep what the post says, for the channels it goes to. An update nobody follows
        keeps only its key and fingerprint (enough to never post it, or its correction, as
        new): a history of finishes nobody was told of is most of a store's size otherwise."""
        self.db.execute("UPDATE updates SET payload = ? WHERE id = ?", [_pack(draft.kind, draft.payload), update_id])

    def _fan_out(self, update_id: int, draft: UpdateDraft, now: float) -> int:
        """One pending delivery per channel following this update's event, series or everything;
        the first one's id is kept, so each delivery knows its rank in the fan-out."""
        made = self.db.execute(_FAN_OUT, {
            "update_id": update_id, "now": now, "created": _iso(now), "kind": draft.kind,
            "spoiler": draft.kind in DELAYED_KINDS, "start": draft.payload.get("start_epoch", now),
            "series": draft.series_id, "event": draft.event_id,
        }).rowcount
        if made:
            self.db.execute("UPDATE updates SET first_delivery = (SELECT min(id) FROM deliveries WHERE update_id = ?) "
                            "WHERE id = ?", [update_id, update_id])
        return made

    def posted_since(self, since_iso: str) -> list[tuple[str, str, dict]]:
        """(event id, kind, payload) of the updates made since then, but reminders and
        digests, oldest first: what a digest sums up."""
        rows = self.db.execute("SELECT event_id, kind, payload FROM updates WHERE created_at >= ? "
                               "AND kind NOT IN ('reminder', 'digest', 'weekend') AND payload != '' ORDER BY id", [since_iso])
        return [(event_id, kind, _unpack(payload)) for event_id, kind, payload in rows]

    # --- sending -------------------------------------------------------------------------

    def recover(self) -> int:
        """After a crash: deliveries left `sending` may or may not have gone out; send them
        again (at most one duplicate each) rather than lose them. Only the holder of the
        database's lease may call this (another sender's `sending` rows are in flight)."""
        return self.db.execute("UPDATE deliveries SET status = 'pending' WHERE status = 'sending'").rowcount

    def pending(self) -> int:
        """How many deliveries still wait to be sent (including delayed ones)."""
        return self.db.execute("SELECT count(*) FROM deliveries WHERE status IN ('pending', 'sending')").fetchone()[0]

    def due_heads(self, platform: str, now: float, limit: int) -> list[Due]:
        """The deliveries due now on `platform` that are their channel's next (a channel's
        posts go out strictly in order: one waiting on a retry holds back the later ones),
        live before bulk, fan-outs of one priority taking turns; at most `limit`."""
        sql = _HEADS.format(index="idx_deliveries_due", which="c.platform = :platform")
        return [Due(*r) for r in self.db.execute(sql + " ORDER BY u.priority, rank, d.update_id, d.id LIMIT :limit",
                                                 {"platform": platform, "now": now, "limit": limit})]

    def next_head(self, channel_id: int, now: float) -> Due | None:
        """The channel's next delivery, if it is due now."""
        sql = _HEADS.format(index="idx_deliveries_channel_id_status", which="d.channel_id = :channel")
        row = self.db.execute(sql + " ORDER BY d.id LIMIT 1", {"channel": channel_id, "now": now}).fetchone()
        return Due(*row) if row else None

    def expire_stale(self, now: float) -> int:
        """Mark expired the deliveries no longer worth sending (see FRESH_FOR), with the reason."""
        expired = 0
        for kind, seconds in FRESH_FOR.items():
            expired += self.db.execute(
                "UPDATE deliveries SET status = 'expired', last_error = ? WHERE status = 'pending' AND update_id IN "
                "(SELECT id FROM updates WHERE kind = ? AND coalesce(revised_at, created_at) < ?)",
                [f"expired: not sent within {seconds // 3600} h of the {kind.replace('_', ' ')} update "
                 "(a post that late would mislead)", kind, _iso(now - seconds)]).rowcount
        expired += self.db.execute(
            "UPDATE deliveries SET status = 'expired', last_error = 'expired: the session had started' "
            "WHERE status = 'pending' AND update_id IN (SELECT id FROM updates WHERE "
            "CASE WHEN kind = 'reminder' THEN json_extract(payload, '$.start_epoch') < ? END)", [now]).rowcount
        return expired

    def counts(self) -> dict[str, int]:
        """How many deliveries are in each state (pending, sending, sent, failed, expired)."""
        return dict(self.db.execute("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall())

    def last_sent(self) -> str | None:
        """When the last post went out (ISO, UTC), if ever."""
        return self.db.execute("SELECT max(sent_at) FROM deliveries WHERE sent_at IS NOT NULL").fetchone()[0]

    def oldest_due(self, now: float) -> float | None:
        """How long the oldest delivery due now has been waiting, in seconds (None: none)."""
        oldest = self.db.execute("SELECT min(not_before) FROM deliveries WHERE status = 'pending' "
                                 "AND not_before <= ?", [now]).fetchone()[0]
        return None if oldest is None else now - oldest

    def claim(self, delivery_id: int) -> bool:
        """Mark a delivery `sending`; False if it is no longer pending (claimed elsewhere)."""
        return self.db.execute("UPDATE deliveries SET status = 'sending', attempts = attempts + 1 "
                               "WHERE id = ? AND status = 'pending'", [delivery_id]).rowcount == 1

    def revision(self, update_id: int) -> int:
        """The update's current revision (it grows with each correction)."""
        return self.db.execute("SELECT revision FROM updates WHERE id = ?", [update_id]).fetchone()[0]

    def batch(self):
        """Several state changes in one commit (a burst of claims): one write to the log
        instead of one each. Inside a transaction already open, a savepoint."""
        return transaction(self.db)

    def post(self, update_id: int) -> Post:
        """The update a delivery posts, as it stands now."""
        row = self.db.execute("SELECT id, kind, payload, revision, event_id, series_id FROM updates WHERE id = ?",
                              [update_id]).fetchone()
        return Post(row[0], row[1], _unpack(row[2]), row[3], row[4] or "", row[5] or "")

    def sent(self, delivery: Due, message_id: str, revision: int, now_iso: str) -> None:
        """The platform took it. If the result was corrected while this post was on its way,
        the post is out of date: the delivery stays, as an edit of what was just posted."""
        self.db.execute(
            "UPDATE deliveries SET message_id = :mid, revision = :rev, sent_at = :at, last_error = NULL, "
            "status = CASE WHEN (SELECT revision FROM updates WHERE id = :update) > :rev THEN 'pending' ELSE 'sent' END, "
            "action = CASE WHEN (SELECT revision FROM updates WHERE id = :update) > :rev THEN 'edit' ELSE 'send' END "
            "WHERE id = :id",
            {"mid": message_id, "rev": revision, "at": now_iso, "update": delivery.update_id, "id": delivery.id})

    def settle(self, delivery_id: int, status: str, not_before: float, reason: str) -> None:
        """Set a delivery's state after a failed send: retry later, or give up with the reason."""
        self.db.execute("UPDATE deliveries SET status = ?, not_before = ?, last_error = ? WHERE id = ?",
                        [status, not_before, reason, delivery_id])

    def repost(self, delivery_id: int) -> None:
        """The post to correct is gone: post the correction anew instead of editing."""
        self.db.execute("UPDATE deliveries SET action = 'repost', message_id = NULL WHERE id = ?", [delivery_id])
