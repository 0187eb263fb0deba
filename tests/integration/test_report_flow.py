"""A race report as a new user sends one: about an event the store knows, without a heading
in any special format; published from the chat with /confirm; compared with the event
file's crews like with like; and `--dry-run` writing nothing."""
import asyncio
from datetime import date

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.domain import Event, EventBundle, Result, Series, Session, Source
from tests.conftest import dump, new_store

OPERATOR = "telegram:1"

# Our own words, in the shape of a wire report: no "YEAR - Name" first line; the event is
# told by its venue, its series and the drivers it names.
REPORT = ("Sunday's round of the Alpine GT Trophy at Vallelunga went the way of Luca Rossi, who beat Marco "
          "Bianchi by two seconds after a race-long fight. Pietro Neri completed the podium. Rossi had started "
          "from pole and was never passed. \"It was a long afternoon but the car was perfect from start to end,\" "
          "said Rossi after climbing from the car. Bianchi admitted the pace was simply not there at the end "
          "of the race, and Neri was happy with third on his first visit to the circuit this season.")


def store_with_event(tmp_path):
    """A store with the Vallelunga round of 2026, its entry list from the event file
    (crews of two), and a channel of the operator's."""
    app = bootstrap(Config(db_path=new_store(tmp_path / "flow.db"), seed_events=False))
    series = Series("alpine-gt-trophy", "Alpine GT Trophy")
    event = Event("vallelunga-2026", series.id, "Vallelunga", date(2026, 6, 14), "Europe/Rome",
                  venue="Vallelunga", aliases=("vallelunga",))
    race = Session("vallelunga-2026/race", event.id, "race", "Race", status="scheduled", day=event.date)
    entries = [Result(race.id, "", None, crew, number=str(n), source_id="calendar")
               for n, crew in ((7, ("Luca Rossi", "Tom Baker")), (8, ("Marco Bianchi", "Ann Wells")),
                               (9, ("Pietro Neri", "Joe Hart")))]
    app.store([EventBundle(series, event, (Source("calendar", "event_file", "Calendar"),), (race,),
                           tuple(entries))], "calendar")
    # The event file's classification names the crews; the report, one driver of each car.
    final = [Result(race.id, "", p, crew, source_id="calendar")
             for p, crew in ((1, ("Luca Rossi", "Tom Baker")), (2, ("Marco Bianchi", "Ann Wells")))]
    app.store([EventBundle(series, event, (Source("calendar", "event_file", "Calendar"),), (race,),
                           tuple(entries) + tuple(final))], "calendar")
    return app


def test_a_report_without_a_heading_attaches_to_the_known_event_and_publishes_from_the_chat(tmp_path):
    app = store_with_event(tmp_path)
    try:
        channel = app.channels.ensure("telegram", "-100")
        ctx = app.context(is_admin=True, channel=channel, user=OPERATOR, is_operator=True)
        shown = asyncio.run(app.registry.run_async(ctx, "ingest", {"report": REPORT}))
        assert not shown.error, shown.title
        token = shown.data["confirm"]
        done = asyncio.run(app.registry.run_async(ctx, "confirm", {"token": token}))
        assert done.title.startswith("Published "), done.title
        # Attached to the known event: no second event made up from the text.
        assert [e.id for e in app.queries.events()] == ["vallelunga-2026"]
        quotes = app.queries.quotes("vallelunga-2026")
        assert [q.speaker for q in quotes] == ["Luca Rossi"]
        # The report names one driver of the winning crew: the same car, so no "differs".
        assert app.queries.differing_sources("vallelunga-2026/race", "") == []
    finally:
        app.close()


def test_a_report_about_no_known_event_says_so_before_any_confirm(tmp_path):
    app = bootstrap(Config(db_path=new_store(tmp_path / "none.db"), seed_events=False))
    try:
        channel = app.channels.ensure("telegram", "-100")
        ctx = app.context(is_admin=True, channel=channel, user=OPERATOR, is_operator=True)
        before = dump(app.db)
        shown = asyncio.run(app.registry.run_async(ctx, "ingest", {"report": REPORT}))
        assert shown.error and "cannot tell which event" in shown.title and "confirm" not in (shown.data or {})
        assert dump(app.db) == before
    finally:
        app.close()


def test_an_event_known_only_from_a_report_shows_its_year_not_a_made_up_day(cli, app, tmp_path):
    report = tmp_path / "report.txt"
    report.write_text("2025 - Coppa Nebbia Autodromo\n" + REPORT.replace("Vallelunga", "Autodromo"), encoding="utf-8")
    assert cli("ingest", "report", str(report)).code == 0
    listed = cli("events", "nebbia").out
    assert "2025" in listed and "January 1" not in listed and "1 janvier" not in listed


def test_dry_run_without_a_database_creates_none(tmp_path, monkeypatch):
    from bot.cli import main

    db_path = tmp_path / "never.db"
    report = tmp_path / "report.txt"
    report.write_text(REPORT, encoding="utf-8")
    monkeypatch.setenv("PITBOARD_DB", str(db_path))
    assert main(["ingest", "report", str(report), "--dry-run"]) == 0
    assert not db_path.exists() and not list(tmp_path.glob("never.db*"))


def test_a_crew_and_its_car_number_are_stored_as_drivers_and_a_number(cli, app, tmp_path):
    report = tmp_path / "crew.txt"
    report.write_text("2025 - Six Heures des Vignes\nVignes - La course a été remportée par la Ligier n°14 de Anne "
                      "Roux, Paul Clair et Marc Vidal, au terme de six heures de course sous un beau soleil et sans "
                      "la moindre voiture de sécurité.", encoding="utf-8")
    assert cli("ingest", "report", str(report)).code == 0
    event_id = app.queries.find_event("vignes 2025").event_id
    [winner] = [r for r in app.queries.results(f"{event_id}/race", "") if r.position == 1]
    assert winner.drivers == ("Anne Roux", "Paul Clair", "Marc Vidal") and winner.number == "14"


def test_a_heading_two_events_of_that_year_fit_is_no_guess(tmp_path):
    """"2017 - Le Mans" when the store holds a support race and the main event, both at Le
    Mans in 2017: the report goes to the one its drivers say, or to none."""
    from bot.reports.extract import extract
    from bot.reports.ingest import find_event

    app = bootstrap(Config(db_path=new_store(tmp_path / "two.db", seeded=True), seed_events=False))
    try:
        main = Event("wec-le-mans-2017", "wec", "24 Hours of Le Mans", date(2017, 6, 18), "Europe/Paris",
                     venue="Le Mans", aliases=("le mans",))
        app.store([EventBundle(Series("wec", "WEC"), main, (Source("cal", "event_file", "Calendar"),), ())],
                  "calendar")
        vague = extract("2017 - Le Mans\nLe Mans - A long race in the heat, told without a single driver's name, "
                        "from the first lap to the last one, in front of a full grandstand on the main straight.")
        assert find_event(app.queries, vague) is None
        named = extract("2017 - Le Mans\nLe Mans - Dan Cammish s'imposait devant Dino Zamparelli et Alessio Rovera "
                        "au terme d'une course disputée sous un soleil de plomb, devant des tribunes pleines.")
        assert find_event(app.queries, named) == "porsche-carrera-cup-le-mans-2017"
    finally:
        app.close()
