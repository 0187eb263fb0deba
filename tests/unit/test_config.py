"""The config file: defaults, announcements and channel presets, and the sentence each
mistake gets."""
from pathlib import Path

import pytest

from bot.channel import ChannelPreset
from bot.config import Config, ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]


def _load(tmp_path, text: str) -> Config:
    path = tmp_path / "pitboard.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(env={}, path=path)


def test_the_example_file_loads_and_gives_the_defaults():
    config = load_config(env={}, path=ROOT / "config" / "pitboard.example.toml")
    assert (config.lang, config.timezone, config.digest_hour) == ("en", None, 7)
    assert config.channels == ()


def test_channel_presets_are_read_with_their_settings(tmp_path):
    config = _load(tmp_path, """
[announcements]
digest_hour = 18

[[channels]]
platform = "telegram"
address = -1001234567890
name = "Porsche fans"
follow = ["series:porsche-carrera-cup-france", "event:porsche-carrera-cup-le-mans-2017"]
kinds = ["pole", "finish"]
lang = "fr"
timezone = "Europe/Paris"
spoiler_delay = 30
spoiler = true
reminders = 30
digest = true

[[channels]]
platform = "discord"
address = "987654321"
role = "<@&424242>"
""")
    assert config.digest_hour == 18
    first, second = config.channels
    assert first == ChannelPreset(
        "telegram", "-1001234567890", "Porsche fans",
        (("series", "porsche-carrera-cup-france"), ("event", "porsche-carrera-cup-le-mans-2017")), ("pole", "finish"),
        (("lang", "fr"), ("timezone", "Europe/Paris"), ("spoiler_delay_min", 30), ("spoiler_mode", True),
         ("reminders_min", 30), ("digest", True)),
    )
    # Follows everything; its role is the one setting given.
    assert second == ChannelPreset("discord", "987654321", settings=(("mention_role", "424242"),))


def test_the_digest_can_be_turned_off(tmp_path):
    assert _load(tmp_path, "[announcements]\ndigest_hour = false\n").digest_hour is None


@pytest.mark.parametrize("text, says", [
    ("[announcements]\ndigest_hour = 24\n", "digest_hour must be an hour from 0 to 23"),
    ("[announcements]\ndigest_hour = true\n", "digest_hour must be an hour from 0 to 23"),
    ("channels = 3\n", "channels must be written as [[channels]] tables"),
    ('[[channels]]\nplatform = "irc"\naddress = "x"\n', "channels[1]: platform must be one of console, telegram, discord"),
    ('[[channels]]\nplatform = "telegram"\n', "channels[1]: address must be the chat or channel id"),
    ('[[channels]]\nplatform = "telegram"\naddress = "1"\nfollow = ["lemans"]\n', "'lemans' is none of these"),
    ('[[channels]]\nplatform = "telegram"\naddress = "1"\nfollow = ["all:x"]\n', "'all:x' is none of these"),
    ('[[channels]]\nplatform = "telegram"\naddress = "1"\nkinds = ["podium"]\n', "kinds must be a list drawn from pole"),
    ('[[channels]]\nplatform = "telegram"\naddress = "1"\nspoiler_delay = 5000\n', "spoiler_delay must be between 0 and 1440"),
    ('[[channels]]\nplatform = "telegram"\naddress = "1"\nspoiler = "yes"\n', "spoiler must be true or false"),
    ('[[channels]]\nplatform = "telegram"\naddress = "1"\nreminders = true\n', "reminders must be a whole number"),
    ('[[channels]]\nplatform = "telegram"\naddress = "1"\nlang = "de"\n', "lang is 'de'; use one of en, fr"),
    ('[[channels]]\nplatform = "telegram"\naddress = "1"\ntimezone = "Mars/Olympus"\n', "is not a time zone"),
    ('[[channels]]\nplatform = "telegram"\naddress = "1"\ntoken = "abc"\n', "unknown key 'token'"),
    ('[[channels]]\nplatform = "telegram"\naddress = "1"\n[[channels]]\nplatform = "discord"\n', "channels[2]: address"),
])
def test_each_mistake_in_a_preset_gets_one_sentence_naming_it(tmp_path, text, says):
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, text)
    message = str(err.value)
    assert says in message and str(tmp_path / "pitboard.toml") in message
    assert "\n" not in message


def test_sources_of_every_kind_are_read_with_their_defaults(tmp_path):
    from bot.config import JOLPICA_URL, SourceSpec

    config = _load(tmp_path, """
[[sources]]
name = "f1-live"
kind = "openf1"
url = "http://127.0.0.1:9/v1"
session_key = 9158
event = "suzuka 2026"

[[sources]]
name = "f1-results"
kind = "jolpica"
event = "suzuka 2026"
season = 2026
round = 3
session = "qualifying"

[[sources]]
name = "timing"
kind = "alkamel"
path = "timing/lemans"
event = "lemans 2017"
live_interval = 10

[[sources]]
name = "reports"
kind = "rss"
url = "https://example.org/feed.xml"
interval = 1800
""")
    live, results, timing, reports = config.sources
    assert live == SourceSpec("f1-live", "openf1", "http://127.0.0.1:9/v1", "suzuka 2026", 9158, "race", 60.0, 5.0)
    assert (results.url, results.season, results.round, results.session, results.interval) == \
        (JOLPICA_URL, "2026", "3", "qualifying", 600.0)
    assert timing.path == (tmp_path / "timing" / "lemans").resolve() and timing.url is None
    assert (timing.interval, timing.live_interval) == (60.0, 10.0)
    assert (reports.url, reports.event, reports.interval, reports.live_interval) == \
        ("https://example.org/feed.xml", None, 1800.0, 300.0)


@pytest.mark.parametrize("text, says", [
    ('[[sources]]\nname = "x"\nkind = "ftp"\n', "kind must be one of openf1, jolpica, alkamel, rss"),
    ('[[sources]]\nname = "x"\nkind = "rss"\n', "a rss source needs 'url'"),
    ('[[sources]]\nname = "x"\nkind = "rss"\nurl = "feed.xml"\n', "url must be an address"),
    ('[[sources]]\nname = "x"\nkind = "rss"\nurl = "http://127.0.0.1:9/f"\nevent = "lemans"\n', "unknown key 'event' for a rss source"),
    ('[[sources]]\nname = "x"\nkind = "openf1"\nurl = "http://127.0.0.1:9/v1"\nevent = "e 2026"\n', "needs 'session_key'"),
    ('[[sources]]\nname = "x"\nkind = "openf1"\nurl = "http://127.0.0.1:9/v1"\nevent = "e 2026"\nsession_key = "9"\n',
     "session_key must be the feed's session number"),
    ('[[sources]]\nname = "x"\nkind = "jolpica"\nevent = "e 2026"\nround = "first"\n', 'round must be a number or "last"'),
    ('[[sources]]\nname = "x"\nkind = "jolpica"\nevent = "e 2026"\nseason = 0\n', 'season must be a number or "current"'),
    ('[[sources]]\nname = "x"\nkind = "jolpica"\nevent = "e 2026"\nsession = "practice"\n', "session must be race or qualifying"),
    ('[[sources]]\nname = "x"\nkind = "alkamel"\nevent = "e 2026"\n', "reads a path (a folder or a file) or a url"),
    ('[[sources]]\nname = "x"\nkind = "alkamel"\nevent = "e 2026"\npath = "a"\nurl = "http://127.0.0.1:9/c.csv"\n', "give one of them"),
    ('[[sources]]\nname = "x"\nkind = "alkamel"\nevent = "e 2026"\npath = "a"\ninterval = 0\n', "interval must be seconds"),
    ('[[sources]]\nname = ""\nkind = "rss"\nurl = "http://127.0.0.1:9/f"\n', "name must be text in quotes"),
    ('[[sources]]\nname = "x"\nkind = "rss"\nurl = "http://127.0.0.1:9/f"\n[[sources]]\nname = "x"\nkind = "rss"\nurl = "http://127.0.0.1:9/b/f"\n',
     "two sources are named 'x'"),
])
def test_each_mistake_in_a_source_gets_one_sentence_naming_it(tmp_path, text, says):
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, text)
    message = str(err.value)
    assert says in message and str(tmp_path / "pitboard.toml") in message and "\n" not in message


def test_the_example_sources_load_once_uncommented(tmp_path):
    """The commented [[sources]] in the example file are valid as written."""
    example = (ROOT / "config" / "pitboard.example.toml").read_text(encoding="utf-8")
    lines = [line[2:] for line in example[example.index("# [[sources]]"):].splitlines()
             if line.startswith("# [[") or ("=" in line and line.startswith("# "))]
    config = _load(tmp_path, "\n".join(lines) + "\n")
    assert [(s.name, s.kind) for s in config.sources] == [
        ("openf1-suzuka", "openf1"), ("jolpica-suzuka", "jolpica"), ("lemans-timing", "alkamel"), ("reports", "rss")]


@pytest.mark.parametrize("text, says", [
    ("[databse]\npath = \"x.db\"\n", "'databse' is not a section of the config file (did you mean 'database'?)"),
    ("[[channel]]\nplatform = \"telegram\"\naddress = \"1\"\n", "'channel' is not a section of the config file "
                                                                "(did you mean 'channels'?)"),
    ("telegram_token = \"123:abc\"\n", "platform tokens are read from the environment only"),
    ("[database]\npth = \"x.db\"\n", "database.pth is not a setting (did you mean 'path'?)"),
    ("[defaults]\nlanguage = \"fr\"\n", "defaults.language is not a setting"),
    ("[telegram]\ntoken = \"123:abc\"\n", "telegram.token is not a setting"),
    ("[database]\nseed_events = \"no\"\n", "database.seed_events must be true or false"),
    ("[operators]\nslack = [1]\n", "operators.slack is not a platform"),
    ('[[channels]]\nplatform = "telegram"\naddress = "1"\nspoiler_dealy = 5\n', "unknown key 'spoiler_dealy' (did you "
                                                                              "mean 'spoiler_delay'?)"),
])
def test_a_typo_anywhere_in_the_file_is_refused_with_a_sentence(tmp_path, text, says):
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, text)
    message = str(err.value)
    assert says in message and str(tmp_path / "pitboard.toml") in message and "\n" not in message
    assert "123:abc" not in message  # a token written in the file is never echoed


def test_settings_for_test_servers_and_other_writers_are_read_and_off_by_default(tmp_path):
    assert (Config().watch_interval, Config().discord_guild_ready_timeout) == (None, 2.0)
    config = _load(tmp_path, """
[database]
watch_interval = 0.05

[discord]
guild_ready_timeout = 0

[[sources]]
name = "news"
kind = "rss"
url = "http://127.0.0.1:9/feed.xml"
request_limits = false

[[sources]]
name = "more-news"
kind = "rss"
url = "http://127.0.0.1:9/more.xml"
""")
    assert (config.watch_interval, config.discord_guild_ready_timeout) == (0.05, 0.0)
    assert [s.request_limits for s in config.sources] == [False, True]


@pytest.mark.parametrize("text, says", [
    ("[database]\nwatch_interval = 0\n", "database.watch_interval must be how often to look for other processes' "
                                         "writes, in seconds from 0.01 to 60"),
    ("[database]\nwatch_interval = \"fast\"\n", "database.watch_interval must be"),
    ("[discord]\nguild_ready_timeout = -1\n", "discord.guild_ready_timeout must be how long to wait for more "
                                              "servers at connection, in seconds from 0 to 60"),
    ("[discord]\nguild_ready_timeout = true\n", "discord.guild_ready_timeout must be"),
    ('[[sources]]\nname = "x"\nkind = "rss"\nurl = "http://127.0.0.1:9/f"\nrequest_limits = "no"\n',
     "request_limits must be true or false"),
])
def test_a_wrong_value_for_those_settings_gets_a_sentence(tmp_path, text, says):
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, text)
    message = str(err.value)
    assert says in message and str(tmp_path / "pitboard.toml") in message and "\n" not in message


def test_a_role_in_a_preset_for_a_platform_without_roles_is_refused():
    from bot.config.errors import ConfigError
    from bot.config.lists import preset

    with pytest.raises(ConfigError, match="role is for Discord channels only"):
        preset({"platform": "telegram", "address": "-1001", "role": "123456789012345678"}, "[[channels]] 1")
    assert preset({"platform": "discord", "address": "1", "role": "123456789012345678"}, "[[channels]] 1")
