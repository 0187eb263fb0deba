"""The report desk: a report sent from a chat is read safely and shown as facts; only an
operator can publish them, since every channel following the event would see them.

An operator's report waits under a random token, bound to the chat and the person who
sent it, for a day at most; confirming publishes exactly the facts that were listed, in
full (a list too long to show, or a quote too long to read in it, is not published whole:
the rest is left out, and the listing says so). Anyone else gets a preview. Links are
fetched by the safe fetcher (public addresses only, one deadline, a byte cap) and reports
are read in worker processes with their own deadline, so nothing a chat user sends can
stall the bot; each person has a couple of reports in reading at most, everyone together
a few more.
"""
from __future__ import annotations

import json
import re
import secrets
from collections import Counter
from dataclasses import asdict, replace
from datetime import datetime, timedelta, timezone

from bot.announce.ingest import FactIngest
from bot.messages import Button, Fields, Message, Text, error_message
from bot.redaction import redact_url
from bot.reports.extract import Extraction, Fact
from bot.reports.ingest import Report, ReportError, find_event, to_bundle
from bot.store.pending import PendingReport, PendingReports
from bot.store.queries import Queries
from bot.workers import WorkerFailed, Workers, WorkerTimeout

PENDING_HOURS = 24  # a report not confirmed within a day is stale news
PER_USER = 2  # reports one person may have in reading at once
IN_READING = 8  # reports everyone together may have in reading: the rest of the bot keeps its share
LISTED = 25  # facts a listing shows, and so the most one confirmation publishes
QUOTE_SHOWN = 400  # characters of a quote a listing shows; a longer quote is left out
_LINK = re.compile(r"^[a-zA-Z][\w+.-]*://\S+$")


def summary(fact) -> str:
    """A fact in a few words, for the listing (a quote in full: what is listed is published)."""
    d = fact.data
    if fact.kind == "quote":
        return f"{d['speaker']}: “{d['text']}”"
    if "driver" in d and "position" in d:
        cls = f" ({d['class']})" if d.get("class") else ""
        return f"P{d['position']}{cls} {d['driver']}" + (f" {d['lap_time_ms'] / 1000:.3f}s" if d.get("lap_time_ms") else "")
    return ", ".join(f"{k}: {v}" for k, v in d.items())


def _listable(fact) -> bool:
    return fact.kind != "quote" or len(fact.data["text"]) <= QUOTE_SHOWN


async def analyse_off_loop(workers: Workers, report: Report, queries: Queries) -> Extraction:
    """The facts of a report, read in a worker, then again with the event's known drivers
    once the event is found."""
    from bot.reports.jobs import extract_facts

    first = await workers.run(extract_facts, report.text, None)
    event_id = find_event(queries, first)
    if event_id is None:
        return first
    return await workers.run(extract_facts, report.text, queries.drivers(event_id))


class ReportDesk:
    """What the /ingest and /confirm commands do, for any platform."""

    def __init__(self, queries: Queries, pending: PendingReports, ingest: FactIngest, workers: Workers,
                 auto_confidence: float | None = None, fetch=None, chat_allow=None):
        self.queries, self.pending, self.ingest, self.workers = queries, pending, ingest, workers
        # Facts from an operator's report at or above this confidence publish at once.
        self.auto_confidence = auto_confidence
        # The fetcher (httpx) loads on first use: most `pitboard` commands never read a report.
        self.fetch = fetch
        # Which addresses a chat user's link may reach: None is public ones only (tests
        # serving a page on loopback widen it).
        self.chat_allow = chat_allow
        self._reading: Counter[str] = Counter()

    def _fetcher(self):
        """The fetcher for links users give (public addresses only, by default)."""
        if self.fetch is None:
            from bot.reports.fetch import fetch_untrusted

            self.fetch = fetch_untrusted
        return self.fetch

    async def propose(self, ctx, source: str) -> Message:
        """Read a report (a link, or its text pasted after the command) and show its facts."""
        return await self._guarded(ctx, lambda: self._read(ctx, source))

    async def propose_file(self, ctx, raw: bytes, name: str) -> Message:
        """The same for a file sent in the chat (text or HTML)."""
        from bot.reports.jobs import read_report_bytes

        return await self._guarded(ctx, lambda: self.workers.run(read_report_bytes, raw, name, None))

    async def _guarded(self, ctx, read) -> Message:
        from bot.reports.fetch import FetchRefused

        lang = ctx.lang
        who = ctx.user or "terminal"
        if self._reading[who] >= PER_USER:
            return error_message(lang.t("ingest.busy", count=PER_USER), lang.code)
        if sum(self._reading.values()) >= IN_READING:
            return error_message(lang.t("ingest.crowded"), lang.code)
        self._reading[who] += 1
        try:
            report = await read()
            extraction = await analyse_off_loop(self.workers, report, self.queries)
        except (ReportError, FetchRefused) as err:
            return error_message(str(err), lang.code)
        except WorkerTimeout:
            return error_message(lang.t("ingest.too_slow", seconds=f"{self.workers.deadline:g}"), lang.code)
        except WorkerFailed:
            return error_message(lang.t("err.internal"), lang.code)
        finally:
            self._reading[who] -= 1
            if not self._reading[who]:
                del self._reading[who]
        return self.propose_report(ctx, report, extraction)

    async def _read(self, ctx, source: str) -> Report:
        from bot.reports.jobs import read_report_bytes

        text = source.strip()
        if not _LINK.match(text):
            if len(text.split()) < 20:
                raise ReportError("Send a link to the report, or paste its text after the command.")
            return Report(text, "a chat message")
        # The terminal is an operator: its links may point anywhere (a mirror on the local
        # network). A chat user's may only reach public addresses.
        allow = (lambda ip: True) if ctx.user is None else self.chat_allow
        fetched = await self._fetcher()(text, allow=allow)
        shown = redact_url(fetched.url)  # a link's credentials are never stored or shown
        return await self.workers.run(read_report_bytes, fetched.body, shown, shown)

    def propose_report(self, ctx, report: Report, extraction: Extraction) -> Message:
        """Show a report's facts: a preview for anyone, and for an operator a token to
        publish them (facts sure enough, by the configured threshold, publish at once)."""
        lang = ctx.lang
        facts = [f for f in extraction.facts if f.kind != "event"]
        if not facts:
            return error_message(lang.t("ingest.nothing"), lang.code)
        if not ctx.is_operator:
            return Message(title=lang.t("ingest.preview", count=len(facts)),
                           blocks=(_listing(facts[:LISTED]), Text(lang.t("ingest.preview_hint"))), lang=lang.code,
                           data={"preview": True, "facts": len(facts)})
        try:  # a report that cannot be attached to an event says so now, not at /confirm
            to_bundle(report, extraction, self.queries)
        except ReportError as err:
            return error_message(str(err), lang.code)
        threshold = self.auto_confidence
        sure = [f for f in facts if threshold is not None and f.confidence >= threshold]
        try:
            published = self._publish(ctx, report, replace(extraction, facts=sure + extraction.of("event")),
                                      part="auto") if sure else 0
        except ReportError as err:
            return error_message(str(err), lang.code)
        rest = [f for f in facts if f not in sure]
        listed = [f for f in rest if _listable(f)][:LISTED]
        if not listed:
            return Message(title=lang.t("ingest.published", count=published), lang=lang.code,
                           data={"published": published})
        token = self._keep(ctx, report, extraction, listed)
        blocks = [_listing(listed)]
        if published:
            blocks.insert(0, Text(lang.t("ingest.published", count=published)))
        if len(listed) < len(rest):  # what is not listed is not published: nobody saw it
            blocks.append(Text(lang.t("ingest.left_out", count=len(rest) - len(listed))))
        blocks.append(Text(lang.t("ingest.confirm_hint", token=token, hours=PENDING_HOURS)))
        return Message(title=lang.t("ingest.review", count=len(listed)), blocks=tuple(blocks), lang=lang.code,
                       buttons=((Button(lang.t("ingest.publish"), f"/confirm {token}", primary=True),),),
                       data={"confirm": token, "facts": len(listed)})

    def _keep(self, ctx, report: Report, extraction: Extraction, listed: list[Fact]) -> str:
        """Keep the listed facts for the operator's confirmation; the random token."""
        token = secrets.token_hex(8)
        now = datetime.now(timezone.utc)
        self.pending.save(PendingReport(
            token, report.where, report.url, report.text, ctx.channel.id if ctx.channel else None, ctx.user,
            (now + timedelta(hours=PENDING_HOURS)).isoformat(),
            json.dumps([asdict(f) for f in listed + extraction.of("event")], ensure_ascii=False),
            extraction.language), now.isoformat())
        return token

    def confirm(self, ctx, token: str) -> Message:
        """Publish a report shown earlier, where it was shown and by whoever sent it: the
        facts that were listed land and the usual posts follow."""
        lang = ctx.lang
        token = token.strip()
        pending = self.pending.find(token)
        if pending is None:
            return error_message(lang.t("ingest.no_token", token=token[:40]), lang.code)
        if not pending.expires_at or pending.expires_at < datetime.now(timezone.utc).isoformat():
            self.pending.drop(token)
            return error_message(lang.t("ingest.expired", hours=PENDING_HOURS), lang.code)
        here = ctx.channel.id if ctx.channel else None
        if ctx.user is not None and (pending.user != ctx.user or pending.channel_id != here):
            return error_message(lang.t("ingest.elsewhere"), lang.code)  # the terminal may confirm any
        facts = [Fact(f["kind"], f["data"], f["confidence"], tuple(f["span"])) for f in json.loads(pending.facts or "[]")]
        extraction = Extraction(pending.text, pending.language or "en", facts)
        try:
            count = self._publish(ctx, Report(pending.text, pending.source, pending.url), extraction,
                                  part="confirmed", also=lambda: self.pending.drop(token))
        except ReportError as err:
            return error_message(str(err), lang.code)
        return Message(title=lang.t("ingest.published", count=count), lang=lang.code, data={"published": count})

    def _publish(self, ctx, report: Report, extraction: Extraction, part: str, also=None) -> int:
        """Store the facts as this report's `part` (what published at once, what was
        confirmed: neither replaces the other), with who published them."""
        bundle = to_bundle(report, extraction, self.queries, published_by=ctx.user or "terminal", part=part)
        [outcome] = self.ingest.add([bundle], also=also)  # published and no longer pending, together
        return outcome.results + outcome.incidents + outcome.quotes

    def close(self) -> None:
        """Stop the report jobs still running."""
        self.workers.close()


def _listing(facts: list) -> Fields:
    return Fields(tuple((f"{f.kind} · {f.confidence:.2f}", summary(f)) for f in facts))
