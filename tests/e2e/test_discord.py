"""Discord end to end: the real discord.py against a fake REST API and gateway on
127.0.0.1, the real engine and dispatcher behind it."""
import json
import re
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.domain import EventBundle, Session
from bot.ports import DISCORD_LIMITS, UNLIMITED
from bot.sources.event_file import load_event_file
from bot.sources.replay import replay_stages
from tests.conftest import FIXTURES, LE_MANS_FILE, deliveries, new_store
from tests.e2e.fake_discord import ADMIN, DELETED, FAN, NEWS, TEXT, FakeDiscord
from tests.e2e.harness import race_bundle, running, run
from tests.e2e.fake_discord import PUBLISHED_EDITS, PUBLISHES

TOP_TEN = ["Dan Cammish", "Dino Zamparelli", "Alessio Rovera", "Ayhancan Güven", "Tom Oliphant", "Joffrey de Narda",
           "Valentin Hasse-Clot", "Philipp Morin", "Vincent Beltoise", "Euan McKay"]


@asynccontextmanager
async def discord_bot(tmp_path, seed=True, fake=None, limits=UNLIMITED):
    """The bot connected to a fake Discord. The fake keeps no send limits, so neither does
    the bot, unless a test about 429s and pacing asks for Discord's own (DISCORD_LIMITS).
    The fake has one server, so the bot need not wait 2 s for more before it is ready, and
    lets shards identify without Discord's 5 s between them."""
    fake = fake or FakeDiscord()
    if not fake.api_base_url:
        await fake.start()
    app = bootstrap(Config(db_path=new_store(tmp_path / "discord.db", seeded=seed), seed_events=seed))
    platform = app.platform("discord", fake.token, api_base_url=fake.api_base_url, gateway_url=fake.gateway_url,
                            limits=limits, guild_ready_timeout=0.1, identify_pause=0)
    try:
        async with running(app, "discord", platform):
            yield fake, app
    finally:
        app.close()


def stages():
    return replay_stages(load_event_file(LE_MANS_FILE))


def description(response: dict) -> str:
    return "\n".join(e.get("description", "") for e in response["data"]["embeds"])


def test_results_slash_command_is_answered_with_an_embed(tmp_path):
    async def scenario():
        async with discord_bot(tmp_path) as (fake, app):
            await fake.command("results", event="lemans")
            await fake.wait_for(lambda: fake.responses)
            [response] = fake.responses
            assert response["type"] == 4  # answered at once, well inside the 3 seconds
            [embed] = response["data"]["embeds"]
            assert embed["title"] == "Porsche Carrera Cup Le Mans 2017 — Race"
            text = embed["description"]
            order = [text.index(n) for n in TOP_TEN + ["Christophe Lapierre", "Nicolas Misslin", "Roar Lindland"]]
            assert order == sorted(order)
            assert response["data"]["allowed_mentions"] == {"parse": []}
        await fake.stop()

    run(scenario())


def test_the_command_tree_is_typed_localized_and_synced_only_when_it_changed(tmp_path):
    async def scenario():
        fake = FakeDiscord()
        await fake.start()
        async with discord_bot(tmp_path, fake=fake) as (_, app):
            assert fake.command_puts == 1
            tree = {c["name"]: c for c in fake.commands}
            assert list(tree) == [c.name for c in app.registry]
            results = tree["results"]
            assert results["name_localizations"] == {"fr": "résultats"}
            assert results["description_localizations"]["fr"] != results["description"]
            event = results["options"][0]
            assert (event["name"], event["type"], event["required"], event["autocomplete"]) == ("event", 3, True, True)
            assert event["name_localizations"] == {"fr": "épreuve"}
            delay = next(o for o in tree["settings"]["options"] if o["name"] == "spoiler_delay")
            assert (delay["type"], delay["min_value"], delay["max_value"]) == (4, 0, 1440)
            spoiler = next(o for o in tree["settings"]["options"] if o["name"] == "spoiler")
            assert spoiler["choices"] == [{"name": "on", "value": "on"}, {"name": "off", "value": "off"}]
            assert tree["subscribe"]["default_member_permissions"] == "16"  # Manage Channels
            assert "default_member_permissions" not in tree["results"]
            # What Discord accepts, for every command and option, in every language.
            name_ok = re.compile(r"^[-_\w]{1,32}$")
            for c in fake.commands:
                texts = [c["description"], *c["description_localizations"].values()]
                names = [c["name"], *c["name_localizations"].values()]
                for o in c["options"]:
                    texts += [o["description"], *o["description_localizations"].values()]
                    names += [o["name"], *o["name_localizations"].values()]
                    assert len(o.get("choices", ())) <= 25 and not ("choices" in o and o.get("autocomplete"))
                required = [o["required"] for o in c["options"]]
                assert required == sorted(required, reverse=True)  # required options come first
                assert all(1 <= len(t) <= 100 and t == t.strip() for t in texts), texts
                assert all(name_ok.match(n) and n == n.lower() for n in names), names
        async with discord_bot(tmp_path, fake=fake):
            assert fake.command_puts == 1  # the same tree: not sent again at the next start
        await fake.stop()

    run(scenario())


def test_autocomplete_offers_events_and_drivers(tmp_path):
    async def scenario():
        async with discord_bot(tmp_path) as (fake, app):
            await fake.autocomplete("results", "event", "le man")
            await fake.wait_for(lambda: fake.responses)
            assert fake.responses[0]["type"] == 8
            assert {"name": "Porsche Carrera Cup Le Mans 2017", "value": "Porsche Carrera Cup Le Mans 2017"} in \
                fake.responses[0]["data"]["choices"]
            await fake.autocomplete("quotes", "driver", "camm", event="lemans")
            await fake.wait_for(lambda: len(fake.responses) == 2)
            assert [c["name"] for c in fake.responses[1]["data"]["choices"]][:1] == ["Dan Cammish"]
        await fake.stop()

    run(scenario())


def test_only_channel_managers_may_subscribe_and_posts_arrive_once_and_are_published(tmp_path):
    async def scenario():
        async with discord_bot(tmp_path, seed=False) as (fake, app):
            await fake.command("subscribe", TEXT, FAN, target="all")
            await fake.wait_for(lambda: fake.responses)
            [refusal] = fake.responses
            assert refusal["type"] == 4  # refused at once, not deferred
            assert refusal["data"]["content"] == "Only the channel's admins can use /subscribe."
            assert refusal["data"]["flags"] & 64  # ephemeral: only the caller sees it
            assert app.db["subscriptions"].count == 0 and app.db["channels"].count == 0  # nothing written
            await fake.command("subscribe", TEXT, ADMIN, target="all")
            await fake.command("subscribe", NEWS, ADMIN, target="all", kinds="pole")
            await fake.wait_for(lambda: app.db["subscriptions"].count == 2)
            await fake.wait_for(lambda: len(fake.responses) == 5)
            assert [r.get("type") for r in fake.responses[1:]] == [5, 5, None, None]  # admins: defer, then follow up
            assert "follows" in fake.responses[3]["embeds"][0]["title"]
            for stage in stages()[:2]:
                app.store([stage.bundle], stage.label)
            app.store([stages()[0].bundle], "the same facts again")
            await fake.wait_for(lambda: len(fake.to(TEXT)) == 2 and len(fake.to(NEWS)) == 1)
            await fake.wait_for(lambda: deliveries(app.db) == {"sent": 3})  # nothing more can be sent
            titles = [p.body["embeds"][0]["title"] for p in fake.to(TEXT)]
            assert titles == ["Pole position: Florian Latorre", "Safety car — Porsche Carrera Cup Le Mans 2017"]
            [pole] = fake.to(NEWS)
            # An announcement channel's post goes to its followers too (just after it is sent).
            await fake.wait_for(lambda: fake.published == [pole.id])
            for post in fake.posted:
                assert post.body["enforce_nonce"] is True and post.body["nonce"]
                assert post.body["allowed_mentions"] == {"parse": []}
        await fake.stop()

    run(scenario())


def test_a_429_is_waited_out_and_a_deleted_channel_pauses_its_subscription(tmp_path):
    async def scenario():
        async with discord_bot(tmp_path, seed=False, limits=DISCORD_LIMITS) as (fake, app):
            for channel in (TEXT, DELETED):
                app.channels.subscribe(app.channels.ensure("discord", str(channel)).id, "all", "", ("pole",))
            fake.fail(TEXT, 429, {"message": "You are being rate limited.", "retry_after": 0.3, "global": False},
                      {"Via": "1.1 google", "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
                       "X-RateLimit-Reset-After": "0.3", "X-RateLimit-Bucket": "fake", "X-RateLimit-Scope": "user"})
            app.store([stages()[0].bundle], "qualifying")
            await fake.wait_for(lambda: fake.to(TEXT))
            # TEXT's delivery sent, the deleted channel's kept but paused (never sent to):
            # nothing more can go out, so the count below is final.
            await fake.wait_for(lambda: app.channels.find("discord", str(DELETED)).paused_reason)
            await fake.wait_for(lambda: deliveries(app.db) == {"sent": 1, "pending": 1})
            assert len(fake.to(TEXT)) == 1 and not fake.errors[TEXT]
            gone = app.channels.find("discord", str(DELETED))
            assert "Unknown Channel" in gone.paused_reason
            assert all(s.paused for s in app.channels.subscriptions(gone.id))
        await fake.stop()

    run(scenario())


def hostile_bundle() -> EventBundle:
    start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=2)
    later = Session("hostile-cup-2026/qualifying-2", "hostile-cup-2026", "qualifying", "Qualifying", day=start.date(),
                    start=start, end=start + timedelta(hours=1))
    return race_bundle("hostile-cup", "Hostile Cup", [("**Bold** `code` ||hidden||",)],
                       quotes=[("**Bold**", "@everyone look at this <@&123> ping")], more_sessions=(later,))


def test_hostile_text_pings_nobody_and_session_times_are_discord_timestamps(tmp_path):
    async def scenario():
        async with discord_bot(tmp_path) as (fake, app):
            app.store([hostile_bundle()], "hostile")
            await fake.command("quotes", event="hostile")
            await fake.command("next")
            await fake.wait_for(lambda: len(fake.responses) == 2)
            quote, upcoming = fake.responses
            assert quote["data"]["allowed_mentions"] == {"parse": []}
            text = description(quote)
            # Shown, escaped, and pinging nobody: allowed_mentions is empty.
            assert "> @everyone look at this <@&123\\> ping" in text and "\\*\\*Bold\\*\\*" in text
            start = int((datetime.now(timezone.utc) + timedelta(days=2)).replace(microsecond=0).timestamp())
            assert f"<t:{start}:f>" in description(upcoming) or any(
                f"<t:{start + d}:f>" in description(upcoming) for d in (-1, 1))
        await fake.stop()

    run(scenario())


def test_a_report_sent_with_ingest_is_published_only_when_the_operator_presses_publish(tmp_path):
    text = (FIXTURES / "reports" / "fr_gt4_nogaro.txt").read_text(encoding="utf-8")

    async def scenario():
        async with discord_bot(tmp_path) as (fake, app):
            await fake.command("ingest", TEXT, ADMIN, report=text)
            await fake.wait_for(lambda: len(fake.responses) == 2)
            listing = fake.responses[1]
            [[button]] = [row["components"] for row in listing["components"]]
            assert "facts found" in listing["embeds"][0]["title"] and button["label"] == "Publish"
            assert app.db.execute("SELECT count(*) FROM sources WHERE id LIKE 'report-%'").fetchone()[0] == 0
            await fake.press(button["custom_id"], TEXT, FAN)
            await fake.wait_for(lambda: len(fake.responses) == 3)
            assert fake.responses[2]["data"]["flags"] & 64  # refused, privately
            assert app.db.execute("SELECT count(*) FROM sources WHERE id LIKE 'report-%'").fetchone()[0] == 0
            await fake.press(button["custom_id"], TEXT, ADMIN)  # the application's owner: an operator
            await fake.wait_for(lambda: len(fake.responses) == 4)
            assert fake.responses[3]["data"]["embeds"][0]["title"] == "Published 19 facts from the report."
            assert app.db.execute("SELECT published_by FROM sources WHERE id LIKE 'report-%'").fetchone()[0] == \
                f"discord:{ADMIN}"
            shown = app.ask("/results nogaro 2024", app.context())
            assert [r["driver"] for r in shown.data["results"]][:2] == ["Lucie Marchand", "Thomas Girard"]
        await fake.stop()

    run(scenario())


def test_a_report_attached_as_a_file_is_read_from_discord_s_storage(tmp_path):
    data = (FIXTURES / "reports" / "en_gt_monza.txt").read_bytes()

    async def scenario():
        async with discord_bot(tmp_path) as (fake, app):
            option = next(o for o in next(c for c in fake.commands if c["name"] == "ingest")["options"]
                          if o["name"] == "file")
            assert option["type"] == 11 and not option["required"]
            await fake.command("ingest", TEXT, ADMIN, attachment=("monza.txt", data))
            await fake.wait_for(lambda: len(fake.responses) == 2)
            listing = fake.responses[1]
            assert "facts found" in listing["embeds"][0]["title"] and listing["components"]
            assert "Maria Costa" in json.dumps(listing["embeds"], ensure_ascii=False)
        await fake.stop()

    run(scenario())


OTHER_GUILD, OTHER_TEXT = 900000000004194314, 930000000000000001  # a server on the other shard of two


def test_two_shards_each_answer_their_servers_commands_and_get_their_posts(tmp_path):
    async def scenario():
        fake = FakeDiscord()
        fake.shards = 2
        fake.add_guild(OTHER_GUILD, "Endurance fans", {OTHER_TEXT: (0, "race-news-2")})
        await fake.start()
        assert {fake.shard_of(g) for g in fake.guilds} == {0, 1}
        async with discord_bot(tmp_path, seed=False, fake=fake) as (_, app):
            assert sorted(fake.shard_sessions) == [[0, 2], [1, 2]]  # one process, both shards identified
            for channel in (TEXT, OTHER_TEXT):
                await fake.command("subscribe", channel, ADMIN, target="all")
            await fake.wait_for(lambda: app.db["subscriptions"].count == 2)
            app.store([stages()[0].bundle], "qualifying")
            await fake.wait_for(lambda: deliveries(app.db) == {"sent": 2})
            for channel in (TEXT, OTHER_TEXT):
                [post] = fake.to(channel)
                assert post.body["embeds"][0]["title"] == "Pole position: Florian Latorre"
            await fake.command("pole", OTHER_TEXT, event="lemans")
            await fake.command("pole", TEXT, event="lemans")
            await fake.wait_for(lambda: len(fake.responses) == 6)  # 2 × (defer + follow-up), then 2 answers
            answers = [r for r in fake.responses[-2:]]
            assert all("Florian Latorre" in description(a) or "Florian Latorre" in json.dumps(a) for a in answers)
        await fake.stop()

    run(scenario())


def test_an_announcement_channel_publishes_and_corrects_within_discords_hourly_limits(tmp_path):
    """Discord allows 10 publishes an hour per announcement channel and 3 edits an hour of a
    published post. Beyond, posts still go out at once (unpublished), a correction waits
    without holding back the channel's new posts, and Discord never has to say no."""
    drivers = [("Ann Example",), ("Bea Example",)]

    async def scenario():
        async with discord_bot(tmp_path, seed=False) as (fake, app):
            news = app.channels.ensure("discord", str(NEWS))
            app.channels.subscribe(news.id, "all", "", ())
            for i in range(PUBLISHES + 2):
                app.store([race_bundle(f"cup-{i}", f"Cup {i}", drivers)], f"cup {i}")
            await fake.wait_for(lambda: deliveries(app.db) == {"sent": PUBLISHES + 2})
            await fake.wait_for(lambda: len(fake.published) == PUBLISHES)
            assert len(fake.to(NEWS)) == PUBLISHES + 2  # every post is in the channel
            first = fake.to(NEWS)[0].id
            assert first in fake.published
            # Corrections of the first (published) finish: three edits this hour, then it waits.
            for n in range(1, PUBLISHED_EDITS + 2):
                app.store([race_bundle("cup-0", "Cup 0", drivers[::-1] if n % 2 else drivers)], f"correction {n}")
                if n <= PUBLISHED_EDITS:
                    await fake.wait_for(lambda: len(fake.edits) == n and deliveries(app.db) == {"sent": PUBLISHES + 2})
            await fake.wait_for(lambda: app.db.execute(
                "SELECT count(*) FROM deliveries WHERE status = 'pending' AND last_error LIKE '%edited 3 times an hour%'"
            ).fetchone()[0] == 1)
            # The waiting correction holds back none of the channel's new posts.
            app.store([race_bundle("late-cup", "Late Cup", drivers)], "a later race")
            await fake.wait_for(lambda: len(fake.to(NEWS)) == PUBLISHES + 3)
            assert len(fake.edits) == PUBLISHED_EDITS
            assert fake.refused == []  # counted on our side: never asked beyond Discord's limits
        await fake.stop()

    run(scenario())
