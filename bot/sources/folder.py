"""Event files into the store, and a watched folder of them: drop or edit a file there and
it is imported.

Each file of the folder is imported on its own, so one bad file is reported and skipped
without holding back the others; unchanged files are skipped by their digest in the store.
"""
from __future__ import annotations

import logging
import stat
from dataclasses import dataclass, field
from pathlib import Path

from bot.announce.ingest import FactIngest, IngestConflict
from bot.sources.event_file import load_event_files
from bot.sources.fields import FileError
from bot.store.writer import ImportOutcome

log = logging.getLogger(__name__)


def import_event_files(ingest: FactIngest, paths, bundles=None) -> list[ImportOutcome]:
    """Validate every file (unless its `bundles` were read already), then store them all in
    one transaction, with what they announce."""
    paths = list(paths)
    bundles = load_event_files(paths) if bundles is None else bundles
    try:
        return ingest.replace_events(bundles, ", ".join(str(p) for p in paths))
    except IngestConflict as err:
        raise FileError(", ".join(str(p) for p in paths), "", str(err).split(": ", 1)[-1]) from None


@dataclass
class EventFolder:
    """The folder of event files `pitboard run` watches (its name is reserved for it)."""

    path: Path
    ingest: FactIngest
    name: str = "event-folder"
    interval: float = 60.0
    live_interval: float = 10.0
    last_error: str | None = None
    items_read: int = 0
    # With `seed_events = false` the files already there at start are not imported (they
    # are the bundled demo events, or ones the operator chose not to load): only files
    # added or changed while the bot runs are.
    skip_present: bool = False
    _seen: dict[Path, tuple[float, int]] = field(default_factory=dict)

    async def poll(self) -> int:
        """Import the files that are new or changed since the last poll; returns how many."""
        import asyncio  # the watched folder runs only in `pitboard run`

        imported = 0
        for path in sorted(self.path.glob("*.toml")) if self.path.is_dir() else []:
            try:
                info = path.stat()
            except OSError:
                continue  # removed since the listing
            stamp = (info.st_mtime, info.st_size)
            if self.skip_present:
                self._seen[path] = stamp
            if self._seen.get(path) == stamp:
                continue
            if not stat.S_ISREG(info.st_mode):
                # Reading a FIFO would block the loop until something writes to it.
                self.last_error = f"{path}: is not a regular file (a pipe or a device?); skipped"
                log.warning("%s", self.last_error)
                self._seen[path] = stamp
                continue
            try:
                # Parsed off the event loop (a big file takes a while); stored on it.
                bundles = await asyncio.to_thread(load_event_files, [path])
                outcome = import_event_files(self.ingest, [path], bundles)[0]
            except FileError as err:
                self.last_error = str(err)
                log.warning("%s", err)
            else:
                imported += outcome.changed
                self.last_error = None
            self._seen[path] = stamp
        self.skip_present = False
        self.items_read += imported
        return imported

    async def aclose(self) -> None:
        """Nothing to close: the folder is read file by file."""
