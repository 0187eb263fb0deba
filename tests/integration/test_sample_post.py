"""`/test`: an admin sends one sample post to their own channel, through the outbox and the
dispatcher like a race post, shown with the channel's settings; nobody else gets it."""
import asyncio

from bot.platforms.fake import FakePlatform
from tests.conftest import deliveries


def test_an_admin_s_test_post_reaches_their_channel_only_and_others_may_not_send_one(app):
    mine, other = app.channels.ensure("fake", "mine"), app.channels.ensure("fake", "other")
    for channel in (mine, other):
        app.channels.subscribe(channel.id, "all", "")
    mine = app.channels.configure(mine.id, lang="fr", mention_role="4242")
    fake = FakePlatform()
    refused = app.ask("/test", app.commands.context(channel=app.channels.get(other.id), user="fake:7"))
    answer = app.ask("/test", app.commands.context(channel=mine, is_admin=True, user="fake:1"))

    async def go():
        await app.dispatcher({"fake": fake}).run_until_idle(poll=0.01)

    asyncio.run(go())
    assert refused.error and deliveries(app.db) == {"sent": 1}
    assert "Un message de test part vers ce salon" in answer.title
    [post] = fake.posts_to("mine")
    assert post.title.startswith("Message de test — ") and post.mention == "4242"
    assert "Voiture de sécurité" in "\n".join(b.text for b in post.blocks)
    assert fake.posts_to("other") == []
