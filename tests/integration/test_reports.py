"""Race reports: the facts each phrasing gives, the traps, and ingesting into the store."""
import http.server
import json
import threading
from pathlib import Path

import pytest

from bot.reports.extract import extract
from tests.conftest import FIXTURES, dump, new_store

REPORTS = FIXTURES / "reports"
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "000_27c4b41ef6e413e2.txt"


def facts(name_or_path, kind):
    path = name_or_path if isinstance(name_or_path, Path) else REPORTS / name_or_path
    return [f.data for f in extract(path.read_text(encoding="utf-8")).of(kind)]


def order(found, cls=""):
    return [f["driver"] for f in sorted(found, key=lambda f: f["position"]) if f.get("class", "") == cls]


@pytest.mark.skipif(not REFERENCE.exists(), reason="the shared reference report is not here")
def test_the_le_mans_report_gives_exactly_its_facts():
    out = extract(REFERENCE.read_text(encoding="utf-8"))
    assert {f.kind for f in out.facts} == {"event", "pole", "grid", "result", "class_result", "rookie", "crash",
                                           "safety_car", "quote"}
    assert [f.data for f in out.of("pole")] == [{"driver": "Florian Latorre", "position": 1, "lap_time_ms": 248576}]
    assert [(f.data["position"], f.data["driver"]) for f in out.of("grid")] == [
        (1, "Florian Latorre"), (2, "Dan Cammish"), (3, "Dino Zamparelli"), (7, "Antoine Jung")]
    assert order([f.data for f in out.of("result")]) == [
        "Dan Cammish", "Dino Zamparelli", "Alessio Rovera", "Ayhancan Güven", "Tom Oliphant", "Joffrey de Narda",
        "Valentin Hasse-Clot", "Philipp Morin", "Vincent Beltoise", "Euan McKay"]
    assert order([f.data for f in out.of("class_result")], "B") == ["Christophe Lapierre", "Nicolas Misslin",
                                                                       "Roar Lindland"]
    assert [f.data["location"] for f in out.of("crash")] == ["première chicane"]
    assert [f.data for f in out.of("safety_car")] == [{"count": 1, "cause": "crash"}]
    # A quote interrupted by its attribution («…», commentait X. «…») is one quote, one post;
    # "Il précise :" opens another.
    assert [(q.data["speaker"], q.data["role"]) for q in out.of("quote")] == [
        ("Dan Cammish", "winner"), ("Dan Cammish", "winner"), ("Christophe Lapierre", "class_winner")]
    text = REFERENCE.read_text(encoding="utf-8")
    for f in out.facts:  # every fact points at the words it came from
        assert 0 <= f.span[0] < f.span[1] <= len(text) and 0 < f.confidence <= 1


def test_a_french_report_with_chained_places_a_class_a_red_flag_and_continued_quotes():
    name = "fr_gt4_nogaro.txt"
    assert facts(name, "pole") == [{"driver": "Thomas Girard", "position": 1, "lap_time_ms": 85432}]
    assert [(g["position"], g["driver"]) for g in facts(name, "grid")] == [
        (1, "Thomas Girard"), (2, "Lucie Marchand"), (3, "Paul de Villiers"), (5, "Hugo Vernet")]  # VERNET tidied
    assert order(facts(name, "result")) == ["Lucie Marchand", "Thomas Girard", "Paul de Villiers", "Hugo Vernet",
                                            "Karim Benali", "Jean Dupuis", "Mathieu Roche"]
    assert order(facts(name, "class_result"), "Am") == ["Bernard Leclerc", "Alain Petit", "Yves Morel"]
    assert facts(name, "crash") == [{"drivers": ["Marc Olivier"]}] and facts(name, "red_flag") == [{}]
    assert facts(name, "safety_car") == []
    quotes = facts(name, "quote")
    assert [(q["speaker"], q["role"]) for q in quotes] == [
        ("Lucie Marchand", "winner"), ("Lucie Marchand", "winner"), ("Bernard Leclerc", "class_winner")]
    assert quotes[1]["text"] == "Nous allons profiter de cette victoire avant Magny-Cours."  # "Il ajoute :"


def test_an_english_report_with_traps_a_vsc_called_safety_car_and_a_team_named_like_a_person():
    name = "en_gt_monza.txt"
    assert facts(name, "pole")[0] == {"driver": "Simon Dolan", "position": 1, "lap_time_ms": 107123}
    assert facts(name, "vsc") == [{"count": 1}] and facts(name, "safety_car") == []
    results = order(facts(name, "result"))
    assert results[:6] == ["Maria Costa", "Simon Dolan", "Ethan Clarke", "Leon van der Berg", "Oscar Lind",
                           "Pierre Garnier"]
    assert not any("Loeb" in d for d in results)
    assert facts(name, "rookie") == [{"driver": "Ethan Clarke", "session": "qualifying"}]
    assert order(facts(name, "class_result"), "Silver") == ["Nina Kowalski", "Tom Becker"]
    speakers = [q["speaker"] for q in facts(name, "quote")]
    # A middle attribution and a quote carried on in the next paragraph are one quote; then
    # "X said:", then a surname alone resolved to the driver named in full earlier.
    assert speakers == ["Maria Costa", "Simon Dolan", "Maria Costa"]


def test_a_reversed_grid_does_not_give_pole_to_the_qualifying_winner():
    assert [p["driver"] for p in facts("en_reverse_grid.txt", "pole")] == ["Daniel Reyes"]
    assert order(facts("en_reverse_grid.txt", "result")) == ["Daniel Reyes", "Priya Shah", "Chris Walker"]


def test_a_preview_with_no_results_yields_no_invented_facts():
    out = extract((REPORTS / "en_preview.txt").read_text(encoding="utf-8"))
    assert {f.kind for f in out.facts} == {"event"}


def test_ingest_dry_run_json_stores_nothing(cli, tmp_path):
    before = cli("events", "--json").json()
    result = cli("ingest", "report", str(REPORTS / "fr_gt4_nogaro.txt"), "--dry-run", "--json")
    assert result.code == 0
    data = result.json()
    assert data["language"] == "fr"
    pole = next(f for f in data["facts"] if f["kind"] == "pole")
    assert pole["driver"] == "Thomas Girard" and "Thomas Girard signe la pole" in pole["span_text"]
    assert cli("events", "--json").json() == before


def test_ingesting_stores_the_report_below_the_event_file_and_never_twice(cli):
    if not REFERENCE.exists():
        pytest.skip("the shared reference report is not here")
    results_before = cli("results", "lemans", "--json").json()
    quotes_before = cli("quotes", "lemans", "--json").json()
    first = cli("ingest", "report", str(REFERENCE), "--json")
    again = cli("ingest", "report", str(REFERENCE), "--json")
    assert first.code == again.code == 0 and first.json() == again.json()
    assert cli("results", "lemans", "--json").json() == results_before  # the event file still wins
    quotes = cli("quotes", "lemans", "--json").json()
    # Only the words the event file did not have already are added.
    assert len(quotes) == len(quotes_before) + first.json()["quotes"] and first.json()["quotes"] == 1


def test_two_reports_that_disagree_are_both_kept_with_their_sources(cli, app):
    assert cli("ingest", "report", str(REPORTS / "fr_gt4_nogaro.txt")).code == 0
    assert cli("ingest", "report", str(REPORTS / "fr_gt4_nogaro_other.txt")).code == 0
    rows = app.db.execute(
        "SELECT source_id, position, driver FROM results WHERE session_id = 'gt4-france-nogaro-2024/race' "
        "AND classification = '' AND position = 3 ORDER BY source_id").fetchall()
    assert sorted(r[2] for r in rows) == ["Hugo Vernet", "Paul de Villiers"]
    assert len({r[0] for r in rows}) == 2
    shown = cli("results", "nogaro 2024", "--json").json()
    assert [r["driver"] for r in shown["results"] if r["classification"] == "overall"][:3] == [
        "Lucie Marchand", "Thomas Girard", "Paul de Villiers"]  # the fuller report shows; the other is kept


def test_bad_input_gets_a_sentence_and_changes_nothing(cli, app, tmp_path):
    before = dump(app.db)
    missing = cli("ingest", "report", str(tmp_path / "nope.txt"))
    assert missing.code == 1 and "no such file" in missing.err
    tiny = tmp_path / "tiny.txt"
    tiny.write_text("Pole for Someone.", encoding="utf-8")
    short = cli("ingest", "report", str(tiny))
    assert short.code == 1 and "almost no text" in short.err
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(bytes(range(256)) * 50)
    assert cli("ingest", "report", str(garbage)).code == 1
    assert dump(app.db) == before


def test_an_html_report_behind_a_link_is_read_through_its_article(cli, tmp_path):
    text = (REPORTS / "en_reverse_grid.txt").read_text(encoding="utf-8")
    page = "<html><head><title>Report</title></head><body><nav>Home | News | Shop</nav><article>" + "".join(
        f"<p>{para}</p>" for para in text.split("\n\n")) + "</article><footer>© A site</footer></body></html>"
    (tmp_path / "report.html").write_text(page, encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/report.html"
        result = cli("ingest", "report", url, "--dry-run", "--json")
    finally:
        server.shutdown()
    assert result.code == 0, result.err
    kinds = [f["kind"] for f in result.json()["facts"]]
    assert "result" in kinds and "quote" in kinds
    assert not any("Shop" in json.dumps(f) for f in result.json()["facts"])


def test_results_say_which_report_differs(cli):
    assert cli("ingest", "report", str(REPORTS / "fr_gt4_nogaro.txt")).code == 0
    assert cli("ingest", "report", str(REPORTS / "fr_gt4_nogaro_other.txt")).code == 0
    text = cli("results", "nogaro 2024").out
    assert "fr_gt4_nogaro_other.txt differs: P3 Hugo Vernet, P4 Paul de Villiers." in text
    assert "diffère : P3 Hugo Vernet" in cli("--lang", "fr", "results", "nogaro 2024").out


def test_facts_above_the_configured_confidence_publish_at_once_the_rest_wait_for_confirm(tmp_path):
    from dataclasses import replace as dc_replace

    from bot.bootstrap import bootstrap
    from bot.config import Config

    app = bootstrap(Config(db_path=new_store(tmp_path / "desk.db"), seed_events=False, report_auto_confidence=0.9))
    try:
        channel = app.channels.ensure("console", "desk")
        ctx = app.terminal(channel=channel)
        text = (REPORTS / "fr_gt4_nogaro.txt").read_text(encoding="utf-8")
        shown = app.registry.run(ctx, "ingest", {"report": text})
        assert shown.title.startswith("Published") is False and shown.data["confirm"]
        # At 0.9 and above: the pole (its grid place and time), the winner and the first quote.
        assert "Published 3 facts" in " ".join(getattr(b, "text", "") for b in shown.blocks)
        stored = app.db.execute("SELECT count(*) FROM results WHERE source_id LIKE 'report-%'").fetchone()[0]
        assert stored == 2 and app.db["quotes"].count == 1
        assert app.registry.run(ctx, "confirm", {"token": "nope"}).error
        done = app.registry.run(ctx, "confirm", {"token": shown.data["confirm"]})
        assert done.title.startswith("Published") and app.db["pending_reports"].count == 0
        refused = app.registry.run(dc_replace(ctx, is_operator=False, user="telegram:5"), "confirm", {"token": "x"})
        assert refused.error and "operators" in refused.title
    finally:
        app.close()


@pytest.mark.parametrize("text, kinds", ids=["words", "guillemets", "straight-quotes", "absurd-numbers", "traps"], argvalues=[
    # Hostile or odd input: each must come back quickly, without a traceback or invented facts.
    ("Alpha Beta " * 20000, set()),
    ("« " * 100000, set()),
    ('"Abc Def Ghi Jkl" ' * 10000, set()),
    ("2019 - GT Cup Monza\nMarco Rossi took pole with a time of 1:75.123. Marco Rossi won the race ahead of Jean Dupont. "
     "Paul Martin completed the top 99999999999999999999. There were 99999999 safety car periods.",
     {"event", "pole", "grid", "result", "safety_car"}),
    ("2019 - GT Cup Monza\nJean Dupont won the start. Marco Rossi won the race ahead of Paul Martin. "
     "Le pilote Paul Simon était troisième au championnat. The tyres went off early and the pace car was never needed.",
     {"event", "result"}),
])
def test_odd_input_is_read_fast_and_invents_nothing(text, kinds):
    out = extract(text)
    assert {f.kind for f in out.facts} == kinds
    assert all(f.data.get("position", 1) <= 200 for f in out.facts)
    if "pole" in kinds:
        assert out.of("pole")[0].data == {"driver": "Marco Rossi", "position": 1}  # the impossible time dropped
        assert [f.data["driver"] for f in out.of("result")] == ["Marco Rossi", "Jean Dupont"]
        assert out.of("safety_car")[0].data["count"] == 1
    if kinds == {"event", "result"}:
        assert [f.data["driver"] for f in out.of("result")] == ["Marco Rossi", "Paul Martin"]


def test_an_event_first_met_in_a_report_shows_its_year_not_a_made_up_day(cli):
    assert cli("ingest", "report", str(REPORTS / "fr_gt4_nogaro.txt")).code == 0
    shown = cli("results", "nogaro 2024", "--json").json()
    assert shown["event"]["date"] is None and shown["event"]["year"] == 2024
    assert "Nogaro · 2024" in cli("results", "nogaro 2024").out
    assert cli("results", "lemans", "--json").json()["event"]["date"] == "2017-06-17"
