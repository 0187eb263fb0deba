"""What each channel's server should list as scheduled events: the sessions of the events
the channel follows, upcoming and with a start time, plus the cancelled ones that were to
come (so the server hears of the cancellation). The platform (Discord) does the listing;
this only says what the list should be.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain import Event, Session
from bot.ports import CalendarEntry, ChannelCalendar
from bot.store.channels import Channels
from bot.store.queries import Queries
from bot.store.server_events import ServerEvents

# How long a session lasts when its source gives no end: Discord wants an end for an event
# held elsewhere (external), and a wrong guess is only a calendar block a little off.
DEFAULT_LENGTH = {"practice": timedelta(hours=1), "qualifying": timedelta(hours=1), "race": timedelta(hours=2)}
CANDIDATES = 1000  # upcoming sessions looked at, soonest first (the platform keeps fewer per server)


class Calendars:
    """Builds the plans the platforms' `sync_calendar` bring their servers in line with."""

    def __init__(self, queries: Queries, channels: Channels, server_events: ServerEvents):
        self.queries = queries
        self.channels = channels
        self.server_events = server_events

    def plans(self, platform: str, now: datetime) -> list[ChannelCalendar]:
        """One plan per channel of `platform` with `server_events` on: its followed sessions
        still to come, soonest first. An empty list when none opted in (the platform then
        takes down what it listed before)."""
        opted = self.server_events.opted_in(platform)
        if not opted:
            return []
        events = dict.fromkeys([event.id for _, event in self.queries.upcoming_sessions(now, limit=CANDIDATES)]
                               + self.server_events.event_ids())
        listed: list[tuple[Event, list[CalendarEntry]]] = []
        for event_id in events:
            event = self.queries.event(event_id)
            if event is not None:
                entries = [entry(event, s) for s in self.queries.sessions(event_id) if _listable(s, now)]
                listed.append((event, entries))
        plans = []
        for channel_id, address in opted:
            follows = [s for s in self.channels.subscriptions(channel_id) if not s.paused]
            chosen = [e for event, entries in listed if any(_covers(s, event) for s in follows) for e in entries]
            plans.append(ChannelCalendar(address, tuple(sorted(chosen, key=lambda e: (e.start, e.session_id)))))
        return plans


def entry(event: Event, session: Session) -> CalendarEntry:
    """The calendar's view of a session that has a start time."""
    end = session.end if session.end and session.end > session.start else \
        session.start + DEFAULT_LENGTH.get(session.kind, timedelta(hours=1))
    label = session.name or session.kind.capitalize()
    return CalendarEntry(session.id, event.id, f"{event.name} {event.date.year} — {label}",
                         event.venue or event.name, session.start, end, session.status == "cancelled")


def _listable(session: Session, now: datetime) -> bool:
    """A session a calendar shows: its start is known and still ahead, and it is to be run
    (or was, until it was cancelled)."""
    return session.start is not None and session.start > now and session.status in ("scheduled", "cancelled")


def _covers(subscription, event: Event) -> bool:
    """Whether following `subscription` follows this event."""
    return (subscription.target_kind == "all"
            or (subscription.target_kind == "series" and subscription.target_id == event.series_id)
            or (subscription.target_kind == "event" and subscription.target_id == event.id))
