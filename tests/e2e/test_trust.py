"""Attacks on publishing and on /ingest links, end to end: the real python-telegram-bot and
discord.py against the loopback fakes, the real engine behind them."""
import asyncio
import functools
from contextlib import asynccontextmanager

from aiohttp import web

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.ports import UNLIMITED
from bot.reports.fetch import fetch_untrusted
from tests.conftest import FIXTURES, new_store
from tests.e2e.fake_discord import ADMIN as OWNER, TEXT, FakeDiscord
from tests.e2e.fake_telegram import FakeTelegram
from tests.e2e.harness import running, run
from tests.e2e.test_telegram import text_of
from tests.loopback import Loopback

REPORT = (FIXTURES / "reports" / "fr_gt4_nogaro.txt").read_text(encoding="utf-8")
OPERATOR, FAN = 1, 2  # Telegram users; the operator is named in the config
GROUP, OTHER_GROUP, STRANGERS = -500, -600, -777
PUBLIC_SITE = "127.0.0.2"  # stands in for a public web site: the only address the tests' policy allows
REPORTS = "SELECT count(*) FROM sources WHERE id LIKE 'report-%'"


@asynccontextmanager
async def telegram(tmp_path):
    fake = FakeTelegram()
    base = await fake.start()
    for user in (OPERATOR, FAN):
        fake.chat(user, "private")
    fake.chat(GROUP, "group", "Porsche fans", admins=(OPERATOR,))
    fake.chat(OTHER_GROUP, "supergroup", "Le Mans club", admins=(OPERATOR,))
    fake.chat(STRANGERS, "supergroup", "Strangers")
    app = bootstrap(Config(db_path=new_store(tmp_path / "trust.db", seeded=True),
                           operators=(("telegram", (str(OPERATOR),)),)))
    # The fake keeps no send limits, so the bot need not pace itself to Telegram's.
    platform = app.platform("telegram", fake.token, base_url=base, poll_timeout=1, limits=UNLIMITED)
    try:
        async with running(app, "telegram", platform):
            yield fake, app
    finally:
        await fake.stop()
        app.close()


def last(fake, chat):
    return text_of(fake.to(chat)[-1].text)


def test_a_fan_in_a_private_chat_gets_a_preview_and_cannot_confirm(tmp_path):
    async def scenario():
        async with telegram(tmp_path) as (fake, app):
            fake.say(FAN, "/ingest " + REPORT, user_id=FAN)
            await fake.wait_for(lambda: fake.to(FAN))
            preview = fake.to(FAN)[0]
            assert text_of(preview.text).startswith("Preview: ") and preview.reply_markup is None
            fake.say(GROUP, "/ingest " + REPORT, user_id=OPERATOR)
            await fake.wait_for(lambda: fake.to(GROUP))
            token = fake.to(GROUP)[0].reply_markup["inline_keyboard"][0][0]["callback_data"].split()[-1]
            fake.say(FAN, f"/confirm {token}", user_id=FAN)
            await fake.wait_for(lambda: len(fake.to(FAN)) == 2)
            assert last(fake, FAN).startswith("Only Pitboard's operators can use /confirm")
            assert app.db.execute(REPORTS).fetchone()[0] == 0 and app.db["pending_reports"].count == 1

    run(scenario())


def test_a_group_member_without_rights_is_refused_and_leaves_no_trace(tmp_path):
    async def scenario():
        async with telegram(tmp_path) as (fake, app):
            for line in ("/subscribe all", "/settings role:123", "/ingest " + REPORT):
                fake.say(STRANGERS, line, user_id=FAN)
            await fake.wait_for(lambda: len(fake.to(STRANGERS)) == 3)
            assert all("Only the channel's admins" in text_of(s.text) for s in fake.to(STRANGERS))
            assert app.channels.find("telegram", str(STRANGERS)) is None

    run(scenario())


def test_a_token_is_refused_from_another_chat_another_person_and_the_publish_button_of_others(tmp_path):
    async def scenario():
        async with telegram(tmp_path) as (fake, app):
            fake.say(GROUP, "/ingest " + REPORT, user_id=OPERATOR)
            await fake.wait_for(lambda: fake.to(GROUP))
            listing = fake.to(GROUP)[0]
            data = listing.reply_markup["inline_keyboard"][0][0]["callback_data"]
            token = data.split()[-1]
            fake.press(listing, data, user_id=FAN)  # a member presses Publish
            fake.say(GROUP, f"/confirm {token}", user_id=FAN)
            fake.say(OPERATOR, f"/confirm {token}", user_id=OPERATOR)  # the operator, but in a private chat
            fake.say(OTHER_GROUP, f"/confirm {token}", user_id=OPERATOR)  # ... in another group
            await fake.wait_for(lambda: len(fake.answered) == 1 and len(fake.to(GROUP)) == 2 and fake.to(OPERATOR)
                                and fake.to(OTHER_GROUP))
            assert last(fake, GROUP).startswith("Only Pitboard's operators")
            for chat in (OPERATOR, OTHER_GROUP):
                assert last(fake, chat).startswith("This token belongs to another chat or another person")
            assert app.db.execute(REPORTS).fetchone()[0] == 0 and fake.edits == []
            fake.press(listing, data, user_id=OPERATOR)
            await fake.wait_for(lambda: fake.edits)
            assert text_of(fake.edits[0].text).startswith("Published ")
            assert app.db.execute("SELECT published_by FROM sources WHERE id LIKE 'report-%'").fetchone()[0] == \
                f"telegram:{OPERATOR}"

    run(scenario())


class Sites:
    """A stand-in public site (on 127.0.0.2) and an internal one (127.0.0.1), counting what
    each was asked."""

    def __init__(self):
        self.internal_hits, self.public_hits = [], []
        self.release = asyncio.Event()

    async def start(self):
        async def secret(request):
            self.internal_hits.append(request.path)
            return web.Response(text="internal admin page: db password is swordfish " * 10)

        async def public(request):
            self.public_hits.append(request.path)
            if request.path == "/moved":
                raise web.HTTPFound(f"{self.internal.base}/secret")
            response = web.StreamResponse(headers={"Content-Type": "text/html"})
            await response.prepare(request)
            while not self.release.is_set():  # a byte now and then, for ever
                await response.write(b" ")
                try:
                    await asyncio.wait_for(self.release.wait(), 0.5)
                except asyncio.TimeoutError:
                    pass
            return response

        self.internal, self.public = Loopback(), Loopback(PUBLIC_SITE)
        await self.internal.start([web.get("/{p:.*}", secret)])
        await self.public.start([web.get("/{p:.*}", public)])
        return self

    async def stop(self):
        self.release.set()
        await self.internal.stop()
        await self.public.stop()


def test_links_to_internal_addresses_are_refused_and_never_fetched(tmp_path):
    async def scenario():
        sites = await Sites().start()
        port = sites.internal.base.rsplit(":", 1)[1]
        try:
            async with telegram(tmp_path) as (fake, app):
                # The tests' "public" site lives on 127.0.0.2: only that address is allowed.
                app.reports.chat_allow = lambda ip: str(ip) == PUBLIC_SITE
                links = [f"{sites.internal.base}/secret", f"http://localhost:{port}/secret",
                         f"http://2130706433:{port}/secret", f"http://0x7f000001:{port}/secret",
                         f"http://[::ffff:127.0.0.1]:{port}/secret", f"{sites.public.base}/moved"]
                for link in links:
                    fake.say(GROUP, f"/ingest {link}", user_id=OPERATOR)
                await fake.wait_for(lambda: len(fake.to(GROUP)) == len(links))
                answers = [text_of(s.text) for s in fake.to(GROUP)]
                assert all("is not a public address" in a for a in answers), answers
                assert not any("swordfish" in a for a in answers)
                assert sites.internal_hits == [] and sites.public_hits == ["/moved"]
        finally:
            await sites.stop()

    run(scenario())


def test_a_drip_feeding_link_does_not_slow_other_chats(tmp_path):
    async def scenario():
        sites = await Sites().start()
        try:
            async with telegram(tmp_path) as (fake, app):
                app.reports.chat_allow = lambda ip: str(ip) == PUBLIC_SITE
                # A short deadline (as in tests/unit/test_safe_fetch.py): what matters here is
                # that the other chat is answered while the link drips, not how long it drips.
                app.reports.fetch = functools.partial(fetch_untrusted, deadline=1.0)
                fake.say(GROUP, f"/ingest {sites.public.base}/drip", user_id=OPERATOR)
                await fake.wait_for(lambda: sites.public_hits)
                fake.say(FAN, "/results lemans", user_id=FAN)  # another chat, while the link drips
                await fake.wait_for(lambda: fake.to(FAN))
                assert "Dan Cammish" in last(fake, FAN) and fake.to(GROUP) == []  # answered first
                await fake.wait_for(lambda: fake.to(GROUP), timeout=15)
                assert last(fake, GROUP) == f"{PUBLIC_SITE} took longer than 1 s to answer; try another link."
        finally:
            await sites.stop()

    run(scenario())


def test_on_discord_a_server_admin_who_is_not_an_operator_gets_a_preview_without_publish(tmp_path):
    async def scenario():
        fake = FakeDiscord()
        await fake.start()
        # Operators named in the config replace the default (the application's owner).
        app = bootstrap(Config(db_path=new_store(tmp_path / "discord.db", seeded=True),
                               operators=(("discord", ("123456789",)),)))
        # No send limits at the fake; one server, so no 2 s wait for more before ready.
        platform = app.platform("discord", fake.token, api_base_url=fake.api_base_url, gateway_url=fake.gateway_url,
                                limits=UNLIMITED, guild_ready_timeout=0.1)
        try:
            async with running(app, "discord", platform):
                await fake.command("ingest", TEXT, OWNER, report=REPORT)
                await fake.wait_for(lambda: len(fake.responses) == 2)
                preview = fake.responses[1]
                assert preview["embeds"][0]["title"].startswith("Preview: ") and not preview.get("components")
                await fake.command("confirm", TEXT, OWNER, token="0123456789abcdef")
                await fake.wait_for(lambda: len(fake.responses) == 4)
                assert fake.responses[3]["content"].startswith("Only Pitboard's operators can use /confirm")
                assert app.db.execute(REPORTS).fetchone()[0] == 0
        finally:
            app.close()
            await fake.stop()

    run(scenario())
