"""Race charts: a PNG of the right size that is not blank, the neutralisations shaded where
they were, and `/chart` with and without lap data."""
import io
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from bot.domain import Event, Incident, Lap, Session
from bot.i18n import Lang
from bot.pictures.chart import CHROME_PX, PANEL_PX, WIDTH_PX, Span, race_chart, series, shaded_periods
from bot.sources import alkamel
from bot.sources.timing_import import timing_bundle
from tests.conftest import FIXTURES

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "alkamel"
IMOLA = SHARED / "wec_2025_imola_6h_lap_analysis.csv"
OURS = FIXTURES / "alkamel" / "lap_chart.csv"
EVENT = Event("club-2026", "club", "Club Race", date(2026, 5, 3), "Europe/Paris", classes=("A", "B"))
RACE = Session("club-2026/race", "club-2026", "race", "Race")
# The bands as they come out over white: FCY yellow and SC orange at the chart's alpha.
FCY_PIXEL, SC_PIXEL = (255, 242, 192), (255, 228, 191)


def image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def count(picture: Image.Image, colour: tuple[int, int, int], slack: int = 3) -> int:
    """How many pixels are within `slack` of `colour` on every channel."""
    return sum(n for n, rgb in picture.getcolors(maxcolors=1 << 20) if all(abs(a - b) <= slack for a, b in zip(rgb, colour)))


def our_laps():
    return alkamel.laps(OURS.read_text(encoding="utf-8"), OURS.name, RACE.id, "timing")


@pytest.mark.parametrize("kind", ["positions", "gaps"])
def test_a_chart_is_a_png_of_the_expected_size_and_not_blank(kind):
    png = race_chart(Lang("en"), EVENT, RACE, our_laps(), [], kind)
    picture = image(png)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.size == (WIDTH_PX, CHROME_PX + 2 * PANEL_PX)  # a panel per class
    assert len(picture.getcolors(maxcolors=1 << 20)) > 50  # lines, text, not a flat page
    assert count(picture, FCY_PIXEL) == 0  # nothing to shade


def test_one_panel_without_classes_and_french_labels():
    plain = Event("club-2026", "club", "Club Race", date(2026, 5, 3), "Europe/Paris")
    png = race_chart(Lang("fr"), plain, RACE, our_laps(), [], "positions")
    assert image(png).size == (WIDTH_PX, CHROME_PX + PANEL_PX)


def test_positions_are_within_the_class_and_gaps_to_its_leader():
    laps = our_laps()
    a = [x for x in laps if x.car_class == "A"]
    b = [x for x in laps if x.car_class == "B"]
    assert series(b, "positions")["31"] == [(1, 1), (2, 1), (3, 1), (4, 1), (5, 1)]
    assert series(a, "positions")["7"] == [(1, 1), (2, 1), (3, 2), (4, 2), (5, 2)]
    assert series(a, "gaps")["7"] == [(1, 0.0), (2, 0.0), (3, 1.0), (4, 4.0), (5, 7.0)]


def test_periods_are_placed_on_the_lap_axis():
    periods = [Incident("s", 1, "full_course_yellow", start_lap=3, end_lap=4),
               Incident("s", 2, "safety_car", start_lap=9),  # still out: to the last lap drawn
               Incident("s", 3, "vsc", start_lap=12, end_lap=12),
               Incident("s", 4, "crash", start_lap=5),  # not a neutralisation: not shaded
               Incident("s", 5, "red_flag")]  # no lap: cannot be placed
    assert shaded_periods(periods, 15) == [Span("full_course_yellow", 2, 4), Span("safety_car", 8, 15),
                                           Span("virtual_safety_car", 11, 12)]


def test_the_shading_is_drawn():
    periods = [Incident(RACE.id, 1, "full_course_yellow", start_lap=3, end_lap=4, ended=True)]
    picture = image(race_chart(Lang("en"), EVENT, RACE, our_laps(), periods, "positions"))
    assert count(picture, FCY_PIXEL) > 10_000
    assert count(picture, SC_PIXEL) == 0


@pytest.mark.skipif(not IMOLA.is_file(), reason="the shared timing files are not here")
def test_imola_2025_with_its_full_course_yellows_and_safety_cars_shaded():
    text = IMOLA.read_text(encoding="utf-8")
    analysis = alkamel.lap_analysis(text, IMOLA.name, RACE.id, "timing")
    assert [(i.kind, i.start_lap, i.end_lap) for i in analysis.incidents] == [
        ("full_course_yellow", 22, 23), ("safety_car", 56, 59), ("full_course_yellow", 70, 70), ("safety_car", 134, 137)]
    imola = Event("wec-imola-2025", "wec", "6 Hours of Imola", date(2025, 4, 20), "Europe/Rome",
                  classes=("Hypercar", "LMGT3"))
    spans = shaded_periods(list(analysis.incidents), 212)
    assert [(s.kind, s.start, s.end) for s in spans] == [
        ("full_course_yellow", 21, 23), ("safety_car", 55, 59), ("full_course_yellow", 69, 70), ("safety_car", 133, 137)]
    picture = image(race_chart(Lang("en"), imola, RACE, list(analysis.lap_list), list(analysis.incidents), "gaps"))
    assert picture.size == (WIDTH_PX, CHROME_PX + 2 * PANEL_PX)
    assert count(picture, FCY_PIXEL) > 2_000 and count(picture, SC_PIXEL) > 5_000


def test_a_text_command_loads_neither_matplotlib_nor_pillow():
    """`pitboard results lemans` (the whole CLI path, bot and dispatcher included) pays for
    no picture library: they load only when a picture is drawn."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = ("import sys; from bot.cli import main; main(['--db', ':memory:', 'results', 'lemans']); "
            "print(sorted(m for m in ('matplotlib', 'PIL') if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "Dan Cammish" in done.stdout and done.stderr.strip().endswith("[]"), done.stderr


# --- /chart ------------------------------------------------------------------------------

def test_chart_without_laps_says_so_in_one_sentence(app):
    answer = app.commands.ask("/chart lemans", app.terminal())
    assert not answer.error and answer.image is None
    assert answer.blocks[0].text == ("No lap data for Porsche Carrera Cup Le Mans 2017 yet; import an Al Kamel lap "
                                     "analysis with `pitboard timing`.")
    assert answer.data["laps"] == 0


def test_chart_with_laps_comes_with_the_picture_and_what_it_shows(app):
    app.add_source_facts(timing_bundle(app.queries, OURS, "lemans", "race"))
    answer = app.commands.ask("/chart lemans gaps", app.terminal(lang="fr"))
    assert answer.image is not None and image(answer.image.png).size[0] == WIDTH_PX
    assert answer.data["kind"] == "gaps" and answer.data["cars"] == 4 and answer.data["laps"] == 5
    assert [p["kind"] for p in answer.data["periods"]] == ["full_course_yellow"]
    assert answer.image.alt == "Écart au leader tour par tour : 4 voitures sur 5 tours, une neutralisation marquée en couleur."


def test_a_lap_without_time_still_draws():
    laps = our_laps() + [Lap(RACE.id, "99", 1, 5, "B", None, None, None, "timing")]
    assert race_chart(Lang("en"), EVENT, RACE, laps, [], "gaps")[:4] == b"\x89PNG"


def test_pictures_are_drawn_off_the_event_loop_and_a_crowd_is_told_to_wait(app):
    """/chart is answered by a coroutine that draws in a thread; when as many pictures as
    allowed are already being drawn, one more is refused in a sentence, not queued."""
    import inspect

    from bot.commands import common

    app.add_source_facts(timing_bundle(app.queries, OURS, "lemans", "race"))
    ctx = app.terminal()
    pending = app.registry._start(ctx, "chart", {"event": "lemans"})
    assert inspect.isawaitable(pending)  # not drawn on the caller's loop
    pending.close()
    held = [common._drawers.acquire(blocking=False) for _ in range(common.DRAWING_AT_ONCE)]
    try:
        assert all(held)
        busy = app.commands.ask("/chart lemans", ctx)
        assert busy.error and "ask again in a moment" in busy.title
        card = app.commands.ask("/results lemans image:true", ctx)
        assert card.error and "ask again in a moment" in card.title
    finally:
        for _ in held:
            common._drawers.release()
    assert app.commands.ask("/chart lemans", ctx).image is not None
