"""Every command answered against the bundled Le Mans event, in English and French."""
import pytest

from bot.bootstrap import bootstrap
from bot.config import Config

from tests.conftest import FIXTURES, NOW

TOP_TEN = ["Dan Cammish", "Dino Zamparelli", "Alessio Rovera", "Ayhancan Güven", "Tom Oliphant",
           "Joffrey de Narda", "Valentin Hasse-Clot", "Philipp Morin", "Vincent Beltoise", "Euan McKay"]
CLASS_B = ["Christophe Lapierre", "Misslin", "Lindland"]


def ask(app, line, lang="en", **kw):
    return app.ask(line, app.context(lang=lang, now=NOW, **kw))


def text(app, line, lang="en"):
    from bot.render.text import render_text

    message = ask(app, line, lang)
    assert not message.error, message.title
    return render_text(message)


def in_order(haystack, needles):
    places = [haystack.index(n) for n in needles]
    return places == sorted(places)


@pytest.mark.parametrize("query", ["lemans", "Le Mans", "le-mans 2017", "24h", "LE MANS", "le mnas"])
def test_results_for_every_spelling_of_le_mans(app, query):
    message = ask(app, f"/results {query}")
    assert not message.error, message.title
    drivers = [r["driver"] for r in message.data["results"] if r["classification"] == "overall"]
    assert drivers == TOP_TEN


@pytest.mark.parametrize("lang, words", [("en", ["Race", "Overall", "Class B", "61 starters", "13.625 km"]),
                                         ("fr", ["Course", "Classement général", "Classe B", "61 partants", "13,625 km"])])
def test_results_show_the_top_ten_then_the_class_b_podium(app, lang, words):
    out = text(app, "/results lemans", lang)
    assert in_order(out, TOP_TEN + CLASS_B)
    for word in words:
        assert word in out


def test_results_of_one_class_and_of_qualifying(app):
    b = ask(app, "/results lemans race class:b")
    assert [r["driver"] for r in b.data["results"]] == ["Christophe Lapierre", "Nicolas Misslin", "Roar Lindland"]
    quali = ask(app, "/results lemans quali")
    assert [r["position"] for r in quali.data["results"]] == [1, 7]  # the report names P2 and P3 only as a pair
    assert "4:08.576" in text(app, "/results lemans qualifying")
    assert "4'08\"576" in text(app, "/results lemans qualifying", "fr")


@pytest.mark.parametrize("lang, expected", [("en", "Florian Latorre takes pole with 4:08.576."),
                                            ("fr", "Florian Latorre signe la pole position en 4'08\"576.")])
def test_pole(app, lang, expected):
    out = text(app, "/pole lemans", lang)
    assert expected in out and "Antoine Jung" in out
    assert ask(app, "/pole lemans").data["lap_time_ms"] == 248_576


@pytest.mark.parametrize("lang, words", [("en", ["Safety car from lap 1", "crash at the first chicane", "Florian Latorre, Antoine Jung"]),
                                         ("fr", ["Voiture de sécurité à partir du tour 1", "accident à la première chicane", "Accident au tour 1"])])
def test_safetycar(app, lang, words):
    out = text(app, "/safetycar lemans", lang)
    for word in words:
        assert word in out


@pytest.mark.parametrize("lang, role", [("en", "class winner"), ("fr", "vainqueur de classe")])
def test_quotes(app, lang, role):
    out = text(app, "/quotes lemans", lang)
    assert "Gagner cette épreuve est quelque chose de spécial" in out and role in out
    by_driver = ask(app, "/quotes lemans driver:lapierre", lang).data
    assert [q["speaker"] for q in by_driver] == ["Christophe Lapierre"]
    found = ask(app, "/quotes lemans search:victoire", lang).data
    assert [q["speaker"] for q in found] == ["Dan Cammish"]


def test_quote_search_with_fts_syntax_is_taken_as_words(app):
    message = ask(app, '/quotes lemans search:"victoire OR NEAR( *"')
    assert not message.error and message.data == []


@pytest.mark.parametrize("lang, title", [("en", "Events"), ("fr", "Épreuves")])
def test_events_list_and_search(app, lang, title):
    out = text(app, "/events", lang)
    assert title in out and "Porsche Carrera Cup Le Mans 2017" in out
    assert [e["id"] for e in ask(app, "/events mans", lang).data] == ["porsche-carrera-cup-le-mans-2017"]
    assert ask(app, "/events monza", lang).data == []


def test_next_lists_upcoming_sessions_in_the_reader_zone(app):
    app.import_files([FIXTURES / "test-cup-spa-2024.toml"])
    message = ask(app, "/next")
    assert [d["name"] for d in message.data] == ["Race 2"]
    from bot.render.text import render_text

    assert "CEST" in render_text(message)  # the event's zone by default
    tokyo = app.ask("/next", app.context(now=NOW, tz="Asia/Tokyo"))
    assert "18:00" in render_text(tokyo)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_next_with_nothing_scheduled(app, lang):
    assert ask(app, "/next", lang).data == []


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_help_lists_every_command(app, lang):
    out = text(app, "/help", lang)
    for name in ("results", "pole", "safetycar", "quotes", "events", "next", "help"):
        assert f"/{name}" in out
    assert "/results EVENT [session] [class]" in text(app, "/help results", lang)


@pytest.mark.parametrize(
    "line, lang, expected",
    [
        ("/results monza", "en", "No event “monza”. Type /events"),
        ("/results le mans classic 1923", "en", "No event “le mans classic 1923”"),
        ("/results lemaans 2015", "fr", "Aucune épreuve « lemaans 2015 »"),
        ("/results", "en", "/results needs event, for example: /results lemans"),
        ("/results lemans practice", "en", "has no Practice session. It has: Qualifying, Race."),
        ("/results lemans class:GT3", "en", "has no class “GT3”. Try one of: Overall, B."),
        ("/results lemans class:GT3", "fr", "n’a pas de classe « GT3 ». Essayez : Classement général, B."),
        ("/next count:lots", "en", "count must be a whole number"),
        ("/frobnicate", "en", "Unknown command /frobnicate. Type /help"),
        ("/help frob", "fr", "Il n’y a pas de commande /frob"),
        ("/results lemans colour:red", "en", "has no option “colour”"),
    ],
)
def test_bad_arguments_get_one_clear_sentence(app, line, lang, expected):
    message = ask(app, line, lang)
    assert message.error
    assert expected in message.title


def test_an_unknown_event_close_to_a_known_one_gets_suggestions(app):
    app.import_files([FIXTURES / "test-cup-spa-2024.toml"])
    message = ask(app, "/results spa francorchamps endurance")
    assert not message.error  # close enough to resolve
    message = ask(app, "/results test cap")
    assert message.error and "did you mean “Test Cup Spa 2024”" in message.title


def test_autocomplete_sources(app):
    ctx = app.context(now=NOW)
    reg = app.registry
    assert reg.complete(ctx, "results", "event", "le m") == ["Porsche Carrera Cup Le Mans 2017"]
    assert reg.complete(ctx, "results", "session", "q", {"event": "lemans"}) == ["qualifying"]
    assert reg.complete(ctx, "results", "class", "", {"event": "lemans"}) == ["overall", "A", "B"]
    assert "Dan Cammish" in reg.complete(ctx, "quotes", "driver", "cam", {"event": "lemans"})
    assert reg.complete(ctx, "help", "command", "sa") == ["safetycar"]


def test_fuzzy_lookup_sees_events_imported_by_another_connection(app):
    assert ask(app, "/results test cap").error  # builds the in-memory alias index
    other = bootstrap(Config(db_path=app.config.db_path))
    other.import_files([FIXTURES / "test-cup-spa-2024.toml"])
    other.close()
    message = ask(app, "/results test cap")
    assert message.error and "Test Cup Spa 2024" in message.title
    assert not ask(app, "/results test cupp spa").error


def test_next_lists_a_future_session_known_only_by_its_day(tmp_path):
    """A session whose day is known but not its time is listed by /next, by its day."""
    from datetime import date

    from bot.bootstrap import bootstrap
    from bot.config import Config
    from bot.domain import Event, EventBundle, Series, Session, Source
    from tests.conftest import new_store

    app = bootstrap(Config(db_path=new_store(tmp_path / "next.db"), seed_events=False))
    try:
        event = Event("autumn-cup-2026", "autumn", "Autumn Cup", date(2026, 12, 20), "Europe/Paris")
        race = Session("autumn-cup-2026/race", event.id, "race", "Race", status="scheduled", day=date(2026, 12, 20))
        app.store([EventBundle(Series("autumn", "Autumn Series"), event, (Source("cal", "event_file", "Calendar"),),
                               (race,))], "calendar")
        shown = app.ask("/next", app.context(now=NOW))
        assert not shown.error and shown.data and shown.data[0]["day"] == "2026-12-20"
        assert shown.data[0]["start"] is None and "Autumn Cup 2026" in str(shown.blocks[0].rows)
    finally:
        app.close()


def test_a_word_that_is_neither_a_session_nor_a_class_says_which_are(app):
    shown = app.ask("/results lemans sprint", app.context(now=NOW))
    assert shown.error and "no class “sprint”" in shown.title and "Its sessions: Qualifying, Race" in shown.title


def test_events_search_finds_what_each_word_names_and_nothing_else(tmp_path):
    """/events QUERY lists the events each word names (name, venue, series, aliases; a
    word's start or a typo will do), not events whose long names merely look alike
    (`/events silverstone` listed an unrelated cup)."""
    from datetime import date

    from bot.domain import Event, EventBundle, Series, Session, Source
    from tests.conftest import new_store

    made_up = [  # (series, event id, name, day, venue)
        (Series("gp", "Grand Prix World Series"), "gp-north-2024", "Northern Grand Prix", date(2024, 7, 7),
         "Silverstone Circuit"),
        (Series("gp", "Grand Prix World Series"), "gp-lakes-2024", "Lakes Grand Prix", date(2024, 9, 1),
         "Autodromo di Monza"),
        (Series("endu", "Endurance Trophy"), "endu-six-2019", "Six Hours of Silverstone", date(2019, 9, 1),
         "Silverstone"),
        (Series("oc", "One-Make Cup Britain"), "oc-hatch-2024", "One-Make Cup Brands Hatch", date(2024, 6, 12),
         "Brands Hatch"),
        (Series("oc2", "One-Make Cup France"), "oc-nevers-2024", "One-Make Cup Nevers", date(2024, 5, 12),
         "Magny-Cours"),
    ]
    app = bootstrap(Config(db_path=new_store(tmp_path / "search.db"), seed_events=False))
    try:
        for series, event_id, name, day, venue in made_up:
            event = Event(event_id, series.id, name, day, "Europe/London", venue=venue)
            app.store([EventBundle(series, event, (Source("cal", "event_file", "Calendar"),),
                                   (Session(f"{event_id}/race", event_id, "race", "Race", status="scheduled"),))],
                      "calendar")

        def found(query):
            return [e["id"] for e in ask(app, f"/events {query}").data]

        assert found("silverstone") == ["gp-north-2024", "endu-six-2019"]  # by venue too; newest first
        assert found("silverstne") == found("silv") == found("silverstone")
        assert found("monza") == ["gp-lakes-2024"]
        assert found("brands") == ["oc-hatch-2024"]  # not every "Grand Prix"
        assert found("cup") == ["oc-hatch-2024", "oc-nevers-2024"]
        assert found("endurance") == ["endu-six-2019"]  # the series' name
        assert found("grand prix 2024") == ["gp-lakes-2024", "gp-north-2024"]
        assert found("magny cours") == ["oc-nevers-2024"]
        assert found("nowhere") == [] and found("le") == []
    finally:
        app.close()


def test_a_role_shows_as_a_role_on_discord_and_is_refused_where_there_are_none(app):
    """`/settings role:<@&id>`: Discord draws the field as the role (it showed `<@&id\\>`, an
    escaped, broken mention); a Telegram or console channel has no roles and refuses it."""
    from bot.render.discord_embeds import render_discord

    discord = app.channels.ensure("discord", "4242")
    shown = app.ask("/settings role:<@&123456789012345678>", app.terminal(channel=discord))
    fields = {f["name"]: f["value"] for post in render_discord(shown) for e in post.embeds for f in e.get("fields", ())}
    assert fields["Role mentioned"] == "<@&123456789012345678>"
    telegram = app.channels.ensure("telegram", "-1004242")
    refused = app.ask("/settings role:<@&123456789012345678>", app.terminal(channel=telegram))
    assert refused.error and "Discord" in refused.title
    assert app.channels.get(telegram.id).mention_role is None
