"""Polling OpenF1 from a server on 127.0.0.1 that plays a race: each post once, in order;
and a server that misbehaves (429, 500, garbage, truncated JSON) changes nothing."""
import asyncio
import json
import time
from datetime import date

import pytest
from aiohttp import web

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.domain import Event, EventBundle, Series, Session, Source
from bot.platforms.fake import FakePlatform
from bot.render.text import render_text
from bot.sources.openf1_feed import OpenF1Source
from bot.sources.polling import HttpFeed
from tests.conftest import ROOT, deliveries, dump, new_store
from tests.loopback import Loopback


def rc(lap, text, flag=None, minute=0):
    return {"date": f"2026-03-29T05:{minute:02d}:00+00:00", "lap_number": lap, "message": text, "flag": flag,
            "category": "Other", "session_key": 9000}


class FakeOpenF1(Loopback):
    """Serves /v1/race_control, /v1/drivers, /v1/session_result, /v1/starting_grid and /v1/laps with
    ETags, as OpenF1 does: an empty list is a 404 saying "No results found."; another path
    is a 404 too, saying "Not Found". With `account` set, it wants a bearer token from
    /token (form username and password), valid `lifetime` seconds; `mode` makes it misbehave."""

    def __init__(self, account: tuple[str, str] | None = None, lifetime: int = 3600):
        self.race_control, self.results, self.mode, self.requests = [], [], None, 0
        self.drivers, self.grid, self.laps, self.asked = [], [], [], []
        self.fail_once: set[str] = set()  # documents that answer 502 once
        self.sessions = [{"session_key": 9000, "session_type": "Race", "date_start": "2026-03-29T05:00:00+00:00"}]
        self.account, self.lifetime, self.tokens, self.refused = account, lifetime, [], 0
        self.nothing = 0  # "No results found." answers given

    async def token(self, request):
        form = await request.post()
        if self.account is None or (form.get("username"), form.get("password")) != self.account:
            return web.json_response({"detail": "Incorrect username or password"}, status=401)
        self.tokens.append(f"tok{sum(t.startswith('tok') for t in self.tokens) + 1}")
        return web.json_response({"access_token": self.tokens[-1], "token_type": "bearer",
                                  "expires_in": self.lifetime})

    async def handle(self, request):
        self.requests += 1
        if self.account is not None and request.headers.get("Authorization") != f"Bearer {(self.tokens or ['-'])[-1]}":
            self.refused += 1
            return web.json_response({"detail": "Not authenticated"}, status=401)
        if self.mode == "429":
            return web.Response(status=429, headers={"Retry-After": "7"})
        if self.mode == "hang":  # a server that stops answering mid-race (for longer than the test lasts)
            await asyncio.sleep(3)
        if self.mode == "500":
            return web.Response(status=500, text="boom")
        if self.mode == "garbage":
            return web.Response(text="<html>maintenance</html>", content_type="text/html")
        if self.mode == "304":  # a broken cache in front of the API
            return web.Response(status=304)
        if self.mode == "truncated":
            return web.Response(text='[{"lap_number": 3, "mess', content_type="application/json")
        what = request.match_info["what"]
        self.asked.append(what)
        if what in self.fail_once:
            self.fail_once.discard(what)
            return web.Response(status=502, text="bad gateway")
        records = {"race_control": self.race_control, "drivers": self.drivers, "session_result": self.results,
                   "starting_grid": self.grid, "sessions": self.sessions, "laps": self.laps}.get(what)
        if not records:
            self.nothing += records is not None
            return web.json_response({"detail": "No results found." if records is not None else "Not Found"},
                                     status=404)
        body = json.dumps(records)
        etag = f'"{hash(body) & 0xffffffff:x}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304)
        return web.Response(text=body, content_type="application/json", headers={"ETag": etag})

    async def start(self):
        self.base_url = await super().start([web.get("/v1/{what}", self.handle), web.post("/token", self.token)]) + "/v1"
        return self.base_url


# UNPACED: the sources polled in-process get a feed of their own, without OpenF1's request
# limit (30 per 10 s, paced a third of a second apart): the fake server keeps none, and the
# pacing would make every poll take a second. `pitboard run` and `pitboard poll` below keep
# it (they build their sources from the config file).


def f1_app(db_path, with_event: bool = True):
    """A store that knows the Japanese Grand Prix 2026 (race not started) and a channel
    following everything."""
    app = bootstrap(Config(db_path=new_store(db_path), seed_events=False))
    app.channels.subscribe(app.channels.ensure("fake", "fans").id, "all", "")
    if with_event:
        add_calendar(app)
    return app


def add_calendar(app):
    """The event file's facts: the Japanese Grand Prix 2026, its race not started."""
    series = Series("f1", "Formula 1")
    event = Event("japanese-grand-prix-2026", "f1", "Japanese Grand Prix", date(2026, 3, 29), "Asia/Tokyo",
                  aliases=("suzuka 2026",))
    race = Session("japanese-grand-prix-2026/race", event.id, "race", "Race", status="scheduled")
    app.store([EventBundle(series, event, (Source("f1-calendar", "event_file", "Calendar"),), (race,))], "calendar")


@pytest.fixture
def f1(tmp_path):
    app = f1_app(tmp_path / "feed.db")
    yield app
    app.close()


def test_a_race_played_by_the_server_posts_safety_car_in_and_finish_once_each(f1):
    server, fake = FakeOpenF1(), FakePlatform()

    async def go():
        base = await server.start()
        source = OpenF1Source("openf1-suzuka", base, 9000, "suzuka 2026", feed=HttpFeed())  # see UNPACED
        dispatcher = f1.dispatcher({"fake": fake})

        async def step():
            await f1.poll(source)
            await dispatcher.run_until_idle(poll=0.01)

        server.race_control = [rc(1, "GREEN LIGHT - PIT EXIT OPEN", "GREEN", 1), rc(22, "SAFETY CAR DEPLOYED", None, 30)]
        await step()
        server.race_control.append(rc(27, "SAFETY CAR IN THIS LAP", None, 40))
        await step()
        await step()  # nothing new: the server answers 304
        server.race_control += [rc(53, "CHEQUERED FLAG", "CHEQUERED", 90), rc(53, "SESSION FINISHED", None, 91)]
        server.results = [{"position": 1, "driver_number": 12, "number_of_laps": 53, "duration": 5283.4,
                           "gap_to_leader": 0},
                          {"position": 2, "driver_number": 63, "number_of_laps": 53, "duration": 5286.0,
                           "gap_to_leader": 2.6}]
        await step()
        await step()
        # A penalty after the flag: the stewards drop #12 behind #63; the result is revised.
        server.results = [{**server.results[1], "position": 1, "gap_to_leader": 0},
                          {**server.results[0], "position": 2, "gap_to_leader": 5.0}]
        await step()
        await step()
        await server.runner.cleanup()

    asyncio.run(go())
    titles = [m.title for m in fake.posts_to("fans")]
    assert titles == ["Safety car — Japanese Grand Prix 2026", "Safety car in — Japanese Grand Prix 2026",
                      "#12 wins — Japanese Grand Prix 2026"]
    # The revision corrects the finish post in place: one edit, no second finish post.
    assert [e.message.title for e in fake.edits] == ["Corrected: #63 wins — Japanese Grand Prix 2026"]
    assert fake.edits[0].message_id == fake.sent[2].message_id
    assert f1.queries.sessions("japanese-grand-prix-2026")[0].status == "finished"
    assert f1.repositories.source_states.load("openf1-suzuka").last_error is None


def test_a_finished_race_s_laps_are_read_once_with_each_car_s_place_at_the_line(f1):
    """After the flag, /laps is read (once: unchanged, it costs a 304) and stored for /chart:
    a lap ends when the car's next one begins (OpenF1 often gives the first no time)."""
    server = FakeOpenF1()

    def lap(number, n, start_s, duration):
        return {"driver_number": number, "lap_number": n, "lap_duration": duration,
                "date_start": f"2026-03-29T05:{start_s // 60:02d}:{start_s % 60:02d}+00:00"}

    async def go():
        base = await server.start()
        source = OpenF1Source("openf1-suzuka", base, 9000, "suzuka 2026", feed=HttpFeed())
        server.race_control = [rc(1, "GREEN LIGHT - PIT EXIT OPEN", "GREEN", 1)]
        server.laps = [lap(12, 1, 0, None), lap(63, 1, 0, None)]  # mid-race: not read yet
        await f1.poll(source)
        assert "laps" not in server.asked
        server.race_control.append(rc(3, "CHEQUERED FLAG", "CHEQUERED", 90))
        server.results = [{"position": 1, "driver_number": 63, "number_of_laps": 3, "duration": 300.0,
                           "gap_to_leader": 0}, {"position": 2, "driver_number": 12, "number_of_laps": 3,
                                                  "duration": 302.5, "gap_to_leader": 2.5}]
        # #12 leads lap 1, #63 passes it on lap 2 and wins.
        server.laps = [lap(12, 1, 0, None), lap(12, 2, 100, 101.0), lap(12, 3, 201, 101.5),
                       lap(63, 1, 0, None), lap(63, 2, 101, 99.0), lap(63, 3, 200, 100.0)]
        await f1.poll(source)
        await f1.poll(source)
        await server.runner.cleanup()

    asyncio.run(go())
    race = f1.queries.sessions("japanese-grand-prix-2026")[0]
    laps = f1.queries.laps(race.id)
    assert [(x.lap, x.number, x.position) for x in laps] == [
        (1, "12", 1), (1, "63", 2), (2, "63", 1), (2, "12", 2), (3, "63", 1), (3, "12", 2)]
    assert [x.elapsed_ms for x in laps if x.number == "63"] == [101_000, 200_000, 300_000]
    assert f1.repositories.source_states.load("openf1-suzuka").last_error is None
    assert server.asked.count("laps") == 2  # the second time answered 304


@pytest.mark.parametrize("mode, says, wait", [("429", "429", 7.0), ("500", "500", 2.0),
                                              ("garbage", "not JSON", 2.0), ("truncated", "not JSON", 2.0),
                                              ("304", "304 Not Modified", 2.0)])
def test_a_misbehaving_server_changes_nothing_and_the_source_backs_off(f1, mode, says, wait):
    server = FakeOpenF1()
    before = dump(f1.db)

    async def go():
        base = await server.start()
        source = OpenF1Source("openf1-suzuka", base, 9000, "suzuka 2026", feed=HttpFeed())  # see UNPACED
        server.mode = mode
        assert await f1.poll(source) == 0
        asked = server.requests
        assert await f1.poll(source) == 0  # backing off: the server is not asked again yet
        assert server.requests == asked
        await server.runner.cleanup()

    asyncio.run(go())
    state = f1.repositories.source_states.load("openf1-suzuka")
    assert says in state.last_error and state.failures == 1
    after = dump(f1.db)
    del after["source_state"]
    assert after == {k: v for k, v in before.items() if k != "source_state"}
    assert wait - 1 <= state.next_poll - time.time() <= wait + 1


def test_pitboard_run_polls_the_configured_feed_and_posts_the_race_once_each(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT
    from tests.e2e.loop_thread import LoopThread, wait

    db_path = tmp_path / "run.db"
    f1_app(db_path).close()
    server = FakeOpenF1()
    server.race_control = [rc(22, "SAFETY CAR DEPLOYED", None, 30)]
    with LoopThread(server) as loop:
        (tmp_path / "events").mkdir()
        config = tmp_path / "pitboard.toml"
        config.write_text(f"""[database]
events_dir = "events"
seed_events = false

[[sources]]
name = "openf1-suzuka"
kind = "openf1"
url = "{server.base_url}"
session_key = 9000
event = "suzuka 2026"
interval = 1
live_interval = 1
# The fake keeps no request limits: no need to pace a poll's requests a third of a second apart.
request_limits = false
""", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_BOT_TOKEN", "TELEGRAM_BOT_TOKEN")}
        env.update(PITBOARD_DB=str(db_path), PITBOARD_CONFIG=str(config), PYTHONPATH=str(ROOT))
        proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, cwd=ROOT)
        out = b""
        try:
            os.set_blocking(proc.stdout.fileno(), False)

            def seen(text):
                nonlocal out
                out += proc.stdout.read() or b""
                return text.encode() in out

            wait(lambda: seen("Safety car — Japanese Grand Prix 2026"), "the safety-car post", 30)

            def finish_race():
                server.race_control += [rc(27, "SAFETY CAR IN THIS LAP", None, 40),
                                        rc(53, "CHEQUERED FLAG", "CHEQUERED", 90)]
                server.results = [{"position": 1, "driver_number": 12, "number_of_laps": 53, "duration": 5283.4,
                                   "gap_to_leader": 0}]
            loop.call(finish_race)
            wait(lambda: seen("#12 wins"), "the finish post", 30)
            # More polls of the unchanged feed, each finished (its time stored), then every
            # console delivery sent: nothing more can go out, so a double would be in `out`.
            app = bootstrap(Config(db_path=db_path, seed_events=False))

            def last_poll():
                return app.repositories.source_states.load("openf1-suzuka").last_poll

            for _ in range(2):
                before = last_poll()
                wait(lambda: last_poll() != before, "one more poll", 30)
            wait(lambda: deliveries(app.db, "console") == {"sent": 3}, "every console delivery sent")
            # The server stops answering: the next poll hangs, and the stop comes during it.
            loop.call(lambda: setattr(server, "mode", "hang"))
            requests = loop.call(lambda: server.requests)
            wait(lambda: loop.call(lambda: server.requests) > requests, "a poll under way", 30)
            app.close()
            seen("")
            proc.send_signal(signal.SIGTERM)
            rest, err = proc.communicate(timeout=20)
            out += rest or b""
        finally:
            proc.kill()
    text = out.decode()
    titles = [line for line in text.splitlines() if "Japanese Grand Prix 2026" in line and "—" in line]
    assert titles == ["Safety car — Japanese Grand Prix 2026", "Safety car in — Japanese Grand Prix 2026",
                      "#12 wins — Japanese Grand Prix 2026"]
    assert proc.returncode == 0, err.decode()
    # Stopped in the middle of a poll: no traceback; the scheduler's chatter is not shown.
    log = err.decode()
    assert "Traceback" not in log and "CancelledError" not in log, log
    assert "apscheduler" not in log and "Added job" not in log and "maximum number of running" not in log, log


def test_sources_and_poll_on_the_command_line(tmp_path, capsys, monkeypatch):
    from bot.cli import main

    db_path = tmp_path / "cli.db"
    f1_app(db_path).close()
    server = FakeOpenF1()
    server.race_control = [rc(22, "SAFETY CAR DEPLOYED", None, 30)]

    async def serve_and_run():
        base = await server.start()
        config = tmp_path / "pitboard.toml"
        # The fake keeps no request limits: no need to pace the poll's requests.
        config.write_text(f'[[sources]]\nname = "f"\nkind = "openf1"\nurl = "{base}"\nsession_key = 9000\n'
                          f'event = "suzuka 2026"\nrequest_limits = false\n', encoding="utf-8")
        monkeypatch.setenv("PITBOARD_DB", str(db_path))
        monkeypatch.setenv("PITBOARD_CONFIG", str(config))
        # The CLI runs its own event loop; run it in a thread so the server keeps serving here.
        codes = [await asyncio.to_thread(main, ["poll", "f"]), await asyncio.to_thread(main, ["poll", "nope"]),
                 await asyncio.to_thread(main, ["sources"])]
        await server.stop()
        return codes

    codes = asyncio.run(serve_and_run())
    captured = capsys.readouterr()
    assert codes == [0, 1, 0]
    assert "f: 1 facts stored." in captured.out and "No source 'nope'" in captured.err
    assert "last error: none" in captured.out and "1 items" in captured.out


def test_only_a_source_told_so_polls_without_the_apis_request_limits(tmp_path):
    from bot.config import SourceSpec
    from bot.sources.openf1_feed import ACCOUNT_LIMITS, ANONYMOUS_LIMITS

    specs = [SourceSpec(name, "openf1", "http://127.0.0.1:9/v1", "suzuka 2026", 9000, request_limits=limits)
             for name, limits in (("openf1", True), ("test-server", False))]
    app = bootstrap(Config(db_path=new_store(tmp_path / "sources.db"), seed_events=False, sources=tuple(specs)))
    account = {"OPENF1_USERNAME": "fan@example.org", "OPENF1_PASSWORD": "s3cret"}
    try:
        kept, free = app.sources(env={})
        with_account, free_with_account = app.sources(env=account)
    finally:
        app.close()
    assert (kept.feed.limit.windows, kept.feed.limit.spacing, kept.feed.auth) == (ANONYMOUS_LIMITS, 2.0, None)
    assert (free.feed.limit.windows, free.feed.limit.spacing) == ((), 0.0)
    # An account lifts OpenF1's limits (we keep gentler ones) and brings a token from /token.
    assert (with_account.feed.limit.windows, with_account.feed.auth.token_url) == (ACCOUNT_LIMITS,
                                                                                  "http://127.0.0.1:9/token")
    assert free_with_account.feed.auth is not None and "s3cret" not in repr(with_account.feed.auth)


def test_driver_names_come_from_the_drivers_feed_and_qualifying_posts_the_pole_from_the_grid(f1):
    server, fake = FakeOpenF1(), FakePlatform()
    server.drivers = [{"driver_number": 12, "first_name": "Kimi", "last_name": "Antonelli", "full_name": "Kimi ANTONELLI"},
                      {"driver_number": 63, "full_name": "George RUSSELL"}]
    server.race_control = [rc(None, "CHEQUERED FLAG", "CHEQUERED", 60)]
    server.grid = [{"position": 2, "driver_number": 63, "lap_duration": 88.9},
                   {"position": 1, "driver_number": 12, "lap_duration": 88.7}]

    async def go():
        base = await server.start()
        source = OpenF1Source("openf1-suzuka-q", base, 9001, "suzuka 2026", "qualifying",
                              feed=HttpFeed())  # see UNPACED
        await f1.poll(source)
        await f1.dispatcher({"fake": fake}).run_until_idle(poll=0.01)
        await server.stop()

    asyncio.run(go())
    assert set(server.asked) == {"race_control", "drivers", "session_result", "starting_grid", "sessions"}
    posts = fake.posts_to("fans")
    assert [p.title for p in posts] == ["Pole position: Kimi Antonelli"]
    text = render_text(posts[0])
    assert "Japanese Grand Prix" in text and "1:28.700" in text and "George Russell" in text


def test_a_car_the_driver_list_lacks_is_named_from_the_grid_already_stored(f1):
    """The race's driver list misses #63 (a late substitute, a feed glitch): the grid read
    from qualifying names him, so the finish does not say "#63"."""
    server, fake = FakeOpenF1(), FakePlatform()
    server.drivers = [{"driver_number": 12, "first_name": "Kimi", "last_name": "Antonelli"}]
    server.race_control = [rc(None, "CHEQUERED FLAG", "CHEQUERED", 60)]
    server.grid = [{"position": 1, "driver_number": 63, "lap_duration": 88.7}]

    async def go():
        base = await server.start()
        qualifying = OpenF1Source("openf1-q", base, 9001, "suzuka 2026", "qualifying", feed=HttpFeed())
        server.drivers.append({"driver_number": 63, "first_name": "George", "last_name": "Russell"})
        await f1.poll(qualifying)  # the grid, with the name of #63
        server.drivers.pop()
        server.results = [{"position": 1, "driver_number": 63, "number_of_laps": 53, "duration": 5283.4},
                          {"position": 2, "driver_number": 12, "number_of_laps": 53, "duration": 5290.0}]
        server.race_control = [rc(53, "CHEQUERED FLAG", "CHEQUERED", 90)]
        await f1.poll(OpenF1Source("openf1-race", base, 9000, "suzuka 2026", feed=HttpFeed()))
        await f1.dispatcher({"fake": fake}).run_until_idle(poll=0.01)
        await server.stop()

    asyncio.run(go())
    assert [p.title for p in fake.posts_to("fans")][-1] == "George Russell wins — Japanese Grand Prix 2026"
    assert "#63" not in render_text(fake.posts_to("fans")[-1])


SHARED = ROOT.parent / "shared" / "data" / "openf1"


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared OpenF1 files are not here")
def test_the_real_suzuka_race_control_replayed_message_by_message_posts_each_update_once_in_order(f1):
    """The 2026 Japanese GP's 49 race-control messages appear on the server a few at a time,
    as they did during the race; the result appears with the chequered flag."""
    messages = sorted(json.loads((SHARED / "openf1_2026_suzuka_race_race_control.json").read_text()),
                      key=lambda m: m["date"])
    result = json.loads((SHARED / "openf1_2026_suzuka_race_session_result.json").read_text())
    server, fake = FakeOpenF1(), FakePlatform()
    seen_after = []

    async def go():
        base = await server.start()
        # Polled back to back, faster than a live race: without OpenF1's request limit.
        source = OpenF1Source("openf1-suzuka", base, 11253, "suzuka 2026", feed=HttpFeed())
        dispatcher = f1.dispatcher({"fake": fake})
        for i in range(0, len(messages), 3):
            server.race_control = messages[: i + 3]
            if any(m.get("flag") == "CHEQUERED" for m in server.race_control):
                server.results = result
            await f1.poll(source)
            await dispatcher.run_until_idle(poll=0.01)
            seen_after.append(({m["message"] for m in server.race_control}, len(fake.posts_to("fans"))))
        for _ in range(3):  # the feed goes quiet: more polls change nothing
            await f1.poll(source)
            await dispatcher.run_until_idle(poll=0.01)
        await server.stop()

    asyncio.run(go())
    titles = [p.title for p in fake.posts_to("fans")]
    assert titles == ["Safety car — Japanese Grand Prix 2026", "Safety car in — Japanese Grand Prix 2026",
                      "#12 wins — Japanese Grand Prix 2026"]
    # Each post went out at the poll that first saw its message, never before: the
    # deployment, the return, the flag (the drivers and the result answered "No results
    # found." until then, which is no failure).
    for count, message in enumerate(("SAFETY CAR DEPLOYED", "SAFETY CAR IN THIS LAP", "CHEQUERED FLAG"), 1):
        poll = next(n for n, (texts, _) in enumerate(seen_after) if message in texts)
        assert seen_after[poll][1] == count and (poll == 0 or seen_after[poll - 1][1] == count - 1), message
    assert server.nothing > 0 and f1.repositories.source_states.load("openf1-suzuka").failures == 0
    incidents = f1.queries.incidents("japanese-grand-prix-2026/race")
    assert [(i.kind, i.start_lap, i.end_lap) for i in incidents] == [("safety_car", 22, 27)]
    assert f1.queries.sessions("japanese-grand-prix-2026")[0].status == "finished"


def test_a_feed_read_before_its_event_was_imported_is_stored_once_the_event_is(tmp_path):
    app, server, fake = f1_app(tmp_path / "late.db", with_event=False), FakeOpenF1(), FakePlatform()
    server.race_control = [rc(22, "SAFETY CAR DEPLOYED", None, 30)]

    async def go():
        base = await server.start()
        source = OpenF1Source("openf1-suzuka", base, 9000, "suzuka 2026", feed=HttpFeed())  # see UNPACED
        await app.poll(source)
        missing = app.repositories.source_states.load("openf1-suzuka")
        add_calendar(app)
        source_state = app.db["source_state"]
        source_state.update("openf1-suzuka", {"next_poll": 0})  # the backoff is over
        stored = await app.poll(source)  # every document unchanged (304): still news
        await app.dispatcher({"fake": fake}).run_until_idle(poll=0.01)
        await server.stop()
        return missing, stored

    missing, stored = asyncio.run(go())
    assert "no event 'suzuka 2026' is known" in missing.last_error and missing.failures == 1
    assert stored == 1 and [m.title for m in fake.posts_to("fans")] == ["Safety car — Japanese Grand Prix 2026"]
    assert app.repositories.source_states.load("openf1-suzuka").last_error is None
    app.close()


def test_an_endpoint_failing_keeps_what_the_others_read_and_the_next_poll_fills_in(f1):
    server, fake = FakeOpenF1(), FakePlatform()
    server.race_control = [rc(22, "SAFETY CAR DEPLOYED", None, 30)]

    async def go():
        base = await server.start()
        source = OpenF1Source("openf1-suzuka", base, 9000, "suzuka 2026", feed=HttpFeed())
        dispatcher = f1.dispatcher({"fake": fake})
        await f1.poll(source)
        # The flag falls; race control is read (and its new ETag kept), then /session_result
        # fails: the periods and the flag are stored all the same, the failure named.
        server.race_control += [rc(27, "SAFETY CAR IN THIS LAP", None, 40), rc(53, "CHEQUERED FLAG", "CHEQUERED", 90)]
        server.results = [{"position": 1, "driver_number": 12, "number_of_laps": 53, "duration": 5283.4}]
        server.fail_once.add("session_result")
        assert await f1.poll(source) == 1  # the safety car's period, now over
        failed = f1.repositories.source_states.load("openf1-suzuka")
        assert failed.next_poll == 0  # no backoff: the next poll asks again
        await f1.poll(source)  # race control answers 304 now: the result is still read and stored
        await dispatcher.run_until_idle(poll=0.01)
        await server.stop()
        return failed

    failed = asyncio.run(go())
    assert "/session_result: 502" in failed.last_error and failed.failures == 0
    assert f1.repositories.source_states.load("openf1-suzuka").last_error is None
    assert [m.title for m in fake.posts_to("fans")] == [
        "Safety car — Japanese Grand Prix 2026", "Safety car in — Japanese Grand Prix 2026",
        "#12 wins — Japanese Grand Prix 2026"]


def test_a_session_key_of_another_meeting_stores_nothing_and_says_so(f1):
    server = FakeOpenF1()
    server.sessions = [{"session_key": 9000, "session_type": "Race", "date_start": "2026-05-03T19:00:00+00:00"}]
    server.race_control = [rc(22, "SAFETY CAR DEPLOYED", None, 30)]
    before = {k: v for k, v in dump(f1.db).items() if k != "source_state"}

    async def go():
        base = await server.start()
        await f1.poll(OpenF1Source("openf1-suzuka", base, 9000, "suzuka 2026", feed=HttpFeed()))  # see UNPACED
        await server.stop()

    asyncio.run(go())
    state = f1.repositories.source_states.load("openf1-suzuka")
    assert "held on 2026-05-03" in state.last_error and "fix session_key" in state.last_error
    assert {k: v for k, v in dump(f1.db).items() if k != "source_state"} == before


def test_no_results_yet_is_an_empty_list_but_a_wrong_address_is_an_error(f1):
    """OpenF1 answers a session with no race control yet by a 404 saying "No results found.":
    nothing to post and nothing wrong. A 404 for a path it does not have is a mistake to fix."""
    server, fake = FakeOpenF1(), FakePlatform()

    async def go():
        base = await server.start()
        source = OpenF1Source("openf1-suzuka", base, 9000, "suzuka 2026", feed=HttpFeed())
        wrong = OpenF1Source("wrong", base.replace("/v1", "/v2"), 9000, "suzuka 2026", feed=HttpFeed())
        dispatcher = f1.dispatcher({"fake": fake})
        await f1.poll(source)
        quiet = f1.repositories.source_states.load("openf1-suzuka")
        server.race_control = [rc(4, "SAFETY CAR DEPLOYED", None, 10)]
        await f1.poll(source)
        await f1.poll(wrong)
        await dispatcher.run_until_idle(poll=0.01)
        await server.stop()
        return quiet

    quiet = asyncio.run(go())
    assert (quiet.failures, quiet.last_error, quiet.next_poll) == (0, None, 0.0)
    assert [m.title for m in fake.posts_to("fans")] == ["Safety car — Japanese Grand Prix 2026"]
    wrong = f1.repositories.source_states.load("wrong")
    assert wrong.failures == 1 and "404 from http://127.0.0.1" in wrong.last_error and "/v2/race_control" in wrong.last_error


def test_live_data_with_an_account_a_token_fetched_renewed_and_never_shown(f1, caplog):
    """An account's username and password buy a bearer token from /token; it is renewed
    before it expires and again when the API refuses it; a wrong password is named as such,
    and neither the password nor a token appears in the source's error or the log."""
    from bot.sources.oauth import PasswordGrant

    server, fake = FakeOpenF1(account=("fan@example.org", "pw-Secret-42"), lifetime=3600), FakePlatform()
    clock = [1000.0]
    outcome = {}

    async def go():
        base = await server.start()
        token_url = base.replace("/v1", "/token")
        grant = PasswordGrant(token_url, "fan@example.org", "pw-Secret-42", names="$OPENF1_USERNAME and "
                              "$OPENF1_PASSWORD", clock=lambda: clock[0])
        source = OpenF1Source("openf1-suzuka", base, 9000, "suzuka 2026", feed=HttpFeed(auth=grant))
        dispatcher = f1.dispatcher({"fake": fake})
        server.race_control = [rc(4, "SAFETY CAR DEPLOYED", None, 10)]
        await f1.poll(source)
        await f1.poll(source)
        outcome["after two polls"] = list(server.tokens)
        clock[0] += 3600 - 60  # a minute before it expires: renewed before use
        await f1.poll(source)
        outcome["renewed"] = list(server.tokens)
        server.tokens.append("revoked-elsewhere")  # the API no longer takes ours
        server.race_control.append(rc(7, "SAFETY CAR IN THIS LAP", None, 20))
        await f1.poll(source)
        outcome["after a refusal"] = (list(server.tokens), server.refused)
        bad = OpenF1Source("bad-account", base, 9000, "suzuka 2026",
                           feed=HttpFeed(auth=PasswordGrant(token_url, "fan@example.org", "wrong-Password-7",
                                                            names="$OPENF1_USERNAME and $OPENF1_PASSWORD")))
        await f1.poll(bad)
        await dispatcher.run_until_idle(poll=0.01)
        await server.stop()

    asyncio.run(go())
    assert outcome["after two polls"] == ["tok1"]  # one token for both polls
    assert outcome["renewed"] == ["tok1", "tok2"]
    assert outcome["after a refusal"] == (["tok1", "tok2", "revoked-elsewhere", "tok3"], 1)
    assert [m.title for m in fake.posts_to("fans")] == ["Safety car — Japanese Grand Prix 2026",
                                                        "Safety car in — Japanese Grand Prix 2026"]
    bad = f1.repositories.source_states.load("bad-account")
    assert "refused the account (401): check $OPENF1_USERNAME and $OPENF1_PASSWORD" in bad.last_error
    shown = bad.last_error + caplog.text + repr(dump(f1.db))
    assert not any(secret in shown for secret in ("pw-Secret-42", "wrong-Password-7", "tok1", "tok2", "tok3"))
