"""`pitboard chart EVENT [kind] -o FILE.png`: a lap analysis imported, then drawn to a file."""
import io

from PIL import Image

from tests.conftest import FIXTURES

LAPS = FIXTURES / "alkamel" / "lap_chart.csv"


def test_timing_keeps_the_laps_and_chart_draws_them_to_a_file(cli, tmp_path):
    imported = cli("timing", str(LAPS), "--event", "lemans", "--json")
    assert imported.code == 0 and imported.json()["laps"] == 19
    target = tmp_path / "gaps.png"
    done = cli("chart", "lemans", "2017", "gaps", "-o", str(target), "--json")
    assert done.code == 0, done.err
    assert done.json()["kind"] == "gaps" and done.json()["bytes"] == target.stat().st_size
    assert Image.open(io.BytesIO(target.read_bytes())).format == "PNG"
    plain = cli("chart", "lemans", "-o", str(tmp_path / "positions.png"))
    assert plain.code == 0 and plain.out.startswith(f"{tmp_path / 'positions.png'}: Position by lap: 4 cars")


def test_chart_without_laps_or_with_a_bad_path_fails_in_one_sentence(cli, tmp_path):
    none = cli("chart", "lemans", "-o", str(tmp_path / "x.png"), "--json")
    assert none.code == 1 and "No lap data for Porsche Carrera Cup Le Mans 2017 yet" in none.err
    assert none.json()["error"].startswith("No lap data") and not (tmp_path / "x.png").exists()
    assert cli("chart", "nowhere", "1999", "-o", str(tmp_path / "x.png")).code == 1
    assert cli("chart", "lemans", "-o", str(tmp_path / "missing" / "x.png")).code == 1
