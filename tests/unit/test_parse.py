import pytest

from bot.commands import build_registry, parse_line
from bot.commands.registry import UserError
from bot.i18n import Lang

REGISTRY = build_registry()
EN = Lang("en")


def parse(line):
    call = parse_line(line, REGISTRY, EN)
    return call.name, call.args


def test_a_single_word_event():
    assert parse("/results lemans") == ("results", {"event": "lemans"})


def test_an_event_of_several_words_stops_at_a_session_word():
    assert parse("/results le mans 2017 race B") == (
        "results", {"event": "le mans 2017", "session": "race", "class": "B"}
    )


def test_session_aliases_stop_the_event_too():
    assert parse("/results Le Mans quali")[1] == {"event": "Le Mans", "session": "quali"}


def test_named_arguments_in_discord_and_cli_style():
    assert parse("/quotes lemans driver:Cammish search:victoire")[1] == {
        "event": "lemans", "driver": "Cammish", "search": "victoire"
    }
    assert parse("/results lemans --class B")[1] == {"event": "lemans", "class": "B"}
    assert parse('/quotes "le mans" driver:"Dan Cammish"')[1] == {"event": "le mans", "driver": "Dan Cammish"}


def test_telegram_bot_suffix_and_case_are_ignored():
    assert parse("/Results@PitboardBot lemans")[0] == "results"


def test_empty_line_means_help():
    assert parse("   ") == ("help", {})


def test_unbalanced_quotes_get_a_sentence():
    with pytest.raises(UserError, match="close every"):
        parse('/results "le mans')


def test_too_many_words_for_a_command_without_greedy_params():
    with pytest.raises(UserError, match="at most"):
        parse("/help results pole")
