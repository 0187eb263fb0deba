"""RSS and Atom feeds of race reports, served from 127.0.0.1: each article read once, its
facts stored as a report; teasers followed to their link; previews set aside; an article
that fails now is tried again, one that is gone is not; a feed that is not a feed changes
nothing. The reports are the team's own fixtures."""
import asyncio
import html
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from aiohttp import web

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.domain import Event, EventBundle, Series, Session, Source
from bot.platforms.fake import FakePlatform

from bot.sources.rss_feed import RssSource
from tests.conftest import ROOT, dump, new_store
from tests.loopback import Loopback

# The news site of these tests lives on 127.0.0.1: its article links may be fetched from there.
LOOPBACK = lambda ip: ip.is_loopback  # noqa: E731


REPORTS = ROOT / "tests" / "fixtures" / "reports"
NOW = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
NOW_RFC822 = format_datetime(datetime.now(timezone.utc))


def article_html(name: str) -> str:
    """A fixture report as a news site's page: heading, paragraphs, a menu around them."""
    lines = [line for line in (REPORTS / name).read_text(encoding="utf-8").split("\n\n") if line.strip()]
    dateline, heading, body = lines[0], lines[1], lines[2:]
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in [dateline, *body])
    return (f"<html><head><title>{html.escape(heading)}</title></head><body><nav><a href='/'>Home</a> "
            f"<a href='/news'>News</a></nav><article><h1>{html.escape(heading)}</h1>{paragraphs}</article>"
            f"<footer>© the site</footer></body></html>")


def heading_and_body(name: str) -> tuple[str, str]:
    lines = [line for line in (REPORTS / name).read_text(encoding="utf-8").split("\n\n") if line.strip()]
    return lines[1], "".join(f"<p>{html.escape(p)}</p>" for p in [lines[0], *lines[2:]])


class NewsSite(Loopback):
    """A site with an Atom (or RSS 2.0) feed and article pages; counts what is asked."""

    def __init__(self):
        self.entries: list[dict] = []  # id, title, link, summary, content
        self.pages: dict[str, str] = {}
        self.status: dict[str, int] = {}  # path -> forced status
        self.format, self.feed_body = "atom", None
        self.asked: list[str] = []

    def feed(self) -> str:
        if self.feed_body is not None:
            return self.feed_body
        esc = html.escape
        if self.format == "rss":
            # RSS 2.0 carries the article (or its teaser) as escaped HTML in <description>.
            items = "".join(
                f"<item><guid>{esc(e['id'])}</guid><title>{esc(e['title'])}</title><link>{esc(e['link'])}</link>"
                f"<pubDate>{e.get('pubdate', NOW_RFC822)}</pubDate>"
                f"<description>{esc(e.get('content') or e.get('summary', ''))}</description></item>"
                for e in reversed(self.entries))
            return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Racing news</title>'
                    f'<link>{self.base}/</link><description>Reports</description>{items}</channel></rss>')
        entries = "".join(
            f"<entry><id>{esc(e['id'])}</id><title>{esc(e['title'])}</title><link href=\"{esc(e['link'])}\"/>"
            f"<updated>{e.get('updated', NOW)}</updated><summary type=\"html\">{esc(e.get('summary', ''))}</summary>"
            + (f"<content type=\"html\">{esc(e['content'])}</content>" if e.get("content") else "") + "</entry>"
            for e in reversed(self.entries))
        return ('<?xml version="1.0" encoding="utf-8"?><feed>'
                f'<title>Racing news</title><id>{self.base}/</id><updated>2025-01-01T00:00:00Z</updated>{entries}</feed>')

    async def handle(self, request):
        self.asked.append(request.path)
        if request.path in self.status:
            return web.Response(status=self.status[request.path], text="no")
        if request.path == "/feed.xml":
            body = self.feed()
            etag = f'"{hash(body) & 0xffffffff:x}"'
            if request.headers.get("If-None-Match") == etag:
                return web.Response(status=304)
            return web.Response(text=body, content_type="application/atom+xml", headers={"ETag": etag})
        if request.path in self.pages:
            return web.Response(text=self.pages[request.path], content_type="text/html")
        return web.Response(status=404, text="not found")

    async def start(self):
        return await super().start([web.get("/{tail:.*}", self.handle)])


CALENDAR = [("gt-sprint", "European GT Sprint", "European GT Sprint Monza", date(2023, 4, 23)),
            ("gt4-france", "GT4 France", "GT4 France Nogaro", date(2024, 4, 1)),
            ("touring-trophy", "Touring Trophy", "Touring Trophy Brands Hatch", date(2022, 8, 14))]


@pytest.fixture
def app(tmp_path):
    """A store that knows the events of the fixture reports (their calendars were imported),
    and a channel following everything."""
    app = bootstrap(Config(db_path=new_store(tmp_path / "news.db"), seed_events=False))
    for series_id, series_name, name, day in CALENDAR:
        event = Event(f"{series_id}-{day.year}", series_id, name, day, "Europe/Paris")
        race = Session(f"{event.id}/race", event.id, "race", "Race")
        app.store([EventBundle(Series(series_id, series_name), event,
                               (Source(f"{series_id}-calendar", "event_file", "Calendar"),), (race,))], "calendar")
    app.channels.subscribe(app.channels.ensure("fake", "fans").id, "all", "")
    yield app
    app.close()


def report_sources(app) -> list[str]:
    return [row[0] for row in app.db.execute("SELECT id FROM sources WHERE kind = 'report' ORDER BY id")]


def quotes_in(app, event_id) -> int:
    return len(app.queries.quotes(event_id))


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_each_article_is_read_once_teasers_are_followed_and_failures_retried(app, fmt):
    site, fake = NewsSite(), FakePlatform()
    site.format = fmt

    async def go():
        base = await site.start()
        monza_title, monza_body = heading_and_body("en_gt_monza.txt")
        preview_title, _ = heading_and_body("en_preview.txt")
        site.pages["/articles/nogaro"] = article_html("fr_gt4_nogaro.txt")
        site.pages["/articles/flaky"] = article_html("en_reverse_grid.txt")
        site.pages["/articles/preview"] = article_html("en_preview.txt")
        site.status["/articles/flaky"] = 500
        site.entries = [
            {"id": "tag:news,1", "title": monza_title, "link": f"{base}/articles/monza", "content": monza_body},
            {"id": "tag:news,2", "title": "GT4 France : Girard s'impose", "link": f"{base}/articles/nogaro",
             "summary": "Victoire à Nogaro. Lire la suite…"},
            {"id": "tag:news,3", "title": preview_title, "link": f"{base}/articles/preview", "summary": "Who will win?"},
            {"id": "tag:news,4", "title": "Gone", "link": f"{base}/articles/gone", "summary": "Removed."},
            {"id": "tag:news,5", "title": "Reverse grid race", "link": f"{base}/articles/flaky", "summary": "Teaser."},
        ]
        source = RssSource("news", f"{base}/feed.xml", article_allow=LOOPBACK)
        dispatcher = app.dispatcher({"fake": fake})
        first = await app.poll(source)
        await dispatcher.run_until_idle(poll=0.01)
        after_first = (report_sources(app), app.repositories.source_states.load("news").last_error, len(fake.sent))

        del site.status["/articles/flaky"]  # the site is back
        second = await app.poll(source)
        await dispatcher.run_until_idle(poll=0.01)
        after_second = (report_sources(app), len(fake.sent))

        restarted = RssSource("news", f"{base}/feed.xml", article_allow=LOOPBACK)  # a restart: nothing in memory
        third = await app.poll(restarted)
        await dispatcher.run_until_idle(poll=0.01)
        await site.stop()
        return first, second, third, after_first, after_second

    first, second, third, after_first, after_second = asyncio.run(go())
    sources_1, error_1, sent_1 = after_first
    assert first > 0 and len(sources_1) == 2  # Monza from the entry, Nogaro from its page; preview set aside
    assert "404" in error_1 and "/articles/gone" in error_1 and "500" in error_1
    assert app.queries.find_event("monza 2023").event_id and app.queries.find_event("nogaro 2024").event_id
    assert quotes_in(app, app.queries.find_event("monza 2023").event_id) >= 3
    assert not app.queries.find_event("spa 2025").event_id  # the preview made no event
    assert sent_1 > 0
    sources_2, sent_2 = after_second
    assert second > 0 and len(sources_2) == 3  # the flaky article, now readable
    assert third == 0 and report_sources(app) == sources_2 and len(fake.sent) == sent_2
    # Every teaser's page was asked for once, except the flaky one (twice); the article
    # whole in its entry was never fetched; the gone one was not asked again.
    pages = [p for p in site.asked if p.startswith("/articles/")]
    assert sorted(pages) == ["/articles/flaky", "/articles/flaky", "/articles/gone", "/articles/nogaro",
                             "/articles/preview"]
    assert app.repositories.source_states.load("news").last_error is None


@pytest.mark.parametrize("body, status", [("<html><body>Maintenance</body></html>", 200), (None, 503),
                                          ('<?xml version="1.0"?><feed><entry>', 200)])
def test_a_feed_that_is_not_a_feed_changes_nothing_and_backs_off(app, body, status):
    site = NewsSite()
    before = dump(app.db)

    async def go():
        base = await site.start()
        if status != 200:
            site.status["/feed.xml"] = status
        site.feed_body = body
        source = RssSource("news", f"{base}/feed.xml", article_allow=LOOPBACK)
        stored = await app.poll(source)
        asked = len(site.asked)
        await app.poll(source)  # backing off: not asked again
        await site.stop()
        return stored, asked, len(site.asked)

    stored, asked, asked_after = asyncio.run(go())
    state = app.repositories.source_states.load("news")
    assert stored == 0 and asked == asked_after == 1
    assert state.failures == 1 and ("not an RSS or Atom feed" in state.last_error or "503" in state.last_error)
    after = {k: v for k, v in dump(app.db).items() if k != "source_state"}
    assert after == {k: v for k, v in before.items() if k != "source_state"}


def test_a_feeds_backlog_older_than_a_week_is_set_aside_unread(app):
    site = NewsSite()

    async def go():
        base = await site.start()
        site.pages["/articles/old"] = article_html("en_gt_monza.txt")
        site.pages["/articles/new"] = article_html("fr_gt4_nogaro.txt")
        old = (datetime.now(timezone.utc) - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        site.entries = [{"id": "old", "title": "Last month", "link": f"{base}/articles/old", "summary": "x",
                         "updated": old},
                        {"id": "new", "title": "Today", "link": f"{base}/articles/new", "summary": "x"}]
        source = RssSource("news", f"{base}/feed.xml", article_allow=LOOPBACK)
        await app.poll(source)
        await app.poll(source)
        await site.stop()

    asyncio.run(go())
    assert [p for p in site.asked if p.startswith("/articles/")] == ["/articles/new"]
    assert len(report_sources(app)) == 1  # Nogaro's report only; last month's Monza was not read
    assert quotes_in(app, "gt4-france-2024") > 0 and quotes_in(app, "gt-sprint-2023") == 0


def test_an_article_about_an_event_the_store_does_not_know_is_set_aside(tmp_path):
    """A news site writes about much else: a feed never invents an event to post about."""
    app = bootstrap(Config(db_path=new_store(tmp_path / "empty.db"), seed_events=False))
    app.channels.subscribe(app.channels.ensure("fake", "fans").id, "all", "")
    site, fake = NewsSite(), FakePlatform()
    before = {k: v for k, v in dump(app.db).items() if k not in ("source_state", "source_items")}

    async def go():
        base = await site.start()
        title, body = heading_and_body("en_gt_monza.txt")
        site.entries = [{"id": "1", "title": title, "link": f"{base}/a", "content": body}]
        stored = await app.poll(RssSource("news", f"{base}/feed.xml", article_allow=LOOPBACK))
        await app.dispatcher({"fake": fake}).run_until_idle(poll=0.01)
        await site.stop()
        return stored

    assert asyncio.run(go()) == 0
    assert {k: v for k, v in dump(app.db).items() if k not in ("source_state", "source_items")} == before
    assert fake.sent == [] and app.repositories.source_states.load("news").last_error is None
    app.close()


def test_an_article_link_to_an_internal_address_is_never_fetched(app):
    """The feed is the operator's; its links are the publisher's: like any stranger's link, an
    article may only be fetched from a public address."""
    site = NewsSite()

    async def go():
        base = await site.start()
        site.pages["/admin/delete"] = article_html("fr_gt4_nogaro.txt")
        site.entries = [{"id": "tag:news,9", "title": "Teaser", "link": f"{base}/admin/delete", "summary": "Read on"}]
        stored = await app.poll(RssSource("news", f"{base}/feed.xml"))  # the default: public addresses only
        await site.stop()
        return stored

    assert asyncio.run(go()) == 0
    assert site.asked == ["/feed.xml"]  # the internal page was never asked for
    assert "is not a public address" in app.repositories.source_states.load("news").last_error
