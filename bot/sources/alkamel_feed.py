"""Al Kamel timing files polled: from a watched folder, one file, or a URL.

Timing screens publish the lap analysis while the race runs and the classification at the
end (provisional, then official). Each new or changed file is read once (its digest is
remembered in the store): a lap analysis gives the neutralisation periods, and its finish
flag ends the session; a classification appearing ends the session too and makes the finish
post; a later classification replaces it, and the post is corrected. Files of other kinds
in the folder (weather, pit stops) are skipped; a file Pitboard cannot read is named in the
source's last error and changes nothing.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from bot.sources import alkamel
from bot.sources.fields import FileError
from bot.sources.polling import FeedError, HttpFeed, Polled, RateLimit, mark_seen, seen
from bot.sources.target import TargetError, find_target
from bot.sources.timing_import import MAX_BYTES, timing_facts

log = logging.getLogger(__name__)
URL_LIMIT = (1, 1.0)  # timing screens are not APIs: one request a second at most


@dataclass
class AlKamelSource(Polled):
    name: str
    event: str  # the event it feeds, as /events names it
    session_kind: str = "race"
    path: Path | None = None  # a folder to watch, or one file
    url: str | None = None  # or a file to download
    interval: float = 60.0
    live_interval: float = 15.0
    feed: HttpFeed = field(default_factory=lambda: HttpFeed(RateLimit(URL_LIMIT)))

    def describe(self) -> str:
        """What it reads and what it feeds, for `pitboard sources`."""
        return f"Al Kamel {self.path or self.url} → {self.event} ({self.session_kind})"


    def _files(self) -> list[tuple[str, bytes]]:
        if self.path is None:
            return []
        if self.path.is_file():
            paths = [self.path]
        elif self.path.is_dir():
            # Oldest first: a later file (the official classification) has the last word;
            # written in the same second, the official one still comes after the provisional.
            paths = sorted((p for p in self.path.iterdir() if p.suffix.lower() == ".csv" and p.is_file()),
                           key=lambda p: (p.stat().st_mtime, _official(p.name), p.name))
        else:
            raise FeedError(f"{self.path} is neither a file nor a folder; fix the path")
        files = []
        for p in paths:
            try:
                files.append((p.name, p.read_bytes()[:MAX_BYTES]))
            except OSError as err:
                raise FeedError(f"{p} cannot be read ({err.strerror or err})") from None
        return files

    async def _read(self, app, state) -> int:
        files = self._files()
        if self.url:
            raw, _ = await self.feed.get(self.url, state, as_json=False)
            files.append((self.url.rsplit("/", 1)[-1].split("?")[0] or self.url, raw))
        fresh = []
        for name, raw in files:
            item = f"{name}:{hashlib.sha256(raw).hexdigest()}"
            if not seen(app.db, self.name, item):
                fresh.append((name, raw, item))
        if not fresh:
            return 0
        try:
            target = find_target(app.queries, self.event, self.session_kind)
        except TargetError as err:
            raise FeedError(str(err).rstrip(".")) from None
        stored, problems = 0, []
        for name, raw, item in fresh:
            kind = alkamel.kind_of(raw[:4096].decode("utf-8", errors="replace"))
            if kind is not None:
                try:
                    # One source per kind of file: the next classification replaces the last.
                    bundle = timing_facts(target, raw, name, f"alkamel-{self.name}-{kind}")
                except FileError as err:
                    problems.append(str(err))
                else:
                    outcome = app.add_source_facts(bundle)
                    stored += outcome.results + outcome.incidents
            else:
                log.debug("source %s: %s is not a classification or a lap analysis; skipped", self.name, name)
            mark_seen(app.db, self.name, item)  # a bad file is not read again until it changes
        if problems:
            state.last_error = "; ".join(problems)[:500]
        return stored


def _official(name: str) -> bool:
    """Whether the file name says it is official (and not "unofficial")."""
    lowered = name.lower()
    return "official" in lowered.replace("unofficial", "")
