"""Sessions as Discord scheduled events, end to end: the real discord.py against the fake
Discord, the real engine behind it. One event per server and session, made once (a second
sync or a restart makes none), moved with its session, cancelled with it; nothing for a
channel that did not opt in; a server without Manage Events is told once and left alone."""
import logging
import time
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta, timezone

import pytest

from bot.bootstrap import bootstrap
from bot.config import Config, ConfigError
from bot.config.lists import preset
from bot.domain import Event, EventBundle, Series, Session, Source
from bot.platforms.discord_events import REFUSED_BACKOFF
from bot.ports import UNLIMITED
from tests.conftest import new_store
from tests.e2e.fake_discord import GUILD_ID, NEWS, TEXT, FakeDiscord
from tests.e2e.harness import run
from tests.e2e.test_discord import discord_bot

SERIES = Series("autumn", "Autumn Series")
EVENT = Event("autumn-cup-2031", "autumn", "Autumn Cup", date(2031, 10, 12), "Europe/Paris", venue="Circuit d'Automne")
OTHER = Event("spring-cup-2031", "autumn", "Spring Cup", date(2031, 4, 6), "Europe/Paris")
PRACTICE = datetime(2031, 10, 11, 9, 0, tzinfo=timezone.utc)
QUALIFYING = datetime(2031, 10, 11, 14, 0, tzinfo=timezone.utc)
RACE = datetime(2031, 10, 12, 13, 0, tzinfo=timezone.utc)


def _sessions(race_start=RACE, race_status="scheduled") -> tuple[Session, ...]:
    return (Session(f"{EVENT.id}/fp", EVENT.id, "practice", "Free Practice", day=PRACTICE.date(), start=PRACTICE),
            Session(f"{EVENT.id}/q", EVENT.id, "qualifying", "Qualifying", day=QUALIFYING.date(), start=QUALIFYING,
                    end=QUALIFYING + timedelta(minutes=30)),
            Session(f"{EVENT.id}/race", EVENT.id, "race", "Race", status=race_status, day=race_start.date(),
                    start=race_start),
            # A day with no time yet: no scheduled event until its start is known.
            Session(f"{EVENT.id}/warmup", EVENT.id, "practice", "Warm-up", day=RACE.date()))


def _calendar(app, race_start=RACE, race_status="scheduled") -> None:
    """The organiser's calendar, as an event file gives it."""
    source = (Source("cal", "event_file", "Calendar"),)
    other = Session(f"{OTHER.id}/race", OTHER.id, "race", "Race", day=OTHER.date,
                    start=datetime(2031, 4, 6, 12, 0, tzinfo=timezone.utc))
    app.store([EventBundle(SERIES, EVENT, source, _sessions(race_start, race_status)),
               EventBundle(SERIES, OTHER, source, (other,))], "calendar")


def _opt_in(app, address=TEXT, on=True, follow=EVENT.id):
    channel = app.channels.ensure("discord", str(address))
    app.channels.subscribe(channel.id, "event", follow, ())
    return app.channels.configure(channel.id, server_events=on)


@asynccontextmanager
async def calendar_bot(tmp_path, fake):
    """The bot on the fake Discord, like `discord_bot`, handing the test its engine too (to
    run a sync and wait for it)."""
    app = bootstrap(Config(db_path=new_store(tmp_path / "events.db"), seed_events=False))
    platform = app.platform("discord", fake.token, api_base_url=fake.api_base_url, gateway_url=fake.gateway_url,
                            limits=UNLIMITED, guild_ready_timeout=0.1, identify_pause=0)
    engine = app.engine({"discord": platform})
    await platform.start()
    engine.start()
    try:
        yield app, engine, platform
    finally:
        await engine.shutdown()
        await platform.stop()
        app.close()


def _made(fake) -> list[dict]:
    return [body for method, _, body in fake.event_requests if method == "POST"]


def test_opting_in_lists_each_upcoming_session_once_even_across_restarts(tmp_path):
    async def scenario():
        fake = FakeDiscord()
        await fake.start()
        async with calendar_bot(tmp_path, fake) as (app, engine, _):
            _calendar(app)
            _opt_in(app)
            await engine.sync_calendars()
            events = fake.events_of(GUILD_ID)
            assert [e["name"] for e in events] == ["Autumn Cup 2031 — Free Practice", "Autumn Cup 2031 — Qualifying",
                                                   "Autumn Cup 2031 — Race"]  # not the Spring Cup: not followed
            practice, qualifying, race = events
            assert (practice["scheduled_start_time"], practice["scheduled_end_time"]) == (
                PRACTICE.isoformat(), (PRACTICE + timedelta(hours=1)).isoformat())  # a practice's usual hour
            assert qualifying["scheduled_end_time"] == (QUALIFYING + timedelta(minutes=30)).isoformat()  # as given
            assert race["scheduled_end_time"] == (RACE + timedelta(hours=2)).isoformat()
            assert {(e["entity_type"], e["privacy_level"], e["status"]) for e in events} == {(3, 2, 1)}
            assert {e["entity_metadata"]["location"] for e in events} == {"Circuit d'Automne"}
            # A second channel of the same server following the same event: still one each.
            _opt_in(app, NEWS)
            await engine.sync_calendars()
            await engine.sync_calendars()
            assert len(_made(fake)) == 3 and len(fake.event_requests) == 3
        async with calendar_bot(tmp_path, fake) as (app, engine, _):  # a restart on the same database
            await engine.sync_calendars()
            assert len(fake.event_requests) == 3 and len(fake.events_of(GUILD_ID)) == 3
            # Made just before a crash, never remembered: found by its name, not made again.
            app.db.execute("DELETE FROM server_events WHERE session_id = ?", [f"{EVENT.id}/race"])
            app.db.conn.commit()
            await engine.sync_calendars()
            assert len(_made(fake)) == 3 and len(fake.events_of(GUILD_ID)) == 3
            assert app.db.execute("SELECT count(*) FROM server_events").fetchone()[0] == 3
        await fake.stop()

    run(scenario())


def test_a_moved_session_moves_its_event_and_a_cancelled_one_cancels_it(tmp_path):
    async def scenario():
        fake = FakeDiscord()
        await fake.start()
        async with calendar_bot(tmp_path, fake) as (app, engine, _):
            _calendar(app)
            _opt_in(app)
            await engine.sync_calendars()
            race = next(e for e in fake.events_of() if e["name"].endswith("Race"))
            earlier = RACE - timedelta(hours=3)
            _calendar(app, earlier)  # the schedule listener syncs at once, no ten-minute wait
            await fake.wait_for(lambda: any(m == "PATCH" for m, _, _ in fake.event_requests))
            [(_, _, body)] = [r for r in fake.event_requests if r[0] == "PATCH"]
            assert body["scheduled_start_time"] == earlier.isoformat()
            assert body["scheduled_end_time"] == (earlier + timedelta(hours=2)).isoformat()
            assert fake.scheduled_events[int(race["id"])]["scheduled_start_time"] == earlier.isoformat()
            assert len(_made(fake)) == 3
            _calendar(app, earlier, "cancelled")
            await fake.wait_for(lambda: fake.scheduled_events[int(race["id"])]["status"] == 4)
            await engine.sync_calendars()
            assert len(_made(fake)) == 3 and [m for m, _, _ in fake.event_requests].count("PATCH") == 2
            # Turned off: the sessions still to come leave the server's calendar.
            channel = app.channels.find("discord", str(TEXT))
            app.channels.configure(channel.id, server_events=False)
            await engine.sync_calendars()
            assert [e["status"] for e in fake.events_of()] == [4]  # the cancelled one stays, as on Discord
            assert app.db.execute("SELECT count(*) FROM server_events").fetchone()[0] == 0
        await fake.stop()

    run(scenario())


def test_a_channel_that_did_not_opt_in_gets_no_events(tmp_path):
    async def scenario():
        fake = FakeDiscord()
        await fake.start()
        async with calendar_bot(tmp_path, fake) as (app, engine, _):
            _calendar(app)
            _opt_in(app, on=False)
            await engine.sync_calendars()
            assert fake.event_requests == [] and fake.scheduled_events == {}
        await fake.stop()

    run(scenario())


def test_a_server_without_manage_events_is_told_once_and_left_alone_until_the_back_off(tmp_path, caplog):
    async def scenario():
        fake = FakeDiscord()
        await fake.start()
        fake.events_refused.add(GUILD_ID)
        async with calendar_bot(tmp_path, fake) as (app, engine, platform):
            _calendar(app)
            _opt_in(app)
            with caplog.at_level(logging.INFO, logger="bot.platforms.discord_events"):
                await engine.sync_calendars()
                await engine.sync_calendars()
            warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
            assert len(warnings) == 1 and "Manage Events" in warnings[0].getMessage()
            assert len(fake.event_requests) == 1  # refused once, not asked again at every sync
            # The bot keeps working.
            await fake.command("next")
            await fake.wait_for(lambda: fake.responses)
            # After the back-off, with the permission given, the events are made.
            fake.events_refused.clear()
            start = time.monotonic()
            platform.calendar.clock = lambda: start + REFUSED_BACKOFF + 1
            await engine.sync_calendars()
            assert len(fake.events_of()) == 3
        await fake.stop()

    run(scenario())


def test_the_server_events_setting_is_for_discord_channels_only(tmp_path):
    async def scenario():
        async with discord_bot(tmp_path) as (fake, app):
            telegram = app.channels.ensure("telegram", "-1001")
            answer = await app.ask_async("/settings server_events:on", app.context(is_admin=True, channel=telegram))
            assert answer.error and "Discord server" in answer.title
            assert app.channels.get(telegram.id).server_events is False
            discord = app.channels.ensure("discord", str(TEXT))
            answer = await app.ask_async("/settings server_events:on", app.context(is_admin=True, channel=discord))
            assert not answer.error and answer.data["server_events"] is True
            assert app.channels.get(discord.id).server_events is True
        await fake.stop()

    run(scenario())
    with pytest.raises(ConfigError, match="server_events is for Discord channels only"):
        preset({"platform": "telegram", "address": "-1001", "server_events": True}, "[[channels]] 1")
    assert dict(preset({"platform": "discord", "address": "1", "server_events": True}, "[[channels]] 1").settings) == \
        {"server_events": True}


def test_the_invite_link_can_ask_for_manage_events_too(cli):
    plain = cli("invite-url", "--application-id", "123456789012345678", "--json").json()
    events = cli("invite-url", "--application-id", "123456789012345678", "--events", "--json").json()
    assert events["permissions"] == plain["permissions"] + (1 << 33)
    assert events["permission_names"] == [*plain["permission_names"], "Manage Events"]


def test_a_new_event_s_sessions_reach_the_server_without_waiting_for_the_next_round(tmp_path):
    """A channel following the series: an event imported later is listed at once (the
    import tells the engine), not at the next ten-minute sync."""
    async def scenario():
        fake = FakeDiscord()
        await fake.start()
        async with calendar_bot(tmp_path, fake) as (app, engine, _):
            channel = app.channels.ensure("discord", str(TEXT))
            app.channels.subscribe(channel.id, "series", SERIES.id, ())
            app.channels.configure(channel.id, server_events=True)
            await engine.sync_calendars()
            assert fake.events_of(GUILD_ID) == []
            _calendar(app)  # the organiser publishes the calendar
            await fake.wait_for(lambda: len(fake.events_of(GUILD_ID)) == 4)  # both events' sessions
        await fake.stop()

    run(scenario())
