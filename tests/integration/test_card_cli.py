"""`pitboard card`: the classification as a PNG file, found as `pitboard results` finds it."""
import io

from PIL import Image


def test_card_writes_a_png_and_says_so(cli, tmp_path):
    path = tmp_path / "lemans.png"
    result = cli("card", "lemans", "-o", str(path))
    assert result.code == 0, result.err
    image = Image.open(io.BytesIO(path.read_bytes()))
    assert image.format == "PNG"
    width, height = image.size
    assert result.out.strip() == f"Wrote {path} ({width}×{height}, {round(path.stat().st_size / 1024)} KB)."


def test_card_of_one_session_and_class_in_json(cli, tmp_path):
    path = tmp_path / "quali.png"
    data = cli("card", "le", "mans", "qualifying", "--lang", "fr", "-o", str(path), "--json").json()
    assert data["session"] == "qualifying" and data["status"] == "final"
    assert data["files"] == [str(path)] and data["bytes"] == [path.stat().st_size]
    assert "Florian Latorre signe la pole position" in data["alt"]
    only_b = cli("card", "lemans", "--class", "B", "-o", str(tmp_path / "b.png"), "--json").json()
    assert "Christophe Lapierre" in only_b["alt"] and "Cammish" not in only_b["alt"]


def test_card_refuses_with_a_sentence(cli, tmp_path):
    missing = cli("card", "lemans", "-o", str(tmp_path / "nowhere" / "x.png"))
    assert missing.code == 1 and "does not exist" in missing.err
    no_class = cli("card", "lemans", "--class", "Z", "-o", str(tmp_path / "z.png"))
    assert no_class.code == 1 and "no class “Z”" in no_class.err and not (tmp_path / "z.png").exists()
    unknown = cli("card", "nowhere", "-o", str(tmp_path / "n.png"), "--json")
    assert unknown.code == 1 and "error" in unknown.json()
