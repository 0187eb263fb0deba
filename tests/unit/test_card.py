"""The result card: a PNG that decodes, stays legible at any field size, draws any name, and
says in its alt text who won, in the reader's language."""
import io
from dataclasses import replace
from datetime import date

import pytest
from PIL import Image

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.domain import OVERALL, Event, Result, Session
from bot.i18n import Lang, en, fr
from bot.pictures.card import ROW_H, CardMarks, card_alt_text, result_card, result_cards
from bot.pictures.lines import card_lines

EN, FR = Lang("en"), Lang("fr")
EVENT = Event("river-6h-2031", "endurance", "River Six Hours", date(2031, 9, 7), "Europe/Paris",
              venue="Autodrome du Fleuve", starters=61, classes=("LMP", "GT"))
RACE = Session("river-6h-2031/race", EVENT.id, "race", "Race", status="finished")
QUALI = Session("river-6h-2031/qualifying", EVENT.id, "qualifying", "Qualifying", status="final")
# Made-up crews, with the letters a card must not choke on.
NAMES = ["Mirela Güven", "Basile Hasse-Clot", "Joost ten Voorde", "Łukasz Wrona", "Sindre Ødegaard", "佐藤 健",
         "Aurore Pellicer", "Tomás Iñárritu", "Katya Volkova", "Noor Haddad"]


def field(n: int, session: Session = RACE) -> list[Result]:
    """`n` cars: an overall order (the last two retired), then each class's own list."""
    cars = []
    for k in range(1, n + 1):
        crew = (NAMES[k % len(NAMES)], NAMES[(k * 3 + 1) % len(NAMES)]) if k % 2 else (NAMES[k % len(NAMES)],)
        retired = k > n - 2 and n > 3
        cars.append(Result(session.id, OVERALL, None if retired else k, crew, status="dnf" if retired else "classified",
                           car_class="LMP" if k % 3 else "GT", number=str(k + 10), team=f"Squadra {k % 7}",
                           laps=180 - k // 4, total_time_ms=21_600_000 + 5_432 if k == 1 else None,
                           gap=None if k == 1 else f"+{k * 2.25:.3f}", best_lap_ms=95_000 + (k * 331) % 2_000))
    lists = list(cars)
    for name in EVENT.classes:
        of_class = [c for c in cars if c.car_class == name]
        lists += [Result(c.session_id, name, None if c.position is None else i, c.drivers, status=c.status,
                         car_class=name, number=c.number, team=c.team, laps=c.laps, gap=c.gap,
                         best_lap_ms=c.best_lap_ms) for i, c in enumerate(of_class, 1)]
    return lists


def decoded(png: bytes) -> Image.Image:
    """The picture back from its bytes, fully read (a truncated PNG fails here)."""
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG"
    return image.convert("RGB")


def row_band(image: Image.Image) -> int:
    """How tall a table stripe is, measured on the picture: the run of one stripe colour
    down the first column's left edge (where no text is drawn)."""
    x = 30
    column = [image.getpixel((x, y)) for y in range(image.height)]
    runs, start = [], 0
    for y in range(1, len(column)):
        if column[y] != column[y - 1]:
            runs.append((y - start, column[y - 1]))
            start = y
    stripes = [length for length, colour in runs if colour != column[0]]
    return max(set(stripes), key=stripes.count)


def test_a_card_decodes_at_a_sensible_size_and_is_not_blank():
    image = decoded(result_card(EN, EVENT, RACE, field(10), "provisional"))
    assert 1000 <= image.width <= 1600 and 300 <= image.height <= 1200
    colours = image.getcolors(maxcolors=100_000)
    assert colours is not None and len(colours) > 30  # text, badges, stripes: not one flat fill
    assert max(count for count, _ in colours) < 0.9 * image.width * image.height


def _solo(results: list[Result]) -> list[Result]:
    """The same field with one driver to a car (a sprint race's)."""
    return [replace(r, drivers=r.drivers[:1]) for r in results]


def test_a_big_field_goes_in_two_columns_with_the_same_rows_as_a_small_one():
    small, big = decoded(result_card(EN, EVENT, RACE, _solo(field(10)), "final")), decoded(
        result_card(EN, EVENT, RACE, _solo(field(61)), "final"))
    assert row_band(small) == row_band(big) == ROW_H  # the type never shrinks with the field
    assert big.width <= 1600
    # 61 cars in two columns of 31: about as tall as 31 rows, not 61.
    assert big.height < small.height + 22 * ROW_H
    assert big.width + big.height <= 10_000 and max(big.size) / min(big.size) <= 20  # Telegram's limits


def test_a_big_field_of_crews_goes_in_one_tall_column_rather_than_cut_their_names():
    """Crews side by side in two columns would lose letters even as surnames: one column,
    same row height, every surname whole."""
    crews = decoded(result_card(EN, EVENT, RACE, field(61), "final"))
    assert row_band(crews) == ROW_H and crews.height > 61 * ROW_H
    assert crews.width + crews.height <= 10_000 and max(crews.size) / min(crews.size) <= 20  # Telegram's limits


def test_a_field_over_64_cars_needs_a_second_picture():
    cards = result_cards(EN, EVENT, RACE, field(70), "final")
    assert len(cards) == 2 and all(decoded(png).width <= 1600 for png in cards)
    assert result_card(EN, EVENT, RACE, field(70), "final") == cards[0]


def test_any_name_renders_even_where_the_font_has_no_glyph():
    crew = ("Ayhancan Güven", "Valentin Hasse-Clot", "Thierry ten Voorde", "Łukasz Ødegaard", "佐藤 琢磨")
    rows = [Result(RACE.id, OVERALL, 1, crew, car_class="GT", best_lap_ms=100_000)]
    assert decoded(result_card(EN, EVENT, RACE, rows, "final")).width >= 1000


def test_the_rows_carry_class_places_fastest_lap_and_pole():
    rows = field(12)
    rows[3] = replace(rows[3], drivers=("Ilse Vandermeer",))  # a name no other car shares
    lines = card_lines(EN, EVENT, "race", rows, CardMarks(pole="Ilse Vandermeer"))
    assert [line.position for line in lines[:3]] == ["1", "2", "3"] and lines[-1].position == "–"
    assert (lines[2].car_class, lines[2].class_position) == ("GT", "P1")
    assert (lines[3].car_class, lines[3].class_position) == ("LMP", "P3")
    fastest = min(r.best_lap_ms for r in rows)
    assert [line.fastest for line in lines].count(True) == 1
    assert next(line for line in lines if line.fastest).best == EN.lap(fastest)
    assert [line.pole for line in lines] == [i == 3 for i in range(len(lines))]
    assert lines[0].time == EN.lap(21_605_432) and lines[1].time == "+4.500"
    assert lines[-1].time == "DNF"


def test_class_places_are_counted_from_a_complete_overall_order_without_class_lists():
    only_overall = [r for r in field(9) if r.classification == OVERALL]
    lines = card_lines(EN, EVENT, "race", only_overall, CardMarks())
    assert [(line.car_class, line.class_position) for line in lines[:4]] == [
        ("LMP", "P1"), ("LMP", "P2"), ("GT", "P1"), ("LMP", "P3")]


def test_the_french_card_speaks_french():
    rows = field(8)
    assert decoded(result_card(FR, EVENT, RACE, rows, "final")).width >= 1000
    text = card_alt_text(FR, EVENT, RACE, rows, "final")
    assert "Course" in text and "Classement définitif" in text and "victoire de" in text
    assert "Vainqueurs de classe" in text
    lines = card_lines(FR, EVENT, "race", rows, CardMarks())
    assert lines[1].time == '+4"500' and lines[-1].time == "Abandon"
    card_keys = {k for k in en.STRINGS if k.startswith("card.")}
    assert card_keys == {k for k in fr.STRINGS if k.startswith("card.")} and len(card_keys) > 10
    assert all(fr.STRINGS[k] != en.STRINGS[k] for k in ("card.status.final", "card.fastest_lap", "card.alt.race"))


def test_alt_text_names_the_winner_and_every_class_winner():
    rows = field(12)
    text = card_alt_text(EN, EVENT, RACE, rows, "provisional")
    winner = rows[0]
    gt_winner = next(r for r in rows if r.classification == "GT" and r.position == 1)
    assert text.startswith("River Six Hours 2031, Race (Provisional classification)")
    assert f"{winner.driver} (#{winner.number}) wins." in text
    assert f"Class LMP: {winner.driver}" in text and f"Class GT: {gt_winner.driver}" in text
    assert len(text) < 900


def test_alt_text_of_an_empty_classification_says_so():
    assert "no classification yet" in card_alt_text(EN, EVENT, RACE, [], "corrected")
    assert decoded(result_card(EN, EVENT, RACE, [], "corrected")).height > 100


def test_a_qualifying_card_shows_laps_and_gaps_to_pole():
    rows = [Result(QUALI.id, OVERALL, k, (NAMES[k],), car_class="GT", number=str(k), best_lap_ms=90_000 + 250 * k)
            for k in range(1, 6)]
    lines = card_lines(EN, EVENT, "qualifying", rows, CardMarks(pole=NAMES[1]))
    assert lines[0].pole and lines[0].gap == "" and lines[2].gap == "+0.500"
    assert decoded(result_card(EN, EVENT, QUALI, rows, "final", CardMarks(pole=NAMES[1]))).width >= 1000
    assert card_alt_text(EN, EVENT, QUALI, rows, "final").endswith(f"{NAMES[1]} (#1) takes pole. "
                                                                   f"Fastest in class: Class GT: {NAMES[1]} (#1).")


@pytest.fixture
def lemans(tmp_path):
    app = bootstrap(Config(db_path=tmp_path / "x.db"))
    yield app.queries
    app.close()


def test_the_bundled_le_mans_race_card(lemans):
    event = lemans.event(lemans.find_event("lemans").event_id)
    race = next(s for s in lemans.sessions(event.id) if s.kind == "race")
    rows = [r for c in lemans.classifications(race.id) for r in lemans.results(race.id, c)]
    lines = card_lines(EN, event, "race", rows, CardMarks())
    # The ten places the report gives, then the class B podium it names apart.
    assert [line.driver for line in lines[:2]] == ["Dan Cammish", "Dino Zamparelli"]
    assert [(line.position, line.car_class, line.class_position) for line in lines[10:]] == [
        ("", "B", "P1"), ("", "B", "P2"), ("", "B", "P3")]
    image = decoded(result_card(FR, event, race, rows, "final"))
    assert row_band(image) == ROW_H
    text = card_alt_text(EN, event, race, rows, "final")
    assert "Dan Cammish wins" in text and "Class B: Christophe Lapierre" in text


def test_a_name_with_line_breaks_or_direction_overrides_still_draws_on_one_line():
    """A source's name with a line break made Pillow's layout fail (no card at all); a
    right-to-left override would turn the caption around."""
    rows = [Result(RACE.id, OVERALL, 1, ("Line\none", "\u202eevil"), car_class="GT", best_lap_ms=100_000)]
    assert decoded(result_card(EN, EVENT, RACE, rows, "final")).width >= 1000
    alt = card_alt_text(EN, EVENT, RACE, rows, "final")
    assert "Line one / evil" in alt and "\n" not in alt and "\u202e" not in alt
