"""Publishing an announcement channel's posts within Discord's hourly limits, on a virtual
clock (an hour of waiting plays out in milliseconds)."""
import asyncio

from bot.platforms.discord_publishing import (EDITS_PER_HOUR, HOUR, LIVE_RESERVE, PUBLISHES_PER_HOUR,
                                              PublishRefused, Publishing)
from tests.virtual_time import run


class Discord:
    """Publishes as Discord does: 10 an hour per channel, 429 beyond; records when."""

    def __init__(self, refuse_first: float = 0.0):
        self.done: list[tuple[float, str]] = []
        self.refusals = 0
        self.refuse_until = refuse_first  # as if another process had used the hour

    async def publish(self, channel: str, message_id: str) -> None:
        now = asyncio.get_running_loop().time()
        await asyncio.sleep(0.1)  # a round trip
        recent = [t for t, _ in self.done if now - t < HOUR]
        if now < self.refuse_until or len(recent) >= PUBLISHES_PER_HOUR:
            self.refusals += 1
            raise PublishRefused(max(self.refuse_until - now, 1.0))
        self.done.append((now, message_id))


def test_live_posts_keep_the_hours_last_publishes_and_bulk_ones_wait_for_the_window():
    async def scenario():
        discord = Discord()
        publishing = Publishing(discord.publish)
        for i in range(PUBLISHES_PER_HOUR):  # a flood of quotes
            publishing.offer("news", f"quote-{i}", live=False)
        await asyncio.sleep(60)
        assert [m for _, m in discord.done] == [f"quote-{i}" for i in range(PUBLISHES_PER_HOUR - LIVE_RESERVE)]
        for i in range(LIVE_RESERVE + 1):  # then the race: safety car, restart, finish...
            publishing.offer("news", f"live-{i}", live=True)
        await asyncio.sleep(60)
        published = [m for _, m in discord.done]
        assert published[-LIVE_RESERVE:] == [f"live-{i}" for i in range(LIVE_RESERVE)]  # at once, before the quotes
        await asyncio.sleep(HOUR)
        # When the window frees, the waiting live post goes before the quotes still waiting.
        later = [m for _, m in discord.done][len(published):]
        assert later[0] == f"live-{LIVE_RESERVE}" and set(later[1:]) <= {f"quote-{i}" for i in range(10)}
        assert discord.refusals == 0  # never asked beyond the limit
        await publishing.close()

    run(scenario())


def test_a_publish_waiting_past_its_news_value_is_dropped_and_offer_never_blocks():
    async def scenario():
        discord = Discord()
        publishing = Publishing(discord.publish)
        loop = asyncio.get_running_loop()
        started = loop.time()
        for i in range(PUBLISHES_PER_HOUR + 5):
            publishing.offer("news", f"live-{i}", live=True)
        assert loop.time() == started  # offering is instant: the send that made the post is done
        await asyncio.sleep(HOUR - 60)
        assert len(discord.done) == PUBLISHES_PER_HOUR
        await asyncio.sleep(3 * HOUR)
        # The five left over were offered an hour before the window freed: old news, dropped.
        assert len(discord.done) == PUBLISHES_PER_HOUR and publishing.dropped == 5
        assert not publishing.waiting["news"]
        await publishing.close()

    run(scenario())


def test_a_refusal_from_discord_is_believed_and_the_post_published_after_it():
    async def scenario():
        discord = Discord(refuse_first=600.0)  # a restart forgot that the hour's publishes were used
        publishing = Publishing(discord.publish)
        publishing.offer("news", "finish", live=True)
        await asyncio.sleep(599)
        assert discord.done == [] and discord.refusals == 1  # asked once, then waited as told
        await asyncio.sleep(10)
        assert [m for _, m in discord.done] == ["finish"] and discord.refusals == 1
        await publishing.close()

    run(scenario())


def test_a_published_post_may_be_edited_three_times_an_hour():
    async def scenario():
        discord = Discord()
        publishing = Publishing(discord.publish)
        publishing.offer("news", "finish", live=True)
        await asyncio.sleep(1)
        assert publishing.edit_wait("never-published") == 0
        for _ in range(EDITS_PER_HOUR):
            assert publishing.edit_wait("finish") == 0
            publishing.edited("finish")
            await asyncio.sleep(60)
        wait = publishing.edit_wait("finish")
        assert HOUR - 3 * 60 < wait <= HOUR + 1
        await asyncio.sleep(wait)
        assert publishing.edit_wait("finish") == 0
        await publishing.close()

    run(scenario())
