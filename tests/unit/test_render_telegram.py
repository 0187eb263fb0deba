"""Telegram HTML: escaping, tables within 4,096 characters, spoilers, quotes."""
import html
from html.parser import HTMLParser

from bot.messages import Column, Fields, Message, QuoteBlock, Table, Text
from bot.render.telegram_html import LIMIT, render_telegram, size

ALLOWED = {"b", "i", "pre", "tg-spoiler", "blockquote"}


class _Tags(HTMLParser):
    """Checks a part is well-formed Telegram HTML and keeps its text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.text = [], []

    def handle_starttag(self, tag, attrs):
        assert tag in ALLOWED, tag
        assert not (tag == "pre" and "tg-spoiler" in self.stack), "Telegram refuses <pre> inside a spoiler"
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, f"</{tag}> closes nothing open"

    def handle_data(self, data):
        self.text.append(data)


def check(part: str) -> str:
    """Assert the part fits and is balanced; return its text as a reader sees it."""
    assert 0 < size(part) <= LIMIT
    parser = _Tags()
    parser.feed(part)
    parser.close()
    assert parser.stack == [], f"unclosed {parser.stack}"
    return "".join(parser.text)


def table(n: int, spoiler: bool = False) -> Table:
    rows = tuple((str(i), f"Driver number {i:04d}", f"Team {i % 7}") for i in range(1, n + 1))
    return Table("Overall", (Column("Pos", "right"), Column("Driver"), Column("Team")), rows, spoiler=spoiler)


def test_hostile_names_are_shown_literally():
    hostile = "<b>Bold</b> & </code><script>"
    message = Message(title=hostile, blocks=(Text(hostile), QuoteBlock(hostile, hostile, "winner"),
                                             Fields(((hostile, hostile),)), table(1)), footer=hostile)
    [part] = render_telegram(message)
    text = check(part)
    assert text.count(hostile) == 7  # title, text, quote, speaker, field name and value, footer
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;/code&gt;&lt;script&gt;" in part


def test_a_long_table_is_split_between_rows_with_its_header_on_every_part():
    parts = render_telegram(Message(title="Results", blocks=(table(400),), footer="The end"))
    assert len(parts) > 1
    texts = [check(p) for p in parts]
    seen = []
    for text in texts:
        rows = [line for line in text.splitlines() if "Driver number" in line]
        seen += [int(line.split()[0]) for line in rows]
        if rows:
            assert "Pos  Driver" in text  # the header is repeated on every part
    assert seen == list(range(1, 401))  # every row once, in order, none cut in two
    assert texts[0].startswith("Results") and texts[-1].endswith("The end")


def test_a_hidden_table_uses_the_spoiler_without_pre():
    [part] = render_telegram(Message(title="Race", blocks=(table(3, spoiler=True),)))
    check(part)
    assert "<tg-spoiler>Pos Driver Team\n1 Driver number 0001 Team 1" in part and "<pre>" not in part


def test_spoiler_text_and_quotes_use_their_tags():
    [part] = render_telegram(Message(title="T", blocks=(Text("Cammish wins", spoiler=True),
                                                         QuoteBlock("A special win.", "Dan Cammish", "winner"))))
    check(part)
    assert "<tg-spoiler>Cammish wins</tg-spoiler>" in part
    assert "<blockquote>A special win.\n— <i>Dan Cammish, winner</i></blockquote>" in part


def test_a_text_longer_than_a_message_is_cut_between_words_and_each_piece_is_closed():
    words = " ".join(f"word{i}&" for i in range(3000))
    parts = render_telegram(Message(title="Long", blocks=(Text(words, spoiler=True),)))
    assert len(parts) >= 5
    texts = [check(p) for p in parts]
    assert all(p.count("<tg-spoiler>") == p.count("</tg-spoiler>") == 1 for p in parts)
    joined = "".join(t for t in texts).replace("Long", "", 1).replace("\n", "")
    assert joined.replace(" ", "") == words.replace(" ", "")


def test_errors_are_escaped_and_a_discord_role_is_not_shown_on_telegram():
    [part] = render_telegram(Message(title="Pole", mention="123456"))
    assert part == "<b>Pole</b>"  # Telegram has no roles: a role id would be noise
    [error] = render_telegram(Message(title="No event “<x>”.", error=True))
    assert error == html.escape("No event “<x>”.", quote=False)


def test_absurdly_wide_cells_and_captions_still_render_within_the_limit():
    wide = Table("C" * 5000, (Column("Pos", "right"), Column("Driver")), (("1", "X" * 2500), ("2", "Y" * 10)))
    parts = render_telegram(Message(title="T" * 5000, blocks=(wide, Text("Z" * 9000))))
    texts = [check(p) for p in parts]
    assert "X" * 59 + "…" in "".join(texts) and "Y" * 10 in "".join(texts)
    assert "".join(texts).count("Z") == 9000


def test_an_empty_title_still_makes_a_message_telegram_accepts():
    [part] = render_telegram(Message(title=""))
    assert check(part) == "…"
