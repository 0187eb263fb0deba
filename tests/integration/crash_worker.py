"""The sending process the pipelined crash test kills: what `pitboard dispatch` does (the
lease, recovery, the dispatcher until the outbox is empty), through a platform that keeps
many sends in flight, answers after a round trip, and writes each post to a file the
moment it receives it. The file is the platform's side: it survives the kill, as
Telegram's servers would. With `--nonces`, the platform answers a nonce it has seen with
the post it already made, as Discord does with enforce_nonce.

Run:  python -m tests.integration.crash_worker DB LOG [--nonces]
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import os

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.messages import Message
from bot.ports import UNLIMITED, Capabilities, MessageRef
from bot.store.lease import acquire_lease

PLATFORM = "crashfake"
RTT = 0.02  # seconds
IN_FLIGHT = 40


class RecordingPlatform:
    """A platform whose received posts are lines in a file: channel, nonce, title."""

    name = PLATFORM
    capabilities = Capabilities(max_length=4096, limits=UNLIMITED, max_in_flight=IN_FLIGHT)

    def __init__(self, log_path: str, nonces: bool):
        self.fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        self.nonces = nonces
        self.seen: set[str] = set()
        if nonces:  # what the platform remembers from before the crash
            with open(log_path, encoding="utf-8") as log:
                self.seen = {line.split("\t")[1] for line in log if line.count("\t") == 2}
        self.ids = itertools.count(1)

    async def start(self) -> None:
        """Nothing to connect."""

    async def stop(self) -> None:
        """Nothing to close."""

    def health(self) -> str:
        """Always up."""
        return "connected"

    async def send(self, channel: str, message: Message, nonce: str | None = None) -> MessageRef:
        """Take the post half a round trip from now, answer half a round trip later."""
        await asyncio.sleep(RTT / 2)
        if not (self.nonces and nonce in self.seen):
            os.write(self.fd, f"{channel}\t{nonce}\t{message.title}\n".encode())
            self.seen.add(nonce)
        await asyncio.sleep(RTT / 2)
        return MessageRef(PLATFORM, channel, str(next(self.ids)))

    async def edit(self, ref: MessageRef, message: Message) -> MessageRef:
        """Not needed here: the test makes no corrections."""
        raise NotImplementedError


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("log")
    parser.add_argument("--nonces", action="store_true")
    args = parser.parse_args()
    bot = bootstrap(Config(db_path=args.db, seed_events=False))
    with acquire_lease(args.db, "dispatch"):
        dispatcher = bot.dispatcher({PLATFORM: RecordingPlatform(args.log, args.nonces)})
        dispatcher.recover()
        serving = asyncio.create_task(dispatcher.serve())
        while dispatcher.pending():
            await asyncio.sleep(0.02)
        dispatcher.stop()
        await serving
        await dispatcher.drain()
    bot.close()


if __name__ == "__main__":
    asyncio.run(main())
