"""A watched folder of event files: drop or edit a file there and it is imported.

Each file is imported on its own, so one bad file is reported and skipped without
holding back the others; unchanged files are skipped by their digest in the store.
"""
from __future__ import annotations

import logging
import stat
from dataclasses import dataclass, field
from pathlib import Path

from bot.sources.fields import FileError

log = logging.getLogger(__name__)


@dataclass
class EventFolder:
    path: Path
    name: str = "event-folder"
    last_error: str | None = None
    items_read: int = 0
    _seen: dict[Path, tuple[float, int]] = field(default_factory=dict)

    async def poll(self, app) -> int:
        """Import the files that are new or changed since the last poll; returns how many."""
        imported = 0
        for path in sorted(self.path.glob("*.toml")) if self.path.is_dir() else []:
            try:
                info = path.stat()
            except OSError:
                continue  # removed since the listing
            stamp = (info.st_mtime, info.st_size)
            if self._seen.get(path) == stamp:
                continue
            if not stat.S_ISREG(info.st_mode):
                # Reading a FIFO would block the loop until something writes to it.
                self.last_error = f"{path}: is not a regular file (a pipe or a device?); skipped"
                log.warning("%s", self.last_error)
                self._seen[path] = stamp
                continue
            try:
                outcome = app.import_files([path])[0]
            except FileError as err:
                self.last_error = str(err)
                log.warning("%s", err)
            else:
                imported += outcome.changed
                self.last_error = None
            self._seen[path] = stamp
        self.items_read += imported
        return imported
