"""Delivery through a modelled network, on a virtual clock: the running dispatcher (serve)
against a fake platform that takes a round trip to answer, enforces Telegram's limits and
answers 429 when they are broken, and can go down, flood 429s, hang or answer late.

Every wait keeps its full length on the loop's clock (tests/virtual_time.py), so ten
minutes of outage play out in a fraction of a second, and the times asserted below are
the loop's, which no machine noise can move.
"""
import asyncio
import random
from collections import defaultdict
from dataclasses import replace

from bot.announce.dispatcher import MAX_BACKOFF
from bot.bootstrap import bootstrap
from bot.config import Config
from bot.platforms.fake import FakePlatform
from bot.ports import TELEGRAM_LIMITS, SendFailed
from bot.sources.event_file import load_event_file
from bot.sources.replay import replay_stages
from tests.conftest import LE_MANS_FILE, RACE_TITLES
from tests.virtual_time import epoch, run

RTT = 0.1  # seconds: a realistic round trip to the Bot API
IN_FLIGHT = 60  # Telegram's sends in flight at once


def _stages():
    return replay_stages(load_event_file(LE_MANS_FILE))


class Rig:
    """A store with `chats` chats following everything, a fake Telegram on the loop's clock
    and the dispatcher serving it: what `pitboard run` does, minus the sockets."""

    def __init__(self, tmp_path, name: str, chats: int, **fake):
        loop = asyncio.get_running_loop()
        self.loop = loop
        self.app = bootstrap(Config(db_path=tmp_path / f"{name}.db", seed_events=False))
        self.app.announcer.clock = lambda: epoch(loop)
        self.chats = [f"chat-{i}" for i in range(chats)]
        with self.app.db.atomic():
            for chat in self.chats:
                self.app.channels.subscribe(self.app.channels.ensure("fake", chat).id, "all", "")
        self.fake = FakePlatform(limits=TELEGRAM_LIMITS, latency=RTT, clock=loop.time, max_in_flight=IN_FLIGHT,
                                 **fake)
        self.dispatcher = self.app.dispatcher({"fake": self.fake}, clock=lambda: epoch(loop), pace=loop.time)
        self.app.announcer.listeners.append(self.dispatcher.wake)  # new posts wake it, as the Engine does
        self.serving = loop.create_task(self.dispatcher.serve())

    def store(self, bundle, label: str) -> None:
        self.app.store([bundle], label)

    async def settle(self, seconds: float) -> dict[str, int]:
        """Let `seconds` pass on the loop's clock, then stop and say how deliveries stand."""
        await asyncio.sleep(seconds)
        self.dispatcher.stop()
        await self.serving
        await self.dispatcher.drain()
        return dict(self.app.db.execute("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall())

    def titles(self) -> dict[str, list[str]]:
        """What each chat received, in the order the platform took it."""
        got = defaultdict(list)
        for sent in self.fake.sent:
            got[sent.channel].append(sent.message.title)
        return got

    def close(self) -> None:
        self.app.close()


def test_a_ten_minute_outage_loses_nothing_and_each_chat_gets_each_post_once_in_order(tmp_path):
    async def scenario():
        rig = Rig(tmp_path, "outage", chats=200)
        outage_ends = rig.loop.time() + 600
        rig.fake.down_until = outage_ends  # unreachable from the start, for ten minutes
        for stage in _stages()[:4]:  # pole, safety car, safety car in, finish: 800 posts
            rig.store(stage.bundle, stage.label)
            await asyncio.sleep(30)
        states = await rig.settle(600 + MAX_BACKOFF * 1.2 + 120)
        assert states == {"sent": 800}
        assert all(titles == RACE_TITLES[:4] for titles in rig.titles().values()) and len(rig.titles()) == 200
        # Retries are capped, so once the platform is back the posts go within one backoff.
        assert min(s.at for s in rig.fake.sent) >= outage_ends
        assert max(s.at for s in rig.fake.sent) < outage_ends + MAX_BACKOFF * 1.2 + 60
        assert rig.fake.throttled == 0
        rig.close()

    run(scenario())


def test_each_chats_order_holds_through_a_flood_of_429s(tmp_path):
    async def scenario():
        rig = Rig(tmp_path, "flood", chats=30)
        rng = random.Random(7)
        # For the first two seconds every chat is told to wait, for various lengths, and its
        # first tries are refused again: the posts behind a refused one must wait for it.
        for chat in rig.chats:
            rig.fake.fail(chat, *[SendFailed("retry_after", "429 Too Many Requests", retry_after=rng.uniform(0.1, 2))
                                  for _ in range(rng.randint(1, 3))])
        for stage in _stages()[:4]:
            rig.store(stage.bundle, stage.label)
        states = await rig.settle(120)
        assert states == {"sent": 120}
        got = rig.titles()
        assert [c for c in rig.chats if got[c] != RACE_TITLES[:4]] == []  # every chat: in order, once each
        rig.close()

    run(scenario())


def _first_sends(rig) -> dict[str, float]:
    first = {}
    for sent in rig.fake.sent:
        first.setdefault(sent.channel, sent.at)
    return first


def test_a_hung_chat_and_a_slow_one_delay_no_other_chat_by_more_than_a_second(tmp_path):
    async def scenario(hung: bool):
        rig = Rig(tmp_path, f"hung-{hung}", chats=120)
        if hung:
            rig.fake.hung.add("chat-0")  # never answers
            rig.fake.slow["chat-1"] = 7.0  # takes the post, answers 7 s later
        for stage in _stages()[:3]:
            rig.store(stage.bundle, stage.label)
        await rig.settle(90)
        times = defaultdict(list)
        for sent in rig.fake.sent:
            times[sent.channel].append(sent.at)
        rig.close()
        return times

    healthy = run(scenario(hung=False))
    troubled = run(scenario(hung=True))
    others = [f"chat-{i}" for i in range(2, 120)]
    assert all(len(troubled[c]) == 3 for c in others)
    delays = [later - before for c in others for before, later in zip(healthy[c], troubled[c])]
    assert max(delays) <= 1.0, max(delays)
    assert troubled["chat-0"] == []  # the hung chat got nothing through (its post waits, kept)


def test_a_new_live_post_leaves_within_a_second_during_a_big_bulk_fan_out(tmp_path):
    async def scenario():
        rig = Rig(tmp_path, "priority", chats=3000)
        race = load_event_file(LE_MANS_FILE)
        # The drivers' words alone (their sessions not yet run, no results): bulk posts only.
        talk = replace(race, sessions=tuple(replace(x, status="scheduled") for x in race.sessions), results=(),
                       incidents=())
        rig.store(talk, "quotes")  # three quotes to 3,000 chats: ~5 minutes at 30/s
        await asyncio.sleep(20.7)  # between two of the dispatcher's own looks at the outbox
        assert 300 < len(rig.fake.sent) < 9000 and {s.message.title for s in rig.fake.sent} <= set(RACE_TITLES[4:])
        landed, before = rig.loop.time(), len(rig.fake.sent)
        rig.store(_stages()[1].bundle, "the safety car comes out")  # with the pole before it: live posts
        await asyncio.sleep(5)
        live = [s.at - landed for s in rig.fake.sent[before:] if s.message.title in RACE_TITLES[:2]]
        assert live and live[0] < 1.0, live[:3]
        await rig.settle(0)
        rig.close()

    run(scenario())
