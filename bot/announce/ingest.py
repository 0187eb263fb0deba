"""The one ingest step: facts from any source are stored, what they announce is recorded in
the outbox in the same transaction, and the dispatcher is woken. Sources and reports read;
only this writes facts, so priority and merging are decided in one place."""
from __future__ import annotations

import sqlite3

from bot.announce.announcer import Announcer
from bot.domain import EventBundle
from bot.store.outbox import Recorded
from bot.store.writer import FactWriter, ImportOutcome


class IngestConflict(ValueError):
    """The facts conflict with what the store holds; nothing was stored."""


class FactIngest:
    """Stores bundles of facts with the updates and deliveries they make, all or nothing."""

    def __init__(self, facts: FactWriter, announcer: Announcer):
        self.facts = facts
        self.announcer = announcer

    def replace_events(self, bundles: list[EventBundle], what: str) -> list[ImportOutcome]:
        """Whole events (event files): each replaces what its own sources said before."""
        try:
            with self.facts.transaction():
                outcomes = [self.facts.save_event(b) for b in bundles]
                recorded = self.announcer.facts_changed(o.event_id for o in outcomes if o.changed)
        except sqlite3.IntegrityError as err:
            # The transaction was rolled back; say what could not be stored.
            raise IngestConflict(f"{what}: conflicts with what the database already holds ({err})") from None
        self.announcer.notify(recorded)
        return outcomes

    def add(self, bundles: list[EventBundle], also=None) -> list[ImportOutcome]:
        """What more sources say (a report, a feed), beside what other sources said.
        `also` runs in the same transaction (a pending report dropped as it is published,
        the items a source read remembered as they are stored)."""
        outcomes, deliveries = [], 0
        with self.facts.transaction():
            for bundle in bundles:  # in order: a provisional result, then the official one, corrects it
                outcomes.append(self.facts.save_source_facts(bundle))
                deliveries += self.announcer.facts_changed([bundle.event.id]).deliveries
            if also is not None:
                also()
        self.announcer.notify(Recorded(deliveries=deliveries))
        return outcomes
