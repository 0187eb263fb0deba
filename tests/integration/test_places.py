"""A thread (or topic) per race weekend: opened once with the weekend's summary, the event's
posts sent into it, the summary edited as things happen, a deleted thread replaced."""
import asyncio

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.messages import Fields, Links
from bot.platforms.fake import FakePlatform
from bot.ports import SendFailed
from bot.sources.event_file import load_event_file
from bot.sources.replay import replay_stages
from tests.conftest import LE_MANS_FILE, new_store


def _app(tmp_path, threads: dict[str, str]):
    app = bootstrap(Config(db_path=new_store(tmp_path / "p.db", seeded=False), seed_events=False))
    for address, grouping in threads.items():
        channel = app.channels.ensure("fake", address)
        app.channels.configure(channel.id, threads=grouping)
        app.channels.subscribe(channel.id, "all", "", ())
    return app


def _send(app, fake, stages):
    dispatcher = app.dispatcher({"fake": fake}, summary_every=0)

    async def go():
        for stage in stages:
            app.store([stage.bundle], stage.label)
            while await dispatcher.run_once():
                pass

    asyncio.run(go())


def test_a_weekend_s_posts_go_into_its_thread_under_a_summary_kept_up_to_date(tmp_path):
    app = _app(tmp_path, {"fans": "event", "plain": "off"})
    fake = FakePlatform()
    try:
        _send(app, fake, replay_stages(load_event_file(LE_MANS_FILE)))
        assert fake.places == [("fans", "Porsche Carrera Cup Le Mans 2017 — race weekend")]  # once, not per post
        thread = "fans>1"
        inside = [m.title for m in fake.posts_to(thread)]
        assert inside[0] == "Porsche Carrera Cup Le Mans 2017 — race weekend"  # the summary opens it
        assert "Pole position: Florian Latorre" in inside and any(t.startswith("Dan Cammish wins") for t in inside)
        assert fake.posts_to("fans") == []  # nothing in the channel itself
        assert len(fake.posts_to("plain")) == len(inside) - 1  # a channel without threads: as before
        summary = [e.message for e in fake.edits if e.channel == thread and e.message.data.get("summary")]
        last = summary[-1]
        shown = {k: v for block in last.blocks if isinstance(block, Fields) for k, v in block.items}
        assert shown["Pole"] == "Florian Latorre"
        assert any("Winner: Dan Cammish" in b.text for b in last.blocks if hasattr(b, "text"))
        # It lists the posts so far, each a link to it.
        [links] = [b for b in last.blocks if isinstance(b, Links)]
        assert links.items[0].label == "Pole position: Florian Latorre"
        assert links.items[0].url.startswith("https://fake.invalid/fans>1/")
        # The correction of the finish is an edit of the post in the thread, not a new post.
        corrected = [e for e in fake.edits if e.message.title.startswith("Corrected: ")]
        assert corrected and corrected[0].channel == thread
    finally:
        app.close()


def test_a_deleted_thread_is_replaced_not_an_error_loop(tmp_path):
    app = _app(tmp_path, {"fans": "event"})
    fake = FakePlatform()
    try:
        stages = replay_stages(load_event_file(LE_MANS_FILE))
        _send(app, fake, stages[:1])
        fake.fail("fans>1", SendFailed("gone", "404 Unknown Channel"))  # a moderator deleted the thread
        _send(app, fake, stages[1:2])
        _send(app, fake, [])
        assert [p for p, _ in fake.places] == ["fans", "fans"]
        assert [m.title for m in fake.posts_to("fans>2")][1].startswith("Safety car")
        assert app.channels.get(app.channels.find("fake", "fans").id).paused_reason is None  # the channel stays
    finally:
        app.close()


def test_a_series_topic_holds_every_weekend_of_the_series(tmp_path):
    app = _app(tmp_path, {"forum": "series"})
    fake = FakePlatform()
    try:
        _send(app, fake, replay_stages(load_event_file(LE_MANS_FILE))[:2])
        assert fake.places == [("forum", "Porsche Carrera Cup France")]
        assert [m.title for m in fake.posts_to("forum>1")][1] == "Pole position: Florian Latorre"
    finally:
        app.close()


def test_a_weekend_s_thread_opens_a_day_before_its_first_session(tmp_path):
    """A day ahead, the thread (with its summary) exists before anything happens; a channel
    without threads gets nothing; the first post then goes into that same thread."""
    from datetime import datetime, timedelta, timezone

    from bot.domain import Event, EventBundle, Series, Session, Source

    start = datetime(2031, 10, 12, 13, 0, tzinfo=timezone.utc)
    now = start - timedelta(hours=20)
    app = bootstrap(Config(db_path=new_store(tmp_path / "w.db", seeded=False), seed_events=False),
                    clock=lambda: now.timestamp())
    try:
        for address, grouping in (("fans", "event"), ("plain", "off")):
            channel = app.channels.ensure("fake", address)
            app.channels.configure(channel.id, threads=grouping)
            app.channels.subscribe(channel.id, "all", "", ("finish",))
        event = Event("autumn-cup-2031", "autumn", "Autumn Cup", start.date(), "Europe/Paris")
        race = Session("autumn-cup-2031/race", event.id, "race", "Race", day=start.date(), start=start)
        app.store([EventBundle(Series("autumn", "Autumn Series"), event, (Source("cal", "event_file", "Cal"),),
                               (race,))], "calendar")
        assert app.announcer.open_weekends(now - timedelta(days=3)).new == ()  # too early
        app.announcer.open_weekends(now)
        app.announcer.open_weekends(now)  # twice: still one
        fake = FakePlatform()
        dispatcher = app.dispatcher({"fake": fake}, summary_every=0)

        async def go():
            while await dispatcher.run_once():
                pass

        asyncio.run(go())
        assert fake.places == [("fans", "Autumn Cup 2031 — race weekend")]
        [summary] = fake.posts_to("fans>1")
        shown = dict(summary.blocks[0].items)
        assert shown["Race"].endswith("to come") and "15:00 CEST" in shown["Race"]
        assert fake.posts_to("plain") == [] and fake.posts_to("fans") == []
    finally:
        app.close()


def test_a_spoiler_channel_s_summary_names_no_pole_and_no_winner(tmp_path):
    app = _app(tmp_path, {"hidden": "event"})
    try:
        channel = app.channels.find("fake", "hidden")
        app.channels.configure(channel.id, spoiler_mode=True)
        fake = FakePlatform()
        _send(app, fake, replay_stages(load_event_file(LE_MANS_FILE)))
        summaries = [m for m in fake.posts_to("hidden>1")[:1]] + [e.message for e in fake.edits
                                                                  if e.message.data.get("summary")]
        # The summary's own words; its list of posts repeats titles the channel already shows.
        text = " ".join(str(b) for m in summaries for b in m.blocks if not isinstance(b, Links))
        assert summaries and "Latorre" not in text and "Cammish" not in text
    finally:
        app.close()


def test_a_correction_in_a_deleted_thread_is_posted_anew_and_the_channel_stays(tmp_path):
    """The finish went into the weekend's thread; a moderator deleted the thread; the
    correction cannot be an edit there: it comes as a new post in a new thread."""
    app = _app(tmp_path, {"fans": "event"})
    fake = FakePlatform()
    try:
        stages = replay_stages(load_event_file(LE_MANS_FILE))
        _send(app, fake, stages[:-1])
        fake.fail("fans>1", SendFailed("gone", "404 Unknown Channel"))
        _send(app, fake, stages[-1:])
        _send(app, fake, [])
        assert app.channels.get(app.channels.find("fake", "fans").id).paused_reason is None
        assert [p for p, _ in fake.places] == ["fans", "fans"]
        assert any(m.title.startswith("Corrected: Dan Cammish wins") for m in fake.posts_to("fans>2"))
    finally:
        app.close()


def test_a_channel_that_moved_gets_a_new_place_in_its_new_chat(tmp_path):
    """A Telegram group becomes a supergroup (to have topics): the place in the old chat is
    forgotten; the next post opens one in the new chat instead of trying the old one forever."""
    app = _app(tmp_path, {"-1": "event"})
    fake = FakePlatform()
    try:
        stages = replay_stages(load_event_file(LE_MANS_FILE))
        _send(app, fake, stages[:1])
        fake.fail("-1>1", SendFailed("moved", "group migrated", new_address="-1002"))
        _send(app, fake, stages[1:2])
        _send(app, fake, [])
        assert [p for p, _ in fake.places] == ["-1", "-1002"]
        assert any(m.title.startswith("Safety car") for m in fake.posts_to("-1002>2"))
    finally:
        app.close()


def test_a_delayed_channel_s_summary_names_no_result_before_its_posts(tmp_path):
    """A spoiler delay without spoiler markup: the summary must not tell the pole while the
    pole post itself waits."""
    app = _app(tmp_path, {"late": "event"})
    try:
        channel = app.channels.find("fake", "late")
        app.channels.configure(channel.id, spoiler_delay_min=60)
        fake = FakePlatform()
        _send(app, fake, replay_stages(load_event_file(LE_MANS_FILE))[:3])
        summaries = [m for m in fake.posts_to("late>1") + [e.message for e in fake.edits] if m.data.get("summary")]
        # The summary's own words; its list of posts repeats titles the channel already shows.
        text = " ".join(str(b) for m in summaries for b in m.blocks if not isinstance(b, Links))
        assert len(summaries) >= 2 and "Latorre" not in text  # opened, then edited after each post
        assert not any(m.title.startswith("Pole") for m in fake.posts_to("late>1"))  # the pole post waits
    finally:
        app.close()


def test_a_restart_posts_into_the_same_thread(tmp_path):
    """The place is kept in the database: a new dispatcher (a restarted bot) finds it."""
    app = _app(tmp_path, {"fans": "event"})
    fake = FakePlatform()
    try:
        stages = replay_stages(load_event_file(LE_MANS_FILE))
        _send(app, fake, stages[:1])
        _send(app, fake, stages[1:3])  # each _send is a new dispatcher
        assert fake.places == [("fans", "Porsche Carrera Cup Le Mans 2017 — race weekend")]
        assert [m.title for m in fake.posts_to("fans>1")][2].startswith("Safety car")
    finally:
        app.close()


def test_threads_are_refused_where_there_are_none_and_a_typo_gets_a_sentence(tmp_path):
    app = _app(tmp_path, {})
    try:
        console = app.channels.ensure("console", "console")
        refused = app.ask("/settings threads:event", app.terminal(channel=console))
        assert refused.error and "Discord and Telegram" in refused.title
        telegram = app.channels.ensure("telegram", "-100")
        wrong = app.ask("/settings threads:weekly", app.terminal(channel=telegram))
        assert wrong.error and "off, event" in wrong.title
        done = app.ask("/settings threads:on", app.terminal(channel=telegram))
        assert not done.error and app.channels.get(telegram.id).threads == "event"
        assert app.channels.get(console.id).threads == "off"
    finally:
        app.close()
