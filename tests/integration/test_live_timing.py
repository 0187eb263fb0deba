"""Timing files read while they grow, as a timing screen publishes them during the race:
each neutralisation posted once when the first cars cross the line under it, its end only
once a car crosses under another flag (with the right laps), the finish flag giving a
provisional result that the classification later corrects in place.

The real WEC 6 Hours of Imola 2025 lap analysis (../shared/data) is served from 127.0.0.1
growing one leader lap per poll; a race of our own checks a leader changing between two
reads, a red flag and its restart, and the classification's correction."""
import asyncio
import csv
import io
from datetime import date
from pathlib import Path

import pytest
from aiohttp import web

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.domain import Event, EventBundle, Incident, Series, Session, Source
from bot.laptime import format_lap_time, parse_lap_time
from bot.platforms.fake import FakePlatform
from bot.sources.alkamel_feed import AlKamelSource
from bot.sources.polling import HttpFeed
from tests.conftest import new_store
from tests.loopback import Loopback

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "alkamel"


class TimingScreen(Loopback):
    """Serves whatever `files` holds now (name -> bytes) with ETags, as a results page does."""

    def __init__(self):
        self.files: dict[str, bytes] = {}

    async def handle(self, request):
        body = self.files.get(request.match_info["name"])
        if body is None:
            return web.Response(status=404, text="not yet")
        etag = f'"{len(body):x}-{hash(body) & 0xffffffff:x}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304)
        return web.Response(body=body, content_type="text/csv", headers={"ETag": etag})

    async def start(self):
        return await super().start([web.get("/Results/{name}", self.handle)]) + "/Results/"


def new_app(tmp_path, event: Event):
    """A store that knows `event` (its race not started) and a channel following everything."""
    app = bootstrap(Config(db_path=new_store(tmp_path / "live.db"), seed_events=False))
    race = Session(f"{event.id}/race", event.id, "race", "Race", status="scheduled")
    source = Source("calendar", "event_file", "Calendar")
    app.store([EventBundle(Series(event.series_id, event.series_id.upper()), event, (source,), (race,))], "calendar")
    app.channels.subscribe(app.channels.ensure("fake", "fans").id, "all", "")
    return app


class Race:
    """A lap analysis told as it grows: rows revealed up to the leader's crossing of a lap."""

    def __init__(self, text: str):
        self.text = text.lstrip("\ufeff")
        lines = self.text.splitlines()
        self.header, self.rows = lines[0], lines[1:]
        reader = csv.reader(io.StringIO(self.text), delimiter=";")
        columns = [c.strip() for c in next(reader)]
        lap_at, elapsed_at = columns.index("LAP_NUMBER"), columns.index("ELAPSED")
        self.crossings = [(parse_lap_time(r[elapsed_at]), int(r[lap_at])) for r in reader]
        self.leader = {}
        for at, lap in self.crossings:
            self.leader[lap] = min(at, self.leader.get(lap, at))

    def until(self, lap: int) -> bytes:
        """The file as it stood just after the leader completed `lap` (all of it past the end)."""
        cut = self.leader.get(lap, float("inf"))
        kept = [row for row, (at, _) in zip(self.rows, self.crossings) if at <= cut]
        return ("\n".join([self.header] + kept) + "\n").encode()


def play(app, race: Race, laps: list[int], event: str, name: str = "23_Analysis_Race.CSV", then=None):
    """Poll the growing file once per lap in `laps`; returns [(lap, titles posted so far)]."""
    screen, fake = TimingScreen(), FakePlatform()
    seen = []

    async def go():
        base = await screen.start()
        source = AlKamelSource("timing", event, url=base + name, feed=HttpFeed())
        dispatcher = app.dispatcher({"fake": fake})
        for lap in laps:
            screen.files[name] = race.until(lap)
            await app.poll(source)
            await dispatcher.run_until_idle(poll=0.01)
            seen.append((lap, [m.title for m in fake.posts_to("fans")]))
        if then is not None:
            for _ in then(screen, base):
                await app.poll(AlKamelSource("results", event, url=base + _, feed=HttpFeed()))
                await dispatcher.run_until_idle(poll=0.01)
        await screen.stop()
        state = app.repositories.source_states.load("timing")
        assert state.last_error is None and state.failures == 0

    asyncio.run(go())
    return seen, fake


def first_poll(seen, title: str, nth: int = 1) -> int:
    """The lap of the poll after which the `nth` post titled `title` had gone out."""
    return next(lap for lap, titles in seen if titles.count(title) >= nth)


IMOLA = Event("wec-imola-2025", "wec", "6 Hours of Imola", date(2025, 4, 20), "Europe/Rome",
              aliases=("imola 2025",), classes=("HYPERCAR", "LMGT3"))
# The periods of that race, by the leader's laps (FCY 22-23, SC 56-59, FCY 70, SC 134-137).
IMOLA_PERIODS = [("full_course_yellow", 22, 23), ("safety_car", 56, 59), ("full_course_yellow", 70, 70),
                 ("safety_car", 134, 137)]


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared Al Kamel files are not here")
def test_the_real_imola_lap_analysis_growing_lap_by_lap_posts_each_period_once_and_never_early(tmp_path):
    race = Race((SHARED / "wec_2025_imola_6h_lap_analysis.csv").read_text(encoding="utf-8"))
    # Every leader lap around each period (and a few elsewhere, and the finish): "within
    # two polls" is then within two leader laps.
    laps = sorted({lap for _, start, end in IMOLA_PERIODS for lap in range(start - 1, end + 3)}
                  | set(range(1, 213, 40)) | {211, 212, 213})
    app = new_app(tmp_path, IMOLA)
    try:
        seen, fake = play(app, race, laps, "imola 2025")
        incidents = app.queries.incidents("wec-imola-2025/race")
    finally:
        app.close()
    event = "6 Hours of Imola 2025"
    fcy, fcy_over = f"Full-course yellow — {event}", f"Full-course yellow over — {event}"
    sc, sc_in = f"Safety car — {event}", f"Safety car in — {event}"
    winner = f"James Calado / Antonio Giovinazzi / Alessandro Pier Guidi win — {event}"
    assert seen[-1][1] == [fcy, fcy_over, sc, sc_in, fcy, fcy_over, sc, sc_in, winner]
    assert [(i.kind, i.start_lap, i.end_lap) for i in incidents] == IMOLA_PERIODS
    # Each period's first post once cars crossed under it (by the leader's next lap at the
    # latest), its end once a car crossed under green after it, never before.
    starts = {"full_course_yellow": fcy, "safety_car": sc}
    ends = {"full_course_yellow": fcy_over, "safety_car": sc_in}
    count = {}
    for kind, start, end in IMOLA_PERIODS:
        count[kind] = count.get(kind, 0) + 1
        began, over = first_poll(seen, starts[kind], count[kind]), first_poll(seen, ends[kind], count[kind])
        assert start <= began <= start + 2, (kind, start, began)
        assert end + 1 <= over <= end + 2, (kind, end, over)
    assert first_poll(seen, winner) == 212  # the leader's finish flag
    # A period's post is never changed afterwards: no wrong lap was ever told.
    assert all("Corrected" not in e.message.title for e in fake.edits if " win" not in e.message.title)
    assert all(" win" in e.message.title for e in fake.edits)


# A race of our own: three cars, one overtaking the leader, a full-course yellow, a red flag
# and the restart, then the finish flag; written lap by lap on a race clock.
HEADER = "NUMBER; DRIVER_NUMBER; LAP_NUMBER; LAP_TIME; ELAPSED; FLAG_AT_FL; CLASS; DRIVER_NAME; TEAM;"
CARS = {"1": ("PRO", "Ada Nord", "Team Nord"), "2": ("PRO", "Ben Oster", "Oster Racing"),
        "3": ("AM", "Cai Prado", "Prado Motorsport")}


def our_race(flags=lambda t: "GF", laps: int = 12) -> str:
    """#1 leads to lap 4, #2 passes it on lap 5 and wins on the road; #3 (AM) runs alone.
    `flags(t)` gives the flag at the line at race time t (seconds)."""
    pace = {"1": lambda lap: 100.0 if lap < 5 else 102.0, "2": lambda lap: 100.5 if lap < 5 else 99.0,
            "3": lambda lap: 108.0}
    rows, finish_at = [], None
    clock = {n: 0.0 for n in CARS}
    crossings = []
    for number in CARS:
        for lap in range(1, laps + 1):
            clock[number] += pace[number](lap)
            crossings.append((clock[number], number, lap))
    crossings.sort()
    done = set()
    for at, number, lap in crossings:
        if number in done:
            continue
        flag = flags(at)
        if finish_at is None and lap == laps:
            finish_at = at
        if finish_at is not None:
            flag, _ = "FF", done.add(number)
        cls, driver, team = CARS[number]
        rows.append(f"{number};1;{lap};{format_lap_time(round(pace[number](lap) * 1000))};"
                    f"{format_lap_time(round(at * 1000))};{flag};{cls};{driver};{team};")
    return "\n".join([HEADER] + rows) + "\n"


OURS = Event("ours-2026", "club", "Club Sprint", date(2026, 6, 1), "Europe/Paris", aliases=("club 2026",))


def test_a_leader_changing_between_two_reads_a_red_flag_and_its_restart_and_a_corrected_finish(tmp_path):
    # A full-course yellow from 520 s to 640 s (the leader's laps 5-6), a red flag from 830 s
    # to 1000 s (laps 8-10).
    def flags(t):
        return "FCY" if 520 <= t < 640 else "RF" if 830 <= t < 1000 else "GF"

    race = Race(our_race(flags))
    classification = ("POSITION;NUMBER;STATUS;LAPS;TOTAL_TIME;GAP_FIRST;CLASS;TEAM;DRIVER_1;\n"
                      "1;1;Classified;12;20:30.000;-;PRO;Team Nord;Ada Nord;\n"  # #2 penalised after the flag
                      "2;2;Classified;12;20:35.000;+5.000;PRO;Oster Racing;Ben Oster;\n"
                      "3;3;Classified;12;21:36.000;+1:06.000;AM;Prado Motorsport;Cai Prado;\n").encode()

    def results(screen, base):
        screen.files["05_Classification_Race.CSV"] = classification
        yield "05_Classification_Race.CSV"

    app = new_app(tmp_path, OURS)
    try:
        seen, fake = play(app, race, list(range(1, 14)), "club 2026", then=results)
        # After the race, the event file is imported again with what the report told: the
        # crash behind the red flag, and its cause. Timing cannot know either; neither
        # replaces the other.
        told = [Incident("ours-2026/race", 1, "crash", start_lap=8, location={"": "Turn 1"}, drivers=("Cai Prado",),
                         source_id="calendar"),
                Incident("ours-2026/race", 2, "red_flag", start_lap=8, cause={"": "barrier repairs"},
                         source_id="calendar")]
        race_session = Session("ours-2026/race", OURS.id, "race", "Race", status="scheduled")
        app.store([EventBundle(Series("club", "CLUB"), OURS, (Source("calendar", "event_file", "Calendar"),),
                               (race_session,), (), tuple(told))], "calendar")
        incidents = app.queries.incidents("ours-2026/race")
        finish = app.queries.results("ours-2026/race", "")
    finally:
        app.close()
    event = "Club Sprint 2026"
    assert seen[-1][1] == [f"Full-course yellow — {event}", f"Full-course yellow over — {event}",
                           f"Red flag — {event}", f"Restart after the red flag — {event}", f"Ben Oster wins — {event}"]
    # Timing's laps, with the crash and the cause only the event file knows kept beside them.
    assert [(i.kind, i.start_lap, i.end_lap) for i in incidents] == [
        ("full_course_yellow", 5, 6), ("crash", 8, None), ("red_flag", 8, 10)]
    assert incidents[2].cause == {"": "barrier repairs"} and incidents[1].drivers == ("Cai Prado",)
    # The red flag once two cars crossed under it (#3 on lap 8, the leader on lap 9); the
    # restart once a car crossed under green again (after the leader's lap 10).
    assert first_poll(seen, f"Red flag — {event}") == 9
    assert first_poll(seen, f"Restart after the red flag — {event}") == 11
    # The leader changed between reads (#1 to lap 4, #2 from lap 5): the laps are the leader's.
    assert first_poll(seen, f"Full-course yellow — {event}") == 6
    # The provisional finish (#2 first on the road) is corrected in place by the classification.
    assert [r.number for r in finish] == ["1", "2", "3"]
    assert [e.message.title for e in fake.edits][-1] == f"Corrected: Ada Nord wins — {event}"
    assert len([m for m in fake.sent if "wins" in m.message.title]) == 1
