"""A session that moves or is cancelled: one notice per real change to each channel that
follows it, with both times in the channel's own zone; reminders follow the new time."""
import asyncio
import json
from datetime import datetime, timedelta, timezone

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.domain import Event, EventBundle, Series, Session, Source
from bot.platforms.fake import FakePlatform
from tests.conftest import new_store

SERIES = Series("autumn", "Autumn Series")
EVENT = Event("autumn-cup-2031", "autumn", "Autumn Cup", datetime(2031, 10, 12).date(), "Europe/Paris")
PLANNED = datetime(2031, 10, 12, 13, 0, tzinfo=timezone.utc)  # 15:00 in Paris, 22:00 in Tokyo
EARLIER = PLANNED - timedelta(hours=3)


def _calendar(app, start: datetime | None, status: str = "scheduled") -> None:
    """The organiser's calendar as an event file gives it: the race at `start`."""
    race = Session("autumn-cup-2031/race", EVENT.id, "race", "Race", status=status, day=EVENT.date, start=start)
    app.store([EventBundle(SERIES, EVENT, (Source("cal", "event_file", "Calendar"),), (race,))], "calendar")


def _send(app) -> FakePlatform:
    fake = FakePlatform()
    dispatcher = app.dispatcher({"fake": fake})

    async def send_all():
        while await dispatcher.run_once():
            pass

    asyncio.run(send_all())
    return fake


def _app(tmp_path, now: datetime):
    app = bootstrap(Config(db_path=new_store(tmp_path / "s.db", seeded=False), seed_events=False),
                    clock=lambda: now.timestamp())
    for address, zone, lang in (("paris", "Europe/Paris", "en"), ("tokyo", "Asia/Tokyo", "fr")):
        channel = app.channels.ensure("fake", address)
        app.channels.configure(channel.id, timezone=zone, lang=lang, reminders_min=30)
        app.channels.subscribe(channel.id, "event", EVENT.id, ())
    return app


def _notices(app) -> list[tuple[str, str]]:
    return [(key, kind) for key, kind in app.db.execute("SELECT key, kind FROM updates WHERE kind = 'schedule' "
                                                         "ORDER BY id").fetchall()]


def test_a_moved_session_tells_each_channel_once_with_both_times_in_its_zone(tmp_path):
    app = _app(tmp_path, PLANNED - timedelta(days=2))
    try:
        _calendar(app, PLANNED)
        assert _notices(app) == []  # a session first seen is no change
        _calendar(app, EARLIER)  # three hours earlier, as a Grand Prix once was
        _calendar(app, EARLIER)  # the same again: nothing new
        posts = {s.channel: s.message for s in _send(app).sent}
        assert _notices(app) == [("schedule:autumn-cup-2031/race:1", "schedule")]
        paris, tokyo = posts["paris"], posts["tokyo"]
        assert paris.title == "Race moved — Autumn Cup 2031"
        text = paris.blocks[0].text
        assert "now starts Sun, October 12, 2031, 12:00 CEST" in text and "It was due Sun, October 12, 2031, 15:00 CEST" in text
        assert "19:00 JST" in tokyo.blocks[0].text and "22:00 JST" in tokyo.blocks[0].text  # in French, Tokyo time
        assert tokyo.title.startswith("Course : horaire changé")
    finally:
        app.close()


def test_moving_back_and_forth_makes_one_notice_per_real_change(tmp_path):
    """Each change from what fans were last told is one notice (the last move back too);
    the same time again is none."""
    app = _app(tmp_path, PLANNED - timedelta(days=2))
    try:
        for start in (PLANNED, EARLIER, EARLIER, PLANNED, EARLIER):
            _calendar(app, start)
        changes = [(json.loads(p)["old"], json.loads(p)["new"]) for (p,) in app.db.execute(
            "SELECT payload FROM updates WHERE kind = 'schedule' ORDER BY id")]
        assert changes == [(PLANNED.isoformat(), EARLIER.isoformat()), (EARLIER.isoformat(), PLANNED.isoformat()),
                           (PLANNED.isoformat(), EARLIER.isoformat())]
        assert app.db.execute("SELECT count(*) FROM deliveries d JOIN updates u ON u.id = d.update_id "
                              "WHERE u.kind = 'schedule'").fetchone()[0] == 6  # two channels, three notices
    finally:
        app.close()


def test_a_time_withdrawn_then_given_again_is_compared_with_the_one_told(tmp_path):
    """13:00 → "to be confirmed" → 10:00: one notice (13:00 to 10:00); the reminder planned
    for 13:00 is dropped as soon as the time is withdrawn."""
    now = PLANNED - timedelta(hours=1)
    app = _app(tmp_path, now)
    try:
        _calendar(app, PLANNED)
        app.announcer.remind(now)
        _calendar(app, None)
        assert _notices(app) == [] and {s for (s,) in app.db.execute(
            "SELECT d.status FROM deliveries d JOIN updates u ON u.id = d.update_id WHERE u.kind = 'reminder'")} == {
            "expired"}
        _calendar(app, PLANNED + timedelta(hours=2))
        [(payload,)] = app.db.execute("SELECT payload FROM updates WHERE kind = 'schedule'").fetchall()
        assert json.loads(payload)["old"] == PLANNED.isoformat()
    finally:
        app.close()


def test_cancelled_then_back_then_cancelled_again_tells_each_change(tmp_path):
    app = _app(tmp_path, PLANNED - timedelta(days=2))
    try:
        _calendar(app, PLANNED)
        for status in ("cancelled", "scheduled", "cancelled"):
            _calendar(app, PLANNED, status=status)
        kinds = [json.loads(p)["change"] for (p,) in app.db.execute(
            "SELECT payload FROM updates WHERE kind = 'schedule' ORDER BY id")]
        assert kinds == ["cancelled", "reinstated", "cancelled"]
        titles = [s.message.title for s in _send(app).sent if s.channel == "paris"]
        assert "Race back on — Autumn Cup 2031" in titles
    finally:
        app.close()


def test_a_past_session_s_start_corrected_is_no_notice(tmp_path):
    app = _app(tmp_path, PLANNED + timedelta(days=1))  # the race is over
    try:
        _calendar(app, PLANNED, status="finished")
        _calendar(app, PLANNED + timedelta(minutes=4), status="finished")  # timing's exact start
        assert _notices(app) == []
    finally:
        app.close()


def test_reminders_follow_the_new_time_and_a_cancelled_session_says_so(tmp_path):
    now = PLANNED - timedelta(hours=1)
    app = _app(tmp_path, now)
    try:
        _calendar(app, PLANNED)
        app.announcer.remind(now)  # the reminder for 13:00 UTC is waiting (due at 12:30)
        waiting = app.db.execute("SELECT d.status FROM deliveries d JOIN updates u ON u.id = d.update_id "
                                 "WHERE u.kind = 'reminder'").fetchall()
        assert waiting == [("pending",), ("pending",)]
        later = PLANNED + timedelta(hours=1)
        _calendar(app, later)  # pushed back an hour: the old reminder would come an hour early
        app.announcer.remind(later - timedelta(minutes=50))
        rows = app.db.execute("SELECT json_extract(u.payload, '$.start'), d.status FROM deliveries d "
                              "JOIN updates u ON u.id = d.update_id WHERE u.kind = 'reminder' ORDER BY d.id").fetchall()
        assert rows == [(PLANNED.isoformat(), "expired")] * 2 + [(later.isoformat(), "pending")] * 2
        _calendar(app, later, status="cancelled")
        assert json.loads(app.db.execute("SELECT payload FROM updates WHERE kind = 'schedule' ORDER BY id DESC"
                                         ).fetchone()[0])["change"] == "cancelled"
        statuses = [s for (s,) in app.db.execute("SELECT d.status FROM deliveries d JOIN updates u "
                                                 "ON u.id = d.update_id WHERE u.kind = 'reminder'")]
        assert statuses == ["expired"] * 4  # no reminder for a race that will not be run
        cancelled = [s.message for s in _send(app).sent if s.message.title.startswith("Race cancelled")]
        assert len(cancelled) == 1 and "will not take place" in cancelled[0].blocks[0].text
        assert app.queries.upcoming_sessions(now) == []  # /next no longer lists it
    finally:
        app.close()
