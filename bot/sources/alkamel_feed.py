"""Al Kamel timing files polled: from a watched folder, one file, or a URL.

Timing screens publish the lap analysis while the race runs and the classification at the
end (provisional, then official). Each new or changed file is read once (its digest is
remembered in the store): a lap analysis gives the neutralisation periods, and its finish
flag ends the session; a classification appearing ends the session too and makes the finish
post; a later classification replaces it, and the post is corrected. An hourly
classification ("…Hour 3") is the order so far, not the finish. Files of other kinds or
other sessions in the folder (weather, pit stops, qualifying) are skipped; a file is read
once it has rested two seconds (it may still be being written); a file Pitboard cannot read
is named in the source's last error and changes nothing.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.redaction import redact_url
from bot.sources import alkamel
from bot.sources.fields import FileError
from bot.ports import FeedError, Poll, SourceView
from bot.sources.polling import FeedSource, HttpFeed, RateLimit
from bot.sources.target import TargetError, find_target
from bot.sources.timing_import import HOURLY_SUFFIX, MAX_BYTES, timing_facts

log = logging.getLogger(__name__)
URL_LIMIT = (1, 1.0)  # timing screens are not APIs: one request a second at most
SETTLE = 2.0  # seconds a file must rest before it is read: the timing screen may be writing it


@dataclass
class AlKamelSource(FeedSource):
    name: str
    event: str  # the event it feeds, as /events names it
    session_kind: str = "race"
    path: Path | None = None  # a folder to watch, or one file
    url: str | None = None  # or a file to download
    interval: float = 60.0
    live_interval: float = 15.0
    feed: HttpFeed = field(default_factory=lambda: HttpFeed(RateLimit(URL_LIMIT)))
    # (mtime, size) of each file version handled: unchanged files are not read again.
    _stamps: dict = field(default_factory=dict, init=False, repr=False)
    _pending: dict = field(default_factory=dict, init=False, repr=False)

    def describe(self) -> str:
        """What it reads and what it feeds, for `pitboard sources`."""
        return f"Al Kamel {self.path or redact_url(self.url or '')} → {self.event} ({self.session_kind})"


    async def _files(self) -> list[tuple[str, bytes]]:
        """The files not seen in this version yet, resting long enough to be whole."""
        if self.path is None:
            return []
        if self.path.is_file():
            paths = [self.path]
        elif self.path.is_dir():
            paths = [p for p in self.path.iterdir() if p.suffix.lower() == ".csv" and p.is_file()]
        else:
            raise FeedError(f"{self.path} is neither a file nor a folder; fix the path")
        now, files = time.time(), []
        # Oldest first: a later file (the official classification) has the last word;
        # written in the same second, the official one still comes after the provisional.
        for p in sorted(paths, key=lambda p: (p.stat().st_mtime, _official(p.name), p.name)):
            stat = p.stat()
            stamp = (stat.st_mtime, stat.st_size)
            if self._stamps.get(p) == stamp:
                continue  # this version was handled by an earlier poll
            if now - stat.st_mtime < SETTLE:
                continue  # still being written, perhaps: a file cut at a line end looks whole
            try:
                raw = await asyncio.to_thread(_read_bytes, p)  # up to 50 MB: off the event loop
            except OSError as err:
                raise FeedError(f"{p} cannot be read ({err.strerror or err})") from None
            files.append((p.name, raw))
            self._pending[p.name] = (p, stamp)
        return files

    async def read(self, view: SourceView) -> Poll:
        """The new files' facts (results, periods), each file remembered as read once stored."""
        self._pending = {}
        files = await self._files()
        waiting = None
        if self.url:
            # A timing screen answers 404 for a file it has not published yet (the
            # classification before the finish): nothing to read, and nothing broken. It is
            # noted (a wrong address looks the same), not backed off from.
            raw, _ = await self.feed.get(self.url, as_json=False, nothing=lambda body: True)
            if raw is None:
                waiting = f"{redact_url(self.url)} is not published yet (404); asked again at the next poll"
            else:
                files.append((self.url.rsplit("/", 1)[-1].split("?")[0] or self.url, raw))
        fresh = []
        for name, raw in files:
            item = f"{name}:{hashlib.sha256(raw).hexdigest()}"
            if not view.seen(item):
                fresh.append((name, raw, item))
            else:
                self._handled(name)
        if not fresh:
            return Poll(problem=waiting)
        try:
            target = find_target(view.queries, self.event, self.session_kind)
        except TargetError as err:
            raise FeedError(str(err).rstrip(".")) from None
        read, problems = Poll(), []
        for name, raw, item in fresh:
            kind = alkamel.kind_of(raw[:4096].decode("utf-8", errors="replace"))
            named = _session_named(name)
            if kind is None or (named and named != self.session_kind):
                log.debug("source %s: %s is not this session's classification or lap analysis; skipped",
                          self.name, name)
            else:
                try:
                    # One source per kind of file: the next classification replaces the last.
                    # An hourly classification is the order so far, not the finish.
                    # Each hour's classification is kept as its own list: each makes its
                    # hourly post, and the latest is the order so far.
                    hour = _hour(name) if kind == "classification" else None
                    suffix = kind if hour is None else f"{HOURLY_SUFFIX}{hour:02d}"
                    bundle = timing_facts(target, raw, name, f"alkamel-{self.name}-{suffix}", interim=hour)
                except Exception as err:  # noqa: BLE001 - one bad file is named; the others are read
                    problems.append(str(err) if isinstance(err, FileError) else
                                    f"{name}: could not be read ({type(err).__name__}); fix the file")
                else:
                    read.bundles.append(bundle)
            read.seen.append(item)  # a bad file is not read again until it changes
            self._handled(name)
        problems += [waiting] if waiting else []
        if problems:
            read.problem = "; ".join(problems)[:500]
        return read

    def _handled(self, name: str) -> None:
        if name in self._pending:
            path, stamp = self._pending.pop(name)
            self._stamps[path] = stamp


def _read_bytes(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(MAX_BYTES)


def _session_named(name: str) -> str | None:
    """The session a timing file's name gives ("…_Classification_Qualifying.CSV"), if any."""
    lowered = name.lower()
    if "qualif" in lowered:
        return "qualifying"
    if re.search(r"practice|free|warm|\bfp\d", lowered):
        return "practice"
    if "race" in lowered:
        return "race"
    return None


def _hour(name: str) -> int | None:
    """The hour of the race an interim classification was taken at ("…_Hour 3.CSV"), if any."""
    found = re.search(r"hour\s*(\d{1,2})", name, re.I)
    return int(found.group(1)) if found else None


def _official(name: str) -> bool:
    """Whether the file name says it is official (and not "unofficial")."""
    lowered = name.lower()
    return "official" in lowered.replace("unofficial", "")
