"""Importing event files: validate every file, then store them all in one transaction."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from sqlite_utils import Database

from bot.sources.event_file import load_event_file
from bot.sources.fields import FileError
from bot.store.writer import ImportOutcome, save_bundles


def import_event_files(db: Database, paths: Iterable[str | Path]) -> list[ImportOutcome]:
    """Load `paths` into `db`: all of them, or (on any FileError) none of them."""
    paths = [Path(p) for p in paths]
    bundles = [load_event_file(p) for p in paths]
    seen: dict[str, Path] = {}
    for path, bundle in zip(paths, bundles):
        if bundle.event.id in seen:
            raise FileError(str(path), "event.id", f"{bundle.event.id!r} is also the id of {seen[bundle.event.id]}")
        seen[bundle.event.id] = path
    try:
        return save_bundles(db, bundles)
    except sqlite3.IntegrityError as err:
        # The transaction was rolled back; say which file could not be stored.
        names = ", ".join(str(p) for p in paths)
        raise FileError(names, "", f"conflicts with what the database already holds ({err})") from None


def bundled_files(events_dir: Path) -> list[Path]:
    """The event files shipped in `events_dir`, in name order."""
    return sorted(events_dir.glob("*.toml")) if events_dir.is_dir() else []
