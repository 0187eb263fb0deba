"""The report desk: a report sent from a chat is shown as facts, and published only when an
admin confirms (facts at or above the configured confidence may publish at once).

Pending reports are kept in the database, so a confirmation still works after a restart.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import datetime, timezone

from bot.messages import Fields, Message, Text, error_message
from bot.reports.extract import Extraction
from bot.reports.ingest import Report, ReportError, analyse, read_report, report_from_bytes, to_bundle


def summary(fact) -> str:
    """A fact in a few words, for the confirmation list."""
    d = fact.data
    if fact.kind == "quote":
        return f"{d['speaker']}: “{d['text'][:80]}{'…' if len(d['text']) > 80 else ''}”"
    if "driver" in d and "position" in d:
        cls = f" ({d['class']})" if d.get("class") else ""
        return f"P{d['position']}{cls} {d['driver']}" + (f" {d['lap_time_ms'] / 1000:.3f}s" if d.get("lap_time_ms") else "")
    return ", ".join(f"{k}: {v}" for k, v in d.items())


class ReportDesk:
    """What the /ingest and /confirm commands do, for any platform."""

    def __init__(self, app):
        self.app = app

    def propose(self, ctx, source: str) -> Message:
        """Read a report (a link, or its text pasted after the command), publish what is
        sure enough, and show the rest with a token to confirm it."""
        try:
            report = read_report(source) if re.match(r"https?://\S+$", source.strip()) else self._pasted(source)
        except ReportError as err:
            return error_message(str(err), ctx.lang.code)
        return self.propose_report(ctx, report)

    async def propose_async(self, ctx, source: str) -> Message:
        """`propose` for the platforms: a link is fetched without blocking the event loop
        (the bot keeps answering and posting while a slow site answers)."""
        if not ctx.is_admin:
            return self.app.registry.run(ctx, "ingest", {"report": source})  # the registry's refusal
        url = source.strip()
        if not re.match(r"https?://\S+$", url):
            return self.propose(ctx, source)
        import httpx  # only for links

        try:
            async with httpx.AsyncClient(timeout=20.0, follow_redirects=True) as client:
                response = await client.get(url)
                response.raise_for_status()
        except Exception as err:  # noqa: BLE001 - one sentence, no traceback
            return error_message(f"{url}: cannot be fetched ({type(err).__name__}); check the link.", ctx.lang.code)
        try:
            report = report_from_bytes(response.content, url, url)
        except ReportError as err:
            return error_message(str(err), ctx.lang.code)
        return self.propose_report(ctx, report)

    def propose_file(self, ctx, raw: bytes, name: str) -> Message:
        """The same for a file sent in the chat (text or HTML)."""
        try:
            report = report_from_bytes(raw, name)
        except ReportError as err:
            return error_message(str(err), ctx.lang.code)
        return self.propose_report(ctx, report)

    def propose_report(self, ctx, report: Report) -> Message:
        """Show a report's facts for confirmation, publishing at once those sure enough."""
        lang = ctx.lang
        extraction = analyse(report, self.app.queries)
        if not extraction.facts or all(f.kind == "event" for f in extraction.facts):
            return error_message(lang.t("ingest.nothing"), lang.code)
        threshold = self.app.config.report_auto_confidence
        sure = [f for f in extraction.facts if threshold is not None and f.confidence >= threshold and f.kind != "event"]
        try:
            published = self._store(report, replace(extraction, facts=sure + extraction.of("event"))) if sure else 0
        except ReportError as err:
            return error_message(str(err), lang.code)
        waiting = [f for f in extraction.facts if f not in sure and f.kind != "event"]
        if not waiting:
            return Message(title=lang.t("ingest.published", count=published), lang=lang.code)
        token = hashlib.sha256(report.text.encode()).hexdigest()[:16]
        self.app.db["pending_reports"].upsert({
            "token": token, "source": report.where, "url": report.url, "text": report.text,
            "channel_id": ctx.channel.id if ctx.channel else None,
            "created_at": datetime.now(timezone.utc).isoformat()}, pk="token")
        items = tuple((f"{f.kind} · {f.confidence:.2f}", summary(f)) for f in waiting[:25])
        blocks = [Fields(items)]
        if published:
            blocks.insert(0, Text(lang.t("ingest.published", count=published)))
        blocks.append(Text(lang.t("ingest.confirm_hint", token=token)))
        return Message(title=lang.t("ingest.review", count=len(waiting)), blocks=tuple(blocks), lang=lang.code,
                       data={"confirm": token, "facts": len(waiting)})

    def confirm(self, ctx, token: str) -> Message:
        """Publish a report shown earlier: its facts land and the usual posts follow."""
        lang = ctx.lang
        row = self.app.db.execute("SELECT source, url, text FROM pending_reports WHERE token = ?",
                                  [token.strip()]).fetchone()
        if row is None:
            return error_message(lang.t("ingest.no_token", token=token), lang.code)
        report = Report(row[2], row[0], row[1])
        try:
            with self.app.db.atomic():  # published and no longer pending, together or not at all
                count = self._store(report, analyse(report, self.app.queries))
                self.app.db.execute("DELETE FROM pending_reports WHERE token = ?", [token.strip()])
        except ReportError as err:
            return error_message(str(err), lang.code)
        return Message(title=lang.t("ingest.published", count=count), lang=lang.code, data={"published": count})

    def _pasted(self, text: str) -> Report:
        if len(text.split()) < 20:
            raise ReportError("Send a link to the report, or paste its text after the command.")
        return Report(text.strip(), "a chat message")

    def _store(self, report: Report, extraction: Extraction) -> int:
        outcome = self.app.add_source_facts(to_bundle(report, extraction, self.app.queries))
        return outcome.results + outcome.incidents + outcome.quotes
