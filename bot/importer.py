"""Importing event files: validate every file, then store them all in one transaction."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from sqlite_utils import Database

from bot.domain import EventBundle
from bot.sources.event_file import load_event_file
from bot.sources.fields import FileError
from bot.store.writer import ImportOutcome, save_bundles


def load_event_files(paths: Iterable[str | Path]) -> list[EventBundle]:
    """Read and validate every file; raise FileError at the first problem."""
    paths = [Path(p) for p in paths]
    bundles = [load_event_file(p) for p in paths]
    seen: dict[str, Path] = {}
    for path, bundle in zip(paths, bundles):
        if bundle.event.id in seen:
            raise FileError(str(path), "event.id", f"{bundle.event.id!r} is also the id of {seen[bundle.event.id]}")
        seen[bundle.event.id] = path
    return bundles


def store_bundles(db: Database, bundles: list[EventBundle], what: str) -> list[ImportOutcome]:
    """Save bundles in one transaction, telling a conflict with the store as a FileError."""
    try:
        return save_bundles(db, bundles)
    except sqlite3.IntegrityError as err:
        # The transaction was rolled back; say what could not be stored.
        raise FileError(what, "", f"conflicts with what the database already holds ({err})") from None


def bundled_files(events_dir: Path) -> list[Path]:
    """The event files shipped in `events_dir`, in name order."""
    return sorted(events_dir.glob("*.toml")) if events_dir.is_dir() else []
