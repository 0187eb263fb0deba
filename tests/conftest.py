"""Shared fixtures: a fresh store seeded with the bundled events, and a CLI runner."""
from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.bootstrap import bootstrap
from bot.cli import main
from bot.config import DATA_DIR, Config

ROOT = Path(__file__).resolve().parent.parent
LE_MANS_FILE = DATA_DIR / "events" / "2017-porsche-carrera-cup-le-mans.toml"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The demo race's posts, in order: pole, safety car, safety car in, finish, three quotes.
RACE_TITLES = [
    "Pole position: Florian Latorre",
    "Safety car — Porsche Carrera Cup Le Mans 2017",
    "Safety car in — Porsche Carrera Cup Le Mans 2017",
    "Dan Cammish wins — Porsche Carrera Cup Le Mans 2017",
    "Dan Cammish — Porsche Carrera Cup Le Mans 2017",
    "Dan Cammish — Porsche Carrera Cup Le Mans 2017",
    "Christophe Lapierre — Porsche Carrera Cup Le Mans 2017",
]
# A fixed "now" keeps /next answers the same whatever day the tests run.
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


_NEW_STORES: dict[bool, Path] = {}


def new_store(path: Path, seeded: bool = False) -> Path:
    """`path`, holding a brand-new store (seeded with the bundled events, or empty) unless
    it holds one already; open it with `bootstrap` as usual. The store is a copy of one made
    once per session: migrating a new database takes ~45 ms (seeding it ~10 ms more), and
    a hundred and fifty tests each start from one; a copy takes a millisecond."""
    template = _NEW_STORES.get(seeded)
    if template is None:
        folder = Path(tempfile.mkdtemp(prefix="pitboard-new-store-"))
        atexit.register(shutil.rmtree, folder, True)
        template = folder / "pitboard.db"
        bootstrap(Config(db_path=template, seed_events=seeded)).close()
        assert not Path(f"{template}-wal").exists()  # closed: everything is in the one file to copy
        _NEW_STORES[seeded] = template
    if not path.exists():
        shutil.copyfile(template, path)
    return path


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "pitboard.db"


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory) -> Path:
    """A new store seeded with the bundled events, made once per session: creating and
    seeding one takes ~50 ms, and a hundred tests start from one."""
    path = tmp_path_factory.mktemp("seeded") / "pitboard.db"
    bootstrap(Config(db_path=path)).close()
    assert not Path(f"{path}-wal").exists()  # closed: everything is in the one file to copy
    return path


@pytest.fixture
def app(db_path, seeded_db):
    """A fresh store of the test's own, seeded with the bundled events (a copy of `seeded_db`)."""
    shutil.copyfile(seeded_db, db_path)
    application = bootstrap(Config(db_path=db_path))
    yield application
    application.close()


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def cli(db_path, capsys, monkeypatch):
    """Run `pitboard ARGS` in-process against the test database."""
    monkeypatch.setenv("PITBOARD_DB", str(db_path))
    monkeypatch.delenv("PITBOARD_CONFIG", raising=False)
    monkeypatch.delenv("PITBOARD_LANG", raising=False)

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def dump(db) -> dict[str, list]:
    """Every row of every table, to compare a database before and after."""
    # Views too: `results` shows one row per car of the compressed classification lists.
    tables = sorted(t for t in db.table_names() + db.view_names() if not t.startswith("quotes_fts"))
    return {t: [tuple(r) for r in db.execute(f"SELECT * FROM [{t}] ORDER BY 1, 2")] for t in tables}


def deliveries(db, platform: str | None = None) -> dict[str, int]:
    """How many deliveries (to one platform's channels, if given) are in each state, e.g.
    {"sent": 7}. The dispatcher only ever sends `pending` deliveries, so once every one is
    `sent` nothing more can go out: what a fake platform received is then final, and a
    double would already be there to count. Tests wait for this instead of sleeping "long
    enough for a double to show up"."""
    return dict(db.execute("SELECT d.status, count(*) FROM deliveries d JOIN channels c ON c.id = d.channel_id "
                           "WHERE ? IS NULL OR c.platform = ? GROUP BY d.status", [platform, platform]).fetchall())
