"""Jolpica and Al Kamel polled: results served from 127.0.0.1 or dropped in a folder become one
finish (or pole) post each, a revised result corrects that post instead of repeating it, and
an answer or a file Pitboard cannot use changes nothing and says why."""
import asyncio
import os
import json
import shutil
import time
from datetime import date
from pathlib import Path

import pytest
from aiohttp import web

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.domain import Event, EventBundle, Series, Session, Source
from bot.platforms.fake import FakePlatform
from bot.render.text import render_text
from bot.sources.alkamel_feed import AlKamelSource
from bot.sources.jolpica_feed import JOLPICA_LIMITS, JolpicaSource
from bot.sources.polling import FeedError, HttpFeed, RateLimit
from tests.conftest import FIXTURES, dump, new_store
from tests.loopback import Loopback

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="the shared feed files are not here")
JOLPICA = FIXTURES / "jolpica"
ALKAMEL = FIXTURES / "alkamel"
SUZUKA = "japanese-grand-prix-2026"
SPA = "endurance-cup-spa-2026"


def facts(db) -> dict:
    """The store without the sources' own bookkeeping (poll state, files read)."""
    return {k: v for k, v in dump(db).items() if k not in ("source_state", "source_items")}


def titles(fake: FakePlatform) -> list[str]:
    return [m.title for m in fake.posts_to("fans")]


# Jolpica ------------------------------------------------------------------------------------


def jolpica_answer(what: str) -> dict:
    return json.loads((JOLPICA / f"{what}_2026_r3.json").read_text(encoding="utf-8"))


def no_results_yet() -> dict:
    """What Jolpica answers for a round not raced yet: the table, with no race in it."""
    answer = jolpica_answer("results")
    answer["MRData"]["total"] = "0"
    answer["MRData"]["RaceTable"]["Races"] = []
    return answer


def after_penalty() -> dict:
    """The same round after the stewards' decision: the winner got 5 s and drops to second."""
    answer = jolpica_answer("results")
    rows = answer["MRData"]["RaceTable"]["Races"][0]["Results"]
    first, second = rows[0], rows[1]
    first.update(position="2", positionText="2", points="18", Time={"millis": "5288412", "time": "+0.422"})
    second.update(position="1", positionText="1", points="25", Time={"millis": "5287990", "time": "1:28:07.990"})
    rows[0], rows[1] = second, first
    return answer


class FakeJolpica(Loopback):
    """Serves /ergast/f1/{season}/{round}/results.json and qualifying.json with ETags.
    `answers` maps (season, round, what) to a document; `mode` makes it misbehave."""

    def __init__(self, etags: bool = True):
        self.answers: dict[tuple[str, str, str], object] = {}
        self.mode, self.etags = None, etags
        self.requests, self.not_modified, self.asked = 0, 0, []

    async def handle(self, request):
        self.requests += 1
        self.asked.append(request.path_qs)
        if self.mode == "429":
            return web.Response(status=429, headers={"Retry-After": "7"}, text="Too Many Requests")
        if self.mode == "500":
            return web.Response(status=500, text="Internal Server Error")
        if self.mode == "garbage":
            return web.Response(text="<html><body>Down for maintenance</body></html>", content_type="text/html")
        if self.mode == "truncated":
            body = json.dumps(jolpica_answer("results"))
            return web.Response(text=body[: len(body) // 2], content_type="application/json")
        what = request.match_info["what"].removesuffix(".json")
        answer = self.answers.get((request.match_info["season"], request.match_info["round"], what))
        if answer is None:
            return web.Response(status=404, text="not found")
        body = json.dumps(answer)
        etag = f'"{hash(body) & 0xffffffff:x}"'
        if self.etags and request.headers.get("If-None-Match") == etag:
            self.not_modified += 1
            return web.Response(status=304)
        return web.Response(text=body, content_type="application/json", headers={"ETag": etag} if self.etags else {})

    async def start(self):
        base = await super().start([web.get("/ergast/f1/{season}/{round}/{what}", self.handle)])
        return f"{base}/ergast/f1"


def f1_bundle() -> EventBundle:
    series = Series("f1", "Formula 1")
    event = Event(SUZUKA, "f1", "Japanese Grand Prix", date(2026, 3, 29), "Asia/Tokyo", aliases=("suzuka 2026",))
    sessions = (Session(f"{SUZUKA}/qualifying", SUZUKA, "qualifying", "Qualifying", status="scheduled"),
                Session(f"{SUZUKA}/race", SUZUKA, "race", "Race", status="scheduled"))
    return EventBundle(series, event, (Source("f1-calendar", "event_file", "Calendar"),), sessions)


def new_app(db_path, bundle: EventBundle | None = None):
    """A store that knows `bundle`'s event (none if None), and a channel following everything."""
    app = bootstrap(Config(db_path=new_store(db_path), seed_events=False))
    if bundle is not None:
        app.store([bundle], "calendar")
    app.channels.subscribe(app.channels.ensure("fake", "fans").id, "all", "")
    return app


@pytest.fixture
def f1(tmp_path):
    app = new_app(tmp_path / "jolpica.db", f1_bundle())
    yield app
    app.close()


def status(app, event_id: str, kind: str) -> str:
    return next(s.status for s in app.queries.sessions(event_id) if s.kind == kind)


# The Jolpica sources polled below get a feed of their own, without Jolpica's request limit
# (4 a second, paced a quarter of a second apart): the fake server keeps none. The limit
# itself has its own tests (test_rate_limit_*, the spent hourly budget).


async def poll_and_send(source, app, dispatcher, force: bool = False) -> int:
    stored = await app.poll(source, force=force)
    await dispatcher.run_until_idle(poll=0.01)
    return stored


def test_jolpica_a_round_without_results_stores_nothing_then_finishes_once(f1):
    server, fake = FakeJolpica(), FakePlatform()
    before = facts(f1.db)

    async def go():
        base = await server.start()
        source = JolpicaSource("jolpica-suzuka", base, "2026", "3", "suzuka 2026", feed=HttpFeed())
        dispatcher = f1.dispatcher({"fake": fake})
        server.answers["2026", "3", "results"] = no_results_yet()
        assert await poll_and_send(source, f1, dispatcher) == 0
        assert facts(f1.db) == before and fake.sent == []
        assert f1.repositories.source_states.load("jolpica-suzuka").last_error is None  # not raced yet is no error
        assert f1.repositories.source_states.load("jolpica-suzuka").failures == 0
        server.answers["2026", "3", "results"] = jolpica_answer("results")
        assert await poll_and_send(source, f1, dispatcher) == 4
        asked = server.requests
        assert await poll_and_send(source, f1, dispatcher) == 0  # unchanged: the server says 304
        assert server.requests == asked + 1 and server.not_modified == 1
        await server.stop()

    asyncio.run(go())
    assert server.asked[0] == "/ergast/f1/2026/3/results.json?limit=100"
    assert titles(fake) == ["Mara Quist wins — Japanese Grand Prix 2026"]
    assert fake.edits == []
    assert status(f1, SUZUKA, "race") == "finished"
    race = f1.queries.results(f"{SUZUKA}/race", "")
    assert [(r.position, r.number, r.status) for r in race] == [
        (1, "12", "classified"), (2, "63", "classified"), (3, "16", "classified"), (None, "81", "dnf")]
    assert race[2].gap == "+1 Lap" and race[0].total_time_ms == 5_283_412
    text = render_text(fake.posts_to("fans")[0])
    assert text.index("Mara Quist") < text.index("Theo Brandt") < text.index("Luca Ferri")


def test_jolpica_the_same_answer_again_without_an_etag_posts_nothing_more(f1):
    server, fake = FakeJolpica(etags=False), FakePlatform()

    async def go():
        base = await server.start()
        source = JolpicaSource("jolpica-suzuka", base, "2026", "3", "suzuka 2026", feed=HttpFeed())
        dispatcher = f1.dispatcher({"fake": fake})
        server.answers["2026", "3", "results"] = jolpica_answer("results")
        await poll_and_send(source, f1, dispatcher)
        stored = f1.queries.results(f"{SUZUKA}/race", "")
        await poll_and_send(source, f1, dispatcher)  # a full 200 with the same body
        assert f1.queries.results(f"{SUZUKA}/race", "") == stored
        await server.stop()

    asyncio.run(go())
    assert server.requests == 2 and server.not_modified == 0
    assert titles(fake) == ["Mara Quist wins — Japanese Grand Prix 2026"] and fake.edits == []


def test_jolpica_a_penalty_after_the_race_corrects_the_finish_post(f1):
    server, fake = FakeJolpica(), FakePlatform()

    async def go():
        base = await server.start()
        source = JolpicaSource("jolpica-suzuka", base, "2026", "3", "suzuka 2026", feed=HttpFeed())
        dispatcher = f1.dispatcher({"fake": fake})
        server.answers["2026", "3", "results"] = jolpica_answer("results")
        await poll_and_send(source, f1, dispatcher)
        server.answers["2026", "3", "results"] = after_penalty()
        assert await poll_and_send(source, f1, dispatcher) == 4
        assert await poll_and_send(source, f1, dispatcher) == 0  # 304: corrected once, not twice
        await server.stop()

    asyncio.run(go())
    assert titles(fake) == ["Mara Quist wins — Japanese Grand Prix 2026"]  # no second finish post
    assert [e.message.title for e in fake.edits] == ["Corrected: Theo Brandt wins — Japanese Grand Prix 2026"]
    assert fake.edits[0].message_id == fake.sent[0].message_id
    text = render_text(fake.edits[0].message)
    assert text.index("Theo Brandt") < text.index("Mara Quist") < text.index("Luca Ferri")
    race = f1.queries.results(f"{SUZUKA}/race", "")
    assert [(r.position, r.number) for r in race[:2]] == [(1, "63"), (2, "12")]
    # Only Jolpica's latest answer counts: the first one's rows are gone, not kept beside it.
    assert f1.db.execute("SELECT count(*) FROM results WHERE session_id = ?", [f"{SUZUKA}/race"]).fetchone()[0] == 4


def test_jolpica_qualifying_makes_one_pole_post_naming_the_pole_sitter(f1):
    server, fake = FakeJolpica(), FakePlatform()

    async def go():
        base = await server.start()
        source = JolpicaSource("jolpica-suzuka-q", base, "2026", "3", "suzuka 2026", session_kind="qualifying",
                               feed=HttpFeed())
        dispatcher = f1.dispatcher({"fake": fake})
        server.answers["2026", "3", "qualifying"] = jolpica_answer("qualifying")
        assert await poll_and_send(source, f1, dispatcher) == 4
        assert await poll_and_send(source, f1, dispatcher) == 0
        await server.stop()

    asyncio.run(go())
    assert server.asked[0] == "/ergast/f1/2026/3/qualifying.json?limit=100"
    assert titles(fake) == ["Pole position: Mara Quist"]
    assert "1:28.197" in render_text(fake.posts_to("fans")[0])
    assert status(f1, SUZUKA, "qualifying") == "finished" and status(f1, SUZUKA, "race") == "scheduled"
    grid = f1.queries.results(f"{SUZUKA}/qualifying", "")
    assert [(r.position, r.number, r.best_lap_ms) for r in grid][:2] == [(1, "12", 88_197), (2, "16", 88_250)]
    assert grid[3].best_lap_ms == 89_350  # out in Q2: the best of Q1 and Q2


@pytest.mark.parametrize("season, round_, day, wrong", [
    ("current", "last", "2025-12-07", False),  # before the race "last" is the round before: not out yet
    ("2026", "5", "2026-05-03", True),  # a round raced on another day: the config is wrong
])
def test_jolpica_a_round_raced_on_another_day_stores_nothing(f1, season, round_, day, wrong):
    server, fake = FakeJolpica(), FakePlatform()
    before = facts(f1.db)
    other = jolpica_answer("results")
    other["MRData"]["RaceTable"]["Races"][0].update(season=day[:4], round="24", raceName="Other Grand Prix", date=day)
    server.answers[season, round_, "results"] = other

    async def go():
        base = await server.start()
        source = JolpicaSource("jolpica-x", base, season, round_, "suzuka 2026", feed=HttpFeed())
        dispatcher = f1.dispatcher({"fake": fake})
        assert await poll_and_send(source, f1, dispatcher) == 0
        first = f1.repositories.source_states.load("jolpica-x")
        # Asked again (`pitboard poll`), the answer is the same (a 304): still not this race.
        assert await poll_and_send(source, f1, dispatcher, force=True) == 0
        await server.stop()
        return first

    first = asyncio.run(go())
    again = f1.repositories.source_states.load("jolpica-x")
    if wrong:
        assert day in first.last_error and "Japanese Grand Prix" in first.last_error and first.failures == 1
        assert again.last_error is not None and day in again.last_error
    else:
        assert first.last_error is None and again.last_error is None and first.failures == 0
    assert facts(f1.db) == before and fake.sent == []
    assert server.asked[0] == f"/ergast/f1/{season}/{round_}/results.json?limit=100"


def test_jolpica_results_read_before_the_event_was_known_are_stored_once_it_is(tmp_path):
    app = new_app(tmp_path / "late.db")  # the event file is not imported yet
    server, fake = FakeJolpica(), FakePlatform()
    server.answers["2026", "3", "results"] = jolpica_answer("results")

    async def go():
        base = await server.start()
        source = JolpicaSource("jolpica-suzuka", base, "2026", "3", "suzuka 2026", feed=HttpFeed())
        dispatcher = app.dispatcher({"fake": fake})
        assert await poll_and_send(source, app, dispatcher) == 0
        assert "suzuka 2026" in app.repositories.source_states.load("jolpica-suzuka").last_error
        assert app.queries.event(SUZUKA) is None  # no ghost event
        app.store([f1_bundle()], "calendar")
        # Jolpica's answer has not changed (a 304), but now there is an event to put it in.
        stored = await poll_and_send(source, app, dispatcher, force=True)
        await server.stop()
        return stored

    try:
        assert asyncio.run(go()) == 4
        assert titles(fake) == ["Mara Quist wins — Japanese Grand Prix 2026"]
        assert app.repositories.source_states.load("jolpica-suzuka").last_error is None
    finally:
        app.close()


def test_jolpica_a_lapped_finisher_reported_as_lapped_is_classified(f1):
    """Jolpica has reported lapped finishers as "Lapped" (not "+1 Lap") since 2025."""
    server = FakeJolpica()
    answer = jolpica_answer("results")
    answer["MRData"]["RaceTable"]["Races"][0]["Results"][2]["status"] = "Lapped"
    server.answers["2026", "3", "results"] = answer

    async def go():
        base = await server.start()
        await f1.poll(JolpicaSource("jolpica-suzuka", base, "2026", "3", "suzuka 2026", feed=HttpFeed()))
        await server.stop()

    asyncio.run(go())
    race = f1.queries.results(f"{SUZUKA}/race", "")
    assert [(r.position, r.number, r.status) for r in race] == [
        (1, "12", "classified"), (2, "63", "classified"), (3, "16", "classified"), (None, "81", "dnf")]


@pytest.mark.parametrize("mode, says, wait", [("429", "429", 7.0), ("500", "500", 2.0),
                                              ("garbage", "not JSON", 2.0), ("truncated", "not JSON", 2.0)])
def test_jolpica_a_misbehaving_server_changes_nothing_and_the_source_backs_off(f1, mode, says, wait):
    server, fake = FakeJolpica(), FakePlatform()
    server.answers["2026", "3", "results"] = jolpica_answer("results")
    before = facts(f1.db)

    async def go():
        base = await server.start()
        source = JolpicaSource("jolpica-suzuka", base, "2026", "3", "suzuka 2026", feed=HttpFeed())
        dispatcher = f1.dispatcher({"fake": fake})
        server.mode = mode
        assert await poll_and_send(source, f1, dispatcher) == 0
        asked = server.requests
        assert await poll_and_send(source, f1, dispatcher) == 0  # backing off: not asked again yet
        assert server.requests == asked == 1
        await server.stop()

    asyncio.run(go())
    state = f1.repositories.source_states.load("jolpica-suzuka")
    assert says in state.last_error and state.failures == 1
    assert facts(f1.db) == before and fake.sent == []
    assert wait - 1 <= state.next_poll - time.time() <= wait + 1


def test_rate_limit_a_fifth_request_within_a_second_must_wait():
    limit = RateLimit(*JOLPICA_LIMITS)
    now = 10_000.0
    assert limit.wait_needed(now) == 0
    for at in (now - 0.9, now - 0.6, now - 0.3, now - 0.1):  # four in the last second
        limit.record(at)
    assert limit.wait_needed(now) == pytest.approx(0.1)  # until the oldest is a second old
    assert limit.wait_needed(now + 0.2) == 0
    three = RateLimit(*JOLPICA_LIMITS)
    for at in (now - 0.6, now - 0.3, now - 0.1):
        three.record(at)
    assert three.wait_needed(now) == 0  # three in the last second: the fourth may go now


def test_rate_limit_the_501st_request_within_an_hour_is_refused_with_the_time_to_wait():
    limit = RateLimit(*JOLPICA_LIMITS)
    start = time.monotonic()
    # 500 requests over the last 50 minutes, none in the last second.
    for i in range(500):
        limit.record(start - 3000.0 + 6.0 * i)
    assert limit.wait_needed(start) == pytest.approx(600.0)  # the oldest leaves the hour in 10 minutes
    with pytest.raises(FeedError) as refused:
        asyncio.run(limit.acquire())
    assert refused.value.retry_after == pytest.approx(600.0, abs=1.0)
    count, last = limit.taken()
    assert count == 500 and last < start  # no slot was taken
    fewer = RateLimit(*JOLPICA_LIMITS)
    for i in range(1, 500):
        fewer.record(start - 3000.0 + 6.0 * i)
    asyncio.run(fewer.acquire())  # one left the hour: the next one goes at once
    assert fewer.taken()[1] >= start


def test_jolpica_a_spent_hourly_budget_backs_the_source_off_without_asking_the_server(f1):
    server = FakeJolpica()
    server.answers["2026", "3", "results"] = jolpica_answer("results")
    limit = RateLimit(*JOLPICA_LIMITS)
    for i in range(500):
        limit.record(time.monotonic() - 3000.0 + 6.0 * i)
    before = facts(f1.db)

    async def go():
        base = await server.start()
        source = JolpicaSource("jolpica-suzuka", base, "2026", "3", "suzuka 2026", feed=HttpFeed(limit))
        assert await f1.poll(source) == 0
        await server.stop()

    asyncio.run(go())
    state = f1.repositories.source_states.load("jolpica-suzuka")
    assert server.requests == 0
    assert "rate limit" in state.last_error and state.failures == 1
    assert 590 <= state.next_poll - time.time() <= 610
    assert facts(f1.db) == before


# Al Kamel ------------------------------------------------------------------------------------


def spa_bundle() -> EventBundle:
    series = Series("endurance-cup", "Endurance Cup")
    event = Event(SPA, "endurance-cup", "6 Hours of Spa", date(2026, 5, 9), "Europe/Brussels",
                  aliases=("spa 2026",), classes=("HYPERCAR", "LMGT3"))
    race = Session(f"{SPA}/race", SPA, "race", "Race", status="scheduled")
    return EventBundle(series, event, (Source("ec-calendar", "event_file", "Calendar"),), (race,))


@pytest.fixture
def spa(tmp_path):
    app = new_app(tmp_path / "alkamel.db", spa_bundle())
    yield app
    app.close()


def drop(folder: Path, fixture: str, name: str | None = None) -> Path:
    """Put one of our timing files in the watched folder, as the timing screen would."""
    target = folder / (name or fixture)
    target.write_bytes((ALKAMEL / fixture).read_bytes())
    return rested(target)


def rested(path: Path) -> Path:
    """Date the file a few seconds back: the source reads only files that have stopped changing."""
    stamp = time.time() - 10
    os.utime(path, (stamp, stamp))
    return path


def seen_items(app, name: str) -> list[str]:
    return [r[0].split(":")[0] for r in app.db.execute("SELECT item FROM source_items WHERE source = ?", [name])]


def test_alkamel_a_race_dropped_in_a_folder_file_by_file(spa, tmp_path):
    folder = tmp_path / "timing"
    folder.mkdir()
    fake = FakePlatform()
    before = facts(spa.db)
    source = AlKamelSource("spa-timing", "spa 2026", path=folder)

    async def go():
        dispatcher = spa.dispatcher({"fake": fake})
        assert await poll_and_send(source, spa, dispatcher) == 0  # an empty folder
        assert facts(spa.db) == before and fake.sent == []

        drop(folder, "spa_2026_race_lap_analysis.csv", "23_Analysis_Race_Hour 1.CSV")
        drop(folder, "spa_2026_weather.csv", "26_Weather_Race_Hour 1.CSV")
        (folder / "readme.txt").write_text("not a timing file", encoding="utf-8")
        assert await poll_and_send(source, spa, dispatcher) == 2  # two periods
        assert spa.repositories.source_states.load("spa-timing").last_error is None  # the weather file is no error
        assert status(spa, SPA, "race") == "live"
        periods = [(i.kind, i.start_lap, i.end_lap) for i in spa.queries.incidents(f"{SPA}/race")]
        assert periods == [("safety_car", 4, 6), ("full_course_yellow", 10, 10)]
        during = titles(fake)

        drop(folder, "spa_2026_race_classification_provisional.csv", "05_Classification_Race_Provisional.CSV")
        assert await poll_and_send(source, spa, dispatcher) > 0
        assert status(spa, SPA, "race") == "finished"
        assert await poll_and_send(source, spa, dispatcher) == 0  # nothing new in the folder
        finished = list(fake.sent)

        # The stewards' penalty: the same file is replaced by the official classification.
        drop(folder, "spa_2026_race_classification_official.csv", "05_Classification_Race_Provisional.CSV")
        assert await poll_and_send(source, spa, dispatcher) > 0
        assert await poll_and_send(source, spa, dispatcher) == 0
        return during, finished

    during, finished = asyncio.run(go())
    assert during == ["Safety car — 6 Hours of Spa 2026", "Safety car in — 6 Hours of Spa 2026",
                      "Full-course yellow — 6 Hours of Spa 2026", "Full-course yellow over — 6 Hours of Spa 2026"]
    finish = "Ada Nord / Ben Oster / Cai Prado win — 6 Hours of Spa 2026"
    assert titles(fake) == during + [finish]  # one finish post, not two
    assert fake.sent == finished
    text = render_text(fake.posts_to("fans")[-1])
    assert "HYPERCAR" in text and "LMGT3" in text
    assert text.index("Flo Kessel") < text.index("Ivo Baum")  # provisional: #92 ahead of #91
    assert [e.message.title for e in fake.edits] == [f"Corrected: {finish}"]
    assert fake.edits[0].message_id == fake.sent[-1].message_id
    corrected = render_text(fake.edits[0].message)
    assert corrected.index("Ivo Baum") < corrected.index("Flo Kessel")
    lmgt3 = spa.queries.results(f"{SPA}/race", "LMGT3")
    assert [(r.position, r.number) for r in lmgt3] == [(1, "91"), (2, "92")]
    hypercar = spa.queries.results(f"{SPA}/race", "HYPERCAR")
    assert [(r.position, r.number, r.status) for r in hypercar] == [(1, "50", "classified"), (2, "6", "classified"),
                                                                    (None, "8", "dnf")]
    assert sorted(seen_items(spa, "spa-timing")) == sorted(
        ["05_Classification_Race_Provisional.CSV"] * 2 + ["23_Analysis_Race_Hour 1.CSV", "26_Weather_Race_Hour 1.CSV"])


def test_alkamel_a_lap_analysis_without_neutralisations_is_no_error(spa, tmp_path):
    """Early in a race (or in a clean one) the lap analysis shows only green flags: that is
    news of nothing, not a broken file."""
    folder = tmp_path / "timing"
    folder.mkdir()
    lines = (ALKAMEL / "spa_2026_race_lap_analysis.csv").read_text(encoding="utf-8").splitlines()
    green = [line for line in lines if line.rstrip().endswith(";GF;") or "FLAG_AT_FL" in line]
    (folder / "23_Analysis_Race_Hour 1.CSV").write_text("\n".join(green) + "\n", encoding="utf-8")
    rested(folder / "23_Analysis_Race_Hour 1.CSV")
    before = facts(spa.db)

    async def go():
        return await spa.poll(AlKamelSource("spa-timing", "spa 2026", path=folder))

    assert asyncio.run(go()) == 0
    assert spa.repositories.source_states.load("spa-timing").last_error is None
    assert spa.queries.incidents(f"{SPA}/race") == []
    assert status(spa, SPA, "race") == "live"  # the laps say the race is under way
    after = facts(spa.db)
    assert after["results"] == before["results"] and after["incidents"] == before["incidents"]
    assert after["updates"] == before["updates"]


PROVISIONAL = (ALKAMEL / "spa_2026_race_classification_provisional.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("content", [
    pytest.param(PROVISIONAL.splitlines()[0] + "\n", id="header-only"),
    pytest.param(PROVISIONAL[: PROVISIONAL.index("\n1;50;") + 12], id="cut-short-while-written"),
    pytest.param("POSITION;NUMBER\n1;50\n2;6\n", id="two-columns"),
    pytest.param("NUMBER; DRIVER_NUMBER; LAP_NUMBER; LAP_TIME; FLAG_AT_FL;\n", id="lap-analysis-without-laps"),
])
def test_alkamel_a_malformed_file_is_named_changes_nothing_and_is_not_read_again(spa, tmp_path, content):
    folder = tmp_path / "timing"
    folder.mkdir()
    bad = folder / "05_Classification_Race_Broken.CSV"
    bad.write_text(content, encoding="utf-8")
    rested(bad)
    before = facts(spa.db)
    source = AlKamelSource("spa-timing", "spa 2026", path=folder)
    fake = FakePlatform()

    async def go():
        dispatcher = spa.dispatcher({"fake": fake})
        assert await poll_and_send(source, spa, dispatcher) == 0
        first = spa.repositories.source_states.load("spa-timing")
        assert facts(spa.db) == before
        assert await poll_and_send(source, spa, dispatcher) == 0  # the same bytes: not read again,
        second = spa.repositories.source_states.load("spa-timing")  # but the problem still stands
        assert facts(spa.db) == before and fake.sent == []
        # Fixed in place (the timing screen publishes it again): read again, and stored.
        drop(folder, "spa_2026_race_classification_provisional.csv", bad.name)
        stored = await poll_and_send(source, spa, dispatcher)
        return first, second, stored

    first, second, stored = asyncio.run(go())
    assert "05_Classification_Race_Broken.CSV" in first.last_error
    assert first.failures == 0  # retrying the same bytes would not help: it is told, not retried
    assert second.last_error == first.last_error and second.failures == 0
    assert spa.repositories.source_states.load("spa-timing").last_error is None  # a good file read: the problem is over
    assert seen_items(spa, "spa-timing") == [bad.name, bad.name]
    assert stored > 0 and status(spa, SPA, "race") == "finished"
    assert titles(fake) == ["Ada Nord / Ben Oster / Cai Prado win — 6 Hours of Spa 2026"]


def test_alkamel_one_watched_file_is_read_when_it_changes(spa, tmp_path):
    single = drop(tmp_path, "spa_2026_race_classification_provisional.csv", "classification.csv")
    source = AlKamelSource("spa-file", "spa 2026", path=single)
    fake = FakePlatform()

    async def go():
        dispatcher = spa.dispatcher({"fake": fake})
        assert await poll_and_send(source, spa, dispatcher) > 0
        assert await poll_and_send(source, spa, dispatcher) == 0
        drop(tmp_path, "spa_2026_race_classification_official.csv", "classification.csv")
        assert await poll_and_send(source, spa, dispatcher) > 0

    asyncio.run(go())
    finish = "Ada Nord / Ben Oster / Cai Prado win — 6 Hours of Spa 2026"
    assert titles(fake) == [finish] and [e.message.title for e in fake.edits] == [f"Corrected: {finish}"]
    assert [r.number for r in spa.queries.results(f"{SPA}/race", "LMGT3")] == ["91", "92"]


def test_alkamel_a_restarted_source_does_not_read_the_same_files_again(spa, tmp_path):
    folder = tmp_path / "timing"
    folder.mkdir()
    drop(folder, "spa_2026_race_lap_analysis.csv")
    drop(folder, "spa_2026_race_classification_provisional.csv")
    fake = FakePlatform()

    async def go():
        dispatcher = spa.dispatcher({"fake": fake})
        assert await poll_and_send(AlKamelSource("spa-timing", "spa 2026", path=folder), spa, dispatcher) > 0
        after_first = facts(spa.db)
        sent = len(fake.sent)
        # The process restarts: a new source of the same name, the same folder.
        assert await poll_and_send(AlKamelSource("spa-timing", "spa 2026", path=folder), spa, dispatcher) == 0
        assert facts(spa.db) == after_first and len(fake.sent) == sent
        # A source of another name has read nothing yet.
        assert await spa.poll(AlKamelSource("other", "spa 2026", path=folder)) > 0

    asyncio.run(go())
    assert titles(fake)[-1] == "Ada Nord / Ben Oster / Cai Prado win — 6 Hours of Spa 2026"
    assert titles(fake).count("Ada Nord / Ben Oster / Cai Prado win — 6 Hours of Spa 2026") == 1
    assert spa.repositories.source_states.load("spa-timing").items > 0


class TimingScreen(Loopback):
    """Serves one classification file with Last-Modified and an ETag, and 304s."""

    def __init__(self, body: bytes):
        self.body, self.requests, self.not_modified = body, 0, 0

    async def handle(self, request):
        self.requests += 1
        etag, modified = f'"{len(self.body):x}-{hash(self.body) & 0xffff:x}"', "Sat, 09 May 2026 18:05:00 GMT"
        if request.headers.get("If-None-Match") == etag or request.headers.get("If-Modified-Since") == modified:
            self.not_modified += 1
            return web.Response(status=304)
        return web.Response(body=self.body, content_type="text/csv", headers={"ETag": etag, "Last-Modified": modified})

    async def start(self):
        base = await super().start([web.get("/Results/05_Classification_Race.CSV", self.handle)])
        return f"{base}/Results/05_Classification_Race.CSV"


def test_alkamel_a_classification_at_a_url_is_stored_once(spa):
    screen = TimingScreen((ALKAMEL / "spa_2026_race_classification_provisional.csv").read_bytes())
    fake = FakePlatform()

    async def go():
        url = await screen.start()
        source = AlKamelSource("spa-url", "spa 2026", url=url, feed=HttpFeed(RateLimit((10, 1.0))))
        dispatcher = spa.dispatcher({"fake": fake})
        assert await poll_and_send(source, spa, dispatcher) > 0
        stored = facts(spa.db)
        assert await poll_and_send(source, spa, dispatcher) == 0
        assert facts(spa.db) == stored
        await screen.stop()

    asyncio.run(go())
    assert screen.requests == 2 and screen.not_modified == 1
    assert titles(fake) == ["Ada Nord / Ben Oster / Cai Prado win — 6 Hours of Spa 2026"]
    assert status(spa, SPA, "race") == "finished"
    state = spa.repositories.source_states.load("spa-url")
    assert state.last_error is None and state.failures == 0


def test_alkamel_a_path_that_does_not_exist_is_a_clear_error(spa, tmp_path):
    missing = tmp_path / "no-such-folder"
    before = facts(spa.db)
    assert asyncio.run(spa.poll(AlKamelSource("spa-timing", "spa 2026", path=missing))) == 0
    state = spa.repositories.source_states.load("spa-timing")
    assert str(missing) in state.last_error and "fix the path" in state.last_error
    assert state.failures == 1 and state.next_poll > time.time()
    assert facts(spa.db) == before


@needs_shared
def test_alkamel_the_real_spa_2016_classification_gives_every_class_winner(tmp_path):
    folder = tmp_path / "timing"
    folder.mkdir()
    rested(Path(shutil.copy(SHARED / "alkamel" / "wec_2016_spa_race_classification.csv", folder)))
    series = Series("wec", "FIA World Endurance Championship")
    event = Event("wec-spa-2016", "wec", "6 Hours of Spa-Francorchamps", date(2016, 5, 7), "Europe/Brussels",
                  aliases=("spa 2016",))
    race = Session("wec-spa-2016/race", event.id, "race", "Race", status="scheduled")
    app = new_app(tmp_path / "wec.db", EventBundle(series, event, (Source("wec-calendar", "event_file", "Calendar"),),
                                                   (race,)))
    fake = FakePlatform()
    try:
        async def go():
            dispatcher = app.dispatcher({"fake": fake})
            return await poll_and_send(AlKamelSource("wec-timing", "spa 2016", path=folder), app, dispatcher)

        assert asyncio.run(go()) > 0
        assert app.repositories.source_states.load("wec-timing").last_error is None
        winners = {c: app.queries.results(race.id, c)[0].number for c in app.queries.classifications(race.id)}
        assert winners == {"": "8", "LMP1": "8", "LMP2": "36", "LMGTE Pro": "71", "LMGTE Am": "98"}
        assert titles(fake) == [
            "Lucas di Grassi / Loïc Duval / Oliver Jarvis win — 6 Hours of Spa-Francorchamps 2016"]
        assert status(app, "wec-spa-2016", "race") == "finished"
    finally:
        app.close()


def test_alkamel_an_hourly_classification_is_the_order_so_far_and_other_sessions_are_skipped(spa, tmp_path):
    folder = tmp_path / "timing"
    folder.mkdir()
    fake = FakePlatform()
    source = AlKamelSource("spa-timing", "spa 2026", path=folder)

    async def go():
        dispatcher = spa.dispatcher({"fake": fake})
        drop(folder, "spa_2026_race_classification_provisional.csv", "03_Classification_Race_Hour 3.CSV")
        drop(folder, "spa_2026_race_classification_official.csv", "01_Classification_Qualifying.CSV")
        hourly = await poll_and_send(source, spa, dispatcher)
        after_hour = (status(spa, SPA, "race"), titles(fake), spa.repositories.source_states.load("spa-timing").last_error,
                      [r.number for r in spa.queries.results(f"{SPA}/race", "LMGT3")])
        # The final classification arrives while the timing screen is still writing it:
        # not read until it has rested, then read once.
        final = folder / "05_Classification_Race_Official.CSV"
        final.write_bytes((ALKAMEL / "spa_2026_race_classification_official.csv").read_bytes())
        early = await poll_and_send(source, spa, dispatcher)
        rested(final)
        late = await poll_and_send(source, spa, dispatcher)
        return hourly, after_hour, early, late

    hourly, after_hour, early, late = asyncio.run(go())
    # The order after hour 3, and no finish post. The qualifying file (the official order's
    # content) was left alone: LMGT3 still reads as the hourly file has it.
    assert hourly > 0 and after_hour == ("live", [], None, ["92", "91"])
    assert early == 0 and late > 0
    assert status(spa, SPA, "race") == "finished" and len(titles(fake)) == 1 and " win — " in titles(fake)[0]
    assert "01_Classification_Qualifying.CSV" in seen_items(spa, "spa-timing")
    assert [r.number for r in spa.queries.results(f"{SPA}/race", "LMGT3")] == ["91", "92"]


def test_alkamel_each_hourly_classification_makes_an_hourly_post_for_channels_that_opted_in(spa, tmp_path):
    """A 6-hour race's classification after hour 3, then hour 4: the channels that asked
    (`/settings hourly:on`) get the class leaders each hour; the others only the finish."""
    folder = tmp_path / "timing"
    folder.mkdir()
    fake = FakePlatform()
    keen = spa.channels.ensure("fake", "keen")
    spa.channels.subscribe(keen.id, "event", SPA)
    answer = spa.ask("/settings hourly:on", spa.commands.context(channel=spa.channels.get(keen.id), is_admin=True))
    assert not answer.error and spa.channels.get(keen.id).hourly
    source = AlKamelSource("spa-timing", "spa 2026", path=folder)

    async def go():
        dispatcher = spa.dispatcher({"fake": fake})
        drop(folder, "spa_2026_race_classification_provisional.csv", "03_Classification_Race_Hour 3.CSV")
        await poll_and_send(source, spa, dispatcher)
        drop(folder, "spa_2026_race_classification_official.csv", "04_Classification_Race_Hour 4.CSV")
        await poll_and_send(source, spa, dispatcher)
        await poll_and_send(source, spa, dispatcher)  # nothing new: no post again
        drop(folder, "spa_2026_race_classification_official.csv", "05_Classification_Race_Official.CSV")
        await poll_and_send(source, spa, dispatcher)

    asyncio.run(go())
    keen_posts = fake.posts_to("keen")
    assert [m.title for m in keen_posts][:2] == ["After 3 hour(s) — 6 Hours of Spa 2026",
                                                 "After 4 hour(s) — 6 Hours of Spa 2026"]
    assert " win — " in keen_posts[2].title and len(keen_posts) == 3
    lines = keen_posts[0].blocks[0].text.splitlines()
    assert lines[0].startswith("Overall: ") and any(line.startswith("LMGT3: ") for line in lines)
    assert [m.title for m in fake.posts_to("fans")] == [keen_posts[2].title]  # not opted in
    # Until the finish the latest hour is the order so far; then the official classification.
    assert status(spa, SPA, "race") == "finished"
