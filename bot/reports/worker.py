"""Reading reports that chat users send, in worker processes with a deadline.

A report is text a stranger chose: HTML to take apart and pages of words to match against
many patterns. Done on the event loop, a hostile 5 MB text held every chat's commands for
~20 s; done in a thread, a long regular-expression match still holds the GIL. A worker
process can be killed when it overruns its deadline, and the bot goes on answering.
"""
from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot.reports.extract import Extraction, extract
from bot.reports.ingest import Report, report_from_bytes

DEADLINE = 20.0  # seconds a report may take to read; a real one needs well under one
WORKERS = 2


class WorkerTimeout(Exception):
    """Reading a report overran its deadline; its worker was stopped."""


def read_report_bytes(raw: bytes, where: str, url: str | None) -> Report:
    """A report from the bytes a user sent (HTML or text), in the worker."""
    return report_from_bytes(raw, where, url)


def extract_facts(text: str, known: list[str] | None) -> Extraction:
    """The facts of a report's text, in the worker."""
    return extract(text, known)


class ReportWorker:
    """A small pool of worker processes, started on first use and killed when a job
    overruns its deadline (a new pool starts with the next job)."""

    def __init__(self, deadline: float = DEADLINE, workers: int = WORKERS):
        self.deadline, self.workers = deadline, workers
        self._pool: ProcessPoolExecutor | None = None

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # forkserver: workers fork from a clean server process, never from this one
            # with its threads and sockets; the server imports the reading code once.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["bot.reports.worker"])
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
        return self._pool

    async def run(self, fn, *args):
        """`fn(*args)` in a worker, within the deadline; raises WorkerTimeout when over it."""
        loop = asyncio.get_running_loop()
        for attempt in range(2):
            pool = self._start()
            try:
                return await asyncio.wait_for(loop.run_in_executor(pool, fn, *args), self.deadline)
            except asyncio.TimeoutError:
                self._kill(pool)
                raise WorkerTimeout(f"reading took more than {self.deadline:g} s") from None
            except BrokenProcessPool:
                # Another job's overrun killed the pool under this one: try once on a new pool.
                self._kill(pool)
                if attempt:
                    raise WorkerTimeout("the worker stopped") from None
        raise AssertionError("unreachable")

    def _kill(self, pool: ProcessPoolExecutor) -> None:
        # ProcessPoolExecutor cannot cancel a running job (Python 3.14 adds
        # terminate_workers); killing its processes is the only way to stop a runaway match.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        if self._pool is pool:
            self._pool = None

    def close(self) -> None:
        """Stop the workers (at shutdown)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
