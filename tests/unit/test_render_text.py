from bot.messages import Column, Fields, Message, QuoteBlock, Table, Text, error_message
from bot.render.text import clean, render_table, render_text, width


def test_table_columns_line_up_with_accents_and_wide_characters():
    table = Table(
        caption="Overall",
        columns=(Column("Pos", "right"), Column("Driver")),
        rows=(("1", "Ayhancan Güven"), ("10", "佐藤琢磨"), ("2", "Tom")),
    )
    lines = render_table(table)
    assert lines[0] == "Overall"
    assert lines[1].startswith("Pos  Driver")
    # Every row's driver starts in the same column, and right-aligned positions end together.
    assert {line.index(cell) for line, cell in zip(lines[3:], ["Ayhancan", "佐藤", "Tom"])} == {5}
    assert lines[3].startswith("  1") and lines[4].startswith(" 10")
    assert width("佐藤琢磨") == 8


def test_hostile_text_cannot_drive_the_terminal():
    hostile = "Evil\x1b[2J\x1b]0;pwned\x07 Driver\u202e"
    assert "\x1b" not in clean(hostile) and "\u202e" not in clean(hostile)
    message = Message(title=hostile, blocks=(Text(hostile), QuoteBlock(hostile, hostile)))
    out = render_text(message)
    assert "\x1b" not in out and "\x07" not in out and "Evil" in out


def test_markup_is_shown_literally():
    out = render_text(Message(title="t", blocks=(Text("<b>@everyone</b> & </code>"),)))
    assert "<b>@everyone</b> & </code>" in out


def test_quotes_fields_and_footer():
    out = render_text(
        Message(
            title="Quotes",
            blocks=(QuoteBlock("Special win.", "Dan Cammish", "winner"), Fields((("P2", "Dan Cammish"),))),
            footer="Le Mans",
        )
    )
    assert "“Special win.”" in out and "— Dan Cammish, winner" in out
    assert "P2  Dan Cammish" in out and out.endswith("Le Mans")


def test_an_error_is_one_sentence():
    assert render_text(error_message("No event “x”.")) == "No event “x”."


def test_fields_too_wide_for_one_line_put_each_value_under_its_key():
    from bot.messages import Fields, Message
    from bot.render.text import LINE, render_text

    long_key = "/settings [language] [timezone] [spoiler_delay] [spoiler] [role] [reminders] [digest]"
    text = render_text(Message(title="Commands", blocks=(Fields(((long_key, "Show or change " * 20),
                                                                  ("/pole EVENT", "Who took pole."))),)))
    assert max(len(line) for line in text.splitlines()) <= LINE
    assert "\n    Who took pole." in text and long_key in text
    short = render_text(Message(title="Settings", blocks=(Fields((("Language", "en"), ("Time zone", "UTC"))),)))
    assert "Language   en" in short  # short fields stay side by side
