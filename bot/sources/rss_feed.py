"""RSS and Atom feeds of race reports, polled: each new article goes through the report
extractor, and its facts land as a report (below timing and event files).

An article is known by its id (or link) and is never read twice, even after a restart.
Articles dated more than a week back (a feed's backlog, the first time it is polled) are
set aside unread: their races are over, and posting them now would be old news.
A feed entry carrying the whole article is read as is; a teaser is followed to its link.
Articles with nothing to announce (previews, news), or about an event the store does not
know, are read and set aside: a feed never invents an event. An article that cannot be
fetched now (a timeout, a 5xx, a 429) is tried again at the next poll; one refused for good
(404, 410, any other 4xx) is not.
"""
from __future__ import annotations

import asyncio
import hashlib
import html
import logging
import re
from calendar import timegm
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from bot.redaction import redact_url
from bot.reports.fetch import FetchRefused, fetch_untrusted
from bot.reports.ingest import ReportError, find_event, to_bundle
from bot.reports.jobs import PRELOAD, read_report_bytes
from bot.reports.review import analyse_off_loop
from bot.workers import Workers, WorkerTimeout
from bot.ports import FeedError, Poll, SourceView
from bot.sources.polling import FeedSource, HttpFeed, RateLimit, shown_url

log = logging.getLogger(__name__)
FEED_LIMIT = (10, 10.0)  # a news site: at most one request a second on average
FULL_ARTICLE_WORDS = 150  # an entry shorter than this is a teaser: fetch the article
ANNOUNCEABLE = {"pole", "grid", "result", "class_result", "crash", "safety_car", "vsc", "red_flag", "quote"}
BACKLOG = timedelta(days=7)
MAX_ENTRIES = 100  # the newest entries of a feed; a feed of thousands is an archive, not news


@dataclass
class RssSource(FeedSource):
    name: str
    url: str
    interval: float = 900.0
    live_interval: float = 300.0
    feed: HttpFeed = field(default_factory=lambda: HttpFeed(RateLimit(FEED_LIMIT)))
    workers: Workers | None = None  # where articles are read (started on first use if not given)
    article_allow: object = None  # which addresses article links may reach: None is public ones only
    _retry: bool = field(default=True, init=False, repr=False)  # an article is due again (or never polled)

    def describe(self) -> str:
        """What it reads, for `pitboard sources`."""
        return f"RSS/Atom reports {redact_url(self.url)}"


    async def read(self, view: SourceView) -> Poll:
        """The new articles' facts, each article remembered as read once stored (one that
        failed for now is tried again at the next poll)."""
        import feedparser  # only when a feed is configured

        raw, changed = await self.feed.get(self.url, as_json=False)
        if not changed and not self._retry:
            return Poll()  # the same feed, and no article waiting to be tried again
        # Parsing a big feed takes a while: off the event loop, where the platforms live.
        parsed = await asyncio.to_thread(feedparser.parse, raw)
        # A feed cut short still lists its whole entries before the cut; they are read, and
        # the rest come with the next poll. One with no whole entry at all is garbage.
        whole = [e for e in parsed.entries if e.get("id") or e.get("link") or e.get("title")]
        if not whole and (parsed.bozo or not parsed.version):
            raise FeedError(f"{shown_url(self.url)} answered something that is not an RSS or Atom feed "
                            "(or a truncated one)")
        read, problems, self._retry = Poll(), [], False
        for entry in reversed(whole[:MAX_ENTRIES]):  # feeds list the newest first; read in order
            item = _item_id(entry)
            if view.seen(item):
                continue
            if _published(entry) < datetime.now(timezone.utc) - BACKLOG:
                read.seen.append(item)
                continue
            try:
                report = await self._report(entry)
                bundle = await self._bundle(view, report) if report is not None else None
                if bundle is not None:
                    read.bundles.append(bundle)
            except FeedError as err:
                problems.append(err.reason)
                if err.status is None or err.status in (408, 429) or err.status >= 500:
                    self._retry = True
                    continue  # tried again at the next poll
            except ReportError as err:
                log.info("source %s: %s", self.name, err)
            except WorkerTimeout:
                problems.append(f"article {item[:80]} took too long to read; set aside")
            except Exception as err:  # noqa: BLE001 - one poisoned article is named; the others are read
                log.exception("source %s: article %s", self.name, item)
                problems.append(f"article {item[:80]} could not be read ({type(err).__name__})")
            read.seen.append(item)
        if problems:
            read.problem = "; ".join(problems)[:500]
        return read

    async def _report(self, entry):
        """The article as a Report: from the entry when it holds the whole text, else its link."""
        link = entry.get("link") if re.match(r"https?://", entry.get("link") or "") else None
        body = "".join(c.get("value", "") for c in entry.get("content", [])) or entry.get("summary", "")
        title = entry.get("title", "")
        if len(re.sub(r"<[^>]+>", " ", body).split()) >= FULL_ARTICLE_WORDS or not link:
            # The title is the report's heading: it names the event and the year.
            page = f"<html><body><article><h1>{html.escape(title)}</h1>{body}</article></body></html>"
            where = redact_url(link) if link else f"{shown_url(self.url)} ({title[:60]})"
            return await self._workers().run(read_report_bytes, page.encode(), where, redact_url(link) if link else None)
        # The feed is the operator's; the links in it are its publisher's: an article is
        # fetched like any link a stranger gives (public addresses only, capped, in time).
        await self.feed.limit.acquire()
        try:
            fetched = await fetch_untrusted(link, allow=self.article_allow)
        except FetchRefused as err:
            raise FeedError(f"{shown_url(link)}: {err.text}",
                            status=err.status if err.status else (None if err.retry else 400)) from None
        shown = redact_url(fetched.url)
        return await self._workers().run(read_report_bytes, fetched.body, shown, shown)

    def _workers(self) -> Workers:
        if self.workers is None:
            self.workers = Workers(preload=PRELOAD)
        return self.workers

    async def _bundle(self, view: SourceView, report):
        """The article's facts about an event the store knows, or None (set aside). Read in
        a worker: an article is a stranger's text too."""
        extraction = await analyse_off_loop(self._workers(), report, view.queries)
        if not {f.kind for f in extraction.facts} & ANNOUNCEABLE:
            log.info("source %s: %s has nothing to announce; set aside", self.name, report.where)
            return None
        if find_event(view.queries, extraction) is None:
            # A feed's article about an event the store does not know is set aside: news
            # sites write about much else, and a feed must not invent events to post about.
            log.info("source %s: %s is about no event in the store; set aside", self.name, report.where)
            return None
        try:
            return to_bundle(report, extraction, view.queries)
        except ReportError as err:
            log.info("source %s: %s", self.name, err)
            return None


def _item_id(entry) -> str:
    """The entry's own id, else its link, else a digest of its title and text."""
    known = entry.get("id") or entry.get("link")
    if known:
        return str(known)[:500]
    text = f"{entry.get('title', '')}\n{entry.get('summary', '')}"
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _published(entry) -> datetime:
    """When the entry was published (or last updated); now when the feed does not say."""
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime.fromtimestamp(timegm(stamp), timezone.utc) if stamp else datetime.now(timezone.utc)

