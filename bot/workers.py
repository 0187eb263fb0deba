"""Work on what strangers send, in worker processes with a deadline.

A report or a dropped event file is text someone else chose: HTML to take apart, pages of
words to match against many patterns, TOML whose parser can be made to take minutes. Done
on the event loop, that holds every chat's commands; done in a thread, a long match still
holds the GIL. Each job runs in a process of its own, started from a clean fork server;
one that overruns its deadline is killed alone, and the bot goes on answering. A few jobs
run at once; the deadline counts from when a job starts, not while it waits its turn.
"""
from __future__ import annotations

# asyncio and multiprocessing load with the first job: most `pitboard` commands never run one.

DEADLINE = 20.0  # seconds a job may take; a real report needs well under one
SLOTS = 2  # jobs at once: the machine has other work


class WorkerTimeout(Exception):
    """A job overran its deadline and was stopped."""


class WorkerFailed(Exception):
    """A job raised an error that is not a user's mistake (it is logged by the caller)."""


def _job(conn, fn, args: tuple) -> None:
    """In the worker: run the job and send back its result, or the error it raised."""
    try:
        conn.send(("ok", fn(*args)))
    except BaseException as err:  # noqa: BLE001 - the parent decides what it means
        try:
            conn.send(("error", err))
        except Exception:  # noqa: BLE001 - an error that cannot be pickled
            conn.send(("error", WorkerFailed(f"{type(err).__name__}: {err}")))
    finally:
        conn.close()


class Workers:
    """Runs picklable functions in worker processes, each within a deadline."""

    def __init__(self, deadline: float = DEADLINE, slots: int = SLOTS, preload: tuple[str, ...] = ()):
        self.deadline, self.slots = deadline, slots
        self._slots: dict = {}  # event loop -> its semaphore (tests run several loops)
        self._preload = preload
        self._context = None
        self._running: set = set()

    def _start_context(self):
        if self._context is None:
            import multiprocessing

            # forkserver: workers fork from a clean server process, never from this one
            # with its threads, sockets and database; the server imports the code once.
            self._context = multiprocessing.get_context("forkserver")
            self._context.set_forkserver_preload(list(self._preload))
        return self._context

    async def run(self, fn, *args, deadline: float | None = None):
        """`fn(*args)` in a worker; its result, or the error it raised. WorkerTimeout when
        it takes longer than the deadline (it is killed)."""
        import asyncio

        deadline = self.deadline if deadline is None else deadline
        loop = asyncio.get_running_loop()
        async with self._slots.setdefault(loop, asyncio.Semaphore(self.slots)):
            context = self._start_context()
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_job, args=(send, fn, args), daemon=True)
            process.start()
            send.close()
            self._running.add(process)
            try:
                ready = await asyncio.to_thread(receive.poll, deadline)
                if not ready:
                    raise WorkerTimeout(f"it took more than {deadline:g} s")
                try:
                    status, value = await asyncio.to_thread(receive.recv)
                except EOFError:
                    raise WorkerFailed("the worker stopped without an answer") from None
            finally:
                receive.close()
                if process.is_alive():
                    process.kill()
                await asyncio.to_thread(process.join, 5)
                self._running.discard(process)
        if status == "error":
            raise value
        return value

    def close(self) -> None:
        """Stop any job still running (at shutdown)."""
        for process in list(self._running):
            if process.is_alive():
                process.kill()
        self._running.clear()
