"""Threads and topics end to end: real discord.py and python-telegram-bot against the fake
servers. A Discord channel with `threads` on gets one thread per race weekend (a forum post
in a forum channel) whose first message is a summary edited as the race goes; a Telegram
forum group gets a topic per series; a deleted topic is made again, not an error loop."""
from tests.conftest import deliveries
from tests.e2e.fake_discord import FORUM, GUILD_ID, TEXT
from tests.e2e.harness import follow, run, store_race
from tests.e2e.test_discord import discord_bot, stages
from tests.e2e.test_telegram import telegram


def _race(app, until=None):
    store_race(app, stages(), until)


def test_a_discord_channel_gets_a_thread_per_weekend_with_its_summary_at_the_head(tmp_path):
    async def scenario():
        async with discord_bot(tmp_path, seed=False) as (fake, app):
            for channel_id in (TEXT, FORUM):
                channel = follow(app, "discord", channel_id, ("pole", "safety_car", "finish"), threads="event")
            _race(app, "chequered flag")
            await fake.wait_for(lambda: deliveries(app.db) == {"sent": 6})
            assert sorted((parent, name) for parent, _, name in fake.threads) == [
                (TEXT, "Porsche Carrera Cup Le Mans 2017 — race weekend"),
                (FORUM, "Porsche Carrera Cup Le Mans 2017 — race weekend")]  # one each, however many posts
            threads = {parent: thread for parent, thread, _ in fake.threads}
            text_thread, forum_thread = threads[TEXT], threads[FORUM]
            # In the text channel: the summary, from which the thread starts; the posts inside.
            [summary] = fake.to(TEXT)
            assert summary.body["embeds"][0]["title"] == "Porsche Carrera Cup Le Mans 2017 — race weekend"
            inside = [p.body["embeds"][0]["title"] for p in fake.to(text_thread)]
            assert inside[0] == "Pole position: Florian Latorre" and inside[-1].startswith("Dan Cammish wins")
            # In the forum: a post whose first message is the summary, the posts after it.
            forum = [p.body["embeds"][0]["title"] for p in fake.to(forum_thread)]
            assert forum[0].endswith("race weekend") and forum[1:] == inside
            # The summary follows the race: edited, and now names the winner.
            await fake.wait_for(lambda: any(e.id == summary.id and "Winner: Dan Cammish"
                                            in str(e.body["embeds"]) for e in fake.edits))
            # ... and links to the posts in the thread.
            latest = " ".join(e.get("description", "") for e in [x for x in fake.edits if x.id == summary.id][-1]
                              .body["embeds"])
            pole = next(p for p in fake.to(text_thread) if p.body["embeds"][0]["title"].startswith("Pole"))
            assert f"(https://discord.com/channels/{GUILD_ID}/{text_thread}/{pole.id})" in latest
        await fake.stop()

    run(scenario())


def test_a_telegram_forum_gets_a_topic_per_series_and_a_deleted_one_comes_back(tmp_path):
    from tests.e2e.test_telegram import SUPERGROUP

    async def scenario():
        async with telegram(tmp_path, seed=False) as (fake, app):
            fake.chats[SUPERGROUP].forum = True
            channel = follow(app, "telegram", SUPERGROUP, ("pole", "safety_car", "finish"), threads="series")
            stage = stages()
            app.store([stage[0].bundle], stage[0].label)
            await fake.wait_for(lambda: deliveries(app.db) == {"sent": 1})
            [(chat, topic, name)] = fake.topics
            assert chat == SUPERGROUP and name == "Porsche Carrera Cup France"
            assert [t for c, th, t in fake.in_topics if th == topic][1].startswith("<b>Pole position")
            fake.delete_topic(SUPERGROUP, topic)  # an admin deletes it
            app.store([stage[1].bundle], stage[1].label)
            await fake.wait_for(lambda: deliveries(app.db) == {"sent": 2})
            assert len(fake.topics) == 2  # made again, once
            new = fake.topics[1][1]
            assert any("Safety car" in t for c, th, t in fake.in_topics if th == new)
            assert app.channels.get(channel.id).paused_reason is None

    run(scenario())


def test_a_telegram_group_without_topics_gets_the_weekend_s_summary_pinned(tmp_path):
    from tests.e2e.test_telegram import GROUP

    async def scenario():
        async with telegram(tmp_path, seed=False) as (fake, app):
            channel = follow(app, "telegram", GROUP, ("pole", "finish"), threads="event")
            _race(app, "chequered flag")
            await fake.wait_for(lambda: deliveries(app.db) == {"sent": 2})
            sent = fake.to(GROUP)
            assert "race weekend" in sent[0].text and fake.pinned == [(GROUP, sent[0].message_id)]
            assert fake.topics == [] and "Pole position" in sent[1].text
            await fake.wait_for(lambda: any(e.message_id == sent[0].message_id and "Winner" in e.text
                                            for e in fake.edits))

    run(scenario())


def test_no_right_to_start_threads_keeps_the_posts_in_the_channel(tmp_path):
    """Discord refuses the thread (403 Missing Permissions): the summary and the posts stay
    in the channel, which is not paused."""
    async def scenario():
        async with discord_bot(tmp_path, seed=False) as (fake, app):
            fake.no_threads.add(TEXT)
            channel = follow(app, "discord", TEXT, ("pole", "finish"), threads="event")
            _race(app, "chequered flag")
            await fake.wait_for(lambda: deliveries(app.db) == {"sent": 2})
            titles = [p.body["embeds"][0]["title"] for p in fake.to(TEXT)]
            assert titles[0].endswith("race weekend") and titles[1] == "Pole position: Florian Latorre"
            assert fake.threads == [] and app.channels.get(channel.id).paused_reason is None
        await fake.stop()

    run(scenario())

