"""One sending bot per database: an exclusive lease on the database file.

Two processes dispatching from the same database would each send every post, and the
second one's start-up recovery would reset the first one's sends in flight. So whatever
sends (`pitboard run`, `pitboard dispatch`, `pitboard demo`) first takes the lease: an OS
advisory lock (`flock`) on a sibling file, `<database>.lock`, kept for the life of the
process.

The kernel drops the lock when the process ends, however it ends, so a lease left by a
killed process (even SIGKILL) never blocks the next start. The lock file itself stays
behind; it only says who held the lease last, and is read only while someone holds it.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import stat
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

# A probe (`lease_holder`) holds the lock for an instant; an acquire that meets it tries
# again for this long before saying the lease is held.
RETRY_FOR = 0.25
RETRY_EVERY = 0.01
# The holder writes its description just after locking: a reader may come in between.
READ_TRIES = 20


class LeaseHeld(Exception):
    """Another process holds the lease; `holder` is what it wrote about itself (pid, host,
    command, started), and `str(err)` is one sentence naming it for the person at the
    terminal."""

    def __init__(self, db_path: str | Path, holder: dict):
        self.db_path = str(db_path)
        self.holder = holder
        super().__init__(_held_sentence(self.db_path, holder))


class LeaseUnavailable(OSError):
    """The lock file could not be created or opened (a read-only directory, say); the
    message is one sentence saying which file and what to do."""


@dataclass
class Lease:
    """The lease on one database, held until `release()` (or the end of the process).

    `path` is the lock file (None for an in-memory database, which needs no lease),
    `fd` the open descriptor that carries the lock, `holder` what this process wrote into
    the file. Usable as a context manager.
    """

    path: Path | None
    fd: int | None
    holder: dict

    @property
    def held(self) -> bool:
        """Whether this object still holds a lock (False once released, or for ":memory:")."""
        return self.fd is not None

    def release(self) -> None:
        """Unlock and close; calling it again does nothing."""
        fd, self.fd = self.fd, None
        if fd is None:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)  # closing alone would unlock too; the explicit unlock says so

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def lock_path(db_path: str | Path) -> Path:
    """The lock file beside the database: `data/pitboard.db` → `data/pitboard.db.lock`. The
    database's real path is used, so another spelling of it (a symlink, `./`) is the same lock."""
    return Path(f"{os.path.realpath(db_path)}.lock")


def acquire_lease(db_path: str | Path, command: str, *, patience: float = RETRY_FOR,
                  read_tries: int = READ_TRIES) -> Lease:
    """Take the lease on `db_path` for this process, as `command` (e.g. "pitboard run").

    Raises LeaseHeld if another process (or another open of the file in this one) holds
    it, and LeaseUnavailable if the lock file cannot be created. An in-memory database
    (":memory:") belongs to this process alone: the lease returned holds nothing.
    `patience` (seconds) and `read_tries` are how long it waits out a probe's instant hold
    and a holder's description not yet written (a test of a holder that never writes one
    need not wait).
    """
    holder = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
              "started": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    if str(db_path) == ":memory:":
        return Lease(None, None, holder)
    path = lock_path(db_path)
    try:
        # The database may not exist yet (open_database creates its folder the same way).
        path.parent.mkdir(parents=True, exist_ok=True)
        # Python opens it non-inheritable, so a child process never carries the lock. A
        # symlink planted in its place is not followed (it would be overwritten), and only a
        # regular file will do (a FIFO would block).
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise OSError(0, "it is not a regular file")
    except OSError as err:
        # One argument, so str() is the sentence alone (no "[Errno 13]" in front).
        unavailable = LeaseUnavailable(f"Cannot create the lock file {path} ({err.strerror or err}); "
                                       f"give a database in a writable folder with --db.")
        unavailable.errno = err.errno
        raise unavailable from err
    try:
        if not _lock(fd, fcntl.LOCK_EX, patience=patience):
            raise LeaseHeld(db_path, _read_holder(fd, read_tries))
        # Truncate first: a shorter description must not keep the tail of the last one.
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
    except BaseException:
        os.close(fd)  # releases the lock too, if it was taken
        raise
    return Lease(path, fd, holder)


def lease_holder(db_path: str | Path, *, read_tries: int = READ_TRIES) -> dict | None:
    """Who holds the lease on `db_path` now (pid, host, command, started), or None if
    nobody does. A holder that has not yet written its description (after `read_tries`
    reads) gives an empty dict. Takes nothing: it only tests the lock, and lets go at once
    if the test succeeds."""
    if str(db_path) == ":memory:":
        return None
    try:
        fd = os.open(lock_path(db_path), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None  # no process has ever taken it
    except OSError:
        return None  # not a lock file Pitboard made: nobody holds the lease through it
    try:
        # A shared lock is enough to test: it fails against the holder's exclusive one.
        if _lock(fd, fcntl.LOCK_SH):
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        return _read_holder(fd, read_tries)
    finally:
        os.close(fd)


def _lock(fd: int, mode: int, patience: float = 0.0) -> bool:
    """Try to lock `fd` without blocking for good; False if someone else holds it."""
    deadline = time.monotonic() + patience
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return True
        except OSError as err:
            if err.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
        if time.monotonic() >= deadline:
            return False
        time.sleep(RETRY_EVERY)


def _read_holder(fd: int, tries: int = READ_TRIES) -> dict:
    """The holder's description from the lock file; {} if it cannot be read as one."""
    for attempt in range(tries):
        try:
            data = json.loads(os.pread(fd, 64 * 1024, 0).decode("utf-8"))
            if isinstance(data, dict):
                return data
        except (OSError, ValueError):
            pass
        # Empty or half-written: the holder is between locking and writing.
        if attempt < tries - 1:
            time.sleep(RETRY_EVERY)
    return {}


def _printable(value) -> str:
    """A value from the lock file, fit for a terminal (anyone who can write the file could
    put escape sequences in it)."""
    return "".join(c for c in str(value) if c.isprintable())


def _since(started) -> str:
    """"2026-12-01T09:50:12+00:00" as "2026-12-01 09:50 UTC" (as written, if unreadable)."""
    try:
        at = datetime.fromisoformat(str(started))
    except ValueError:
        return _printable(started)
    if at.tzinfo is not None:
        at = at.astimezone(timezone.utc)
    return at.strftime("%Y-%m-%d %H:%M UTC")


def _held_sentence(db_path: str, holder: dict) -> str:
    """One sentence naming the holder, with whatever of its description could be read."""
    parts = []
    if holder.get("command"):
        parts.append(_printable(holder["command"]))
    if holder.get("pid") is not None:
        where = f" on host {_printable(holder['host'])}" if holder.get("host") else ""
        parts.append(f"pid {_printable(holder['pid'])}{where}")
    if holder.get("started"):
        parts.append(f"since {_since(holder['started'])}")
    who = f"Another Pitboard ({', '.join(parts)})" if parts else "Another Pitboard"
    return (f"{who} is already sending from {_printable(db_path)}; "
            f"stop it first, or give this one another database with --db.")
