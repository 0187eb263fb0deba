"""Discord embeds: every limit kept, Markdown escaped, spoilers, role mentions."""
import re

from bot.messages import Column, Fields, Message, QuoteBlock, Table, Text
from bot.render.discord_embeds import render_discord, role_id


def _size(embed):
    return (len(embed.get("title", "")) + len(embed.get("description", "")) + len(embed.get("footer", {}).get("text", ""))
            + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", ())))


def check(posts):
    for post in posts:
        assert 1 <= len(post.embeds) <= 10 or (post.content and not post.embeds)
        assert sum(_size(e) for e in post.embeds) <= 6000
        for embed in post.embeds:
            assert len(embed.get("title", "")) <= 256 and len(embed.get("description", "")) <= 4096
            assert len(embed.get("fields", ())) <= 25
            assert embed.get("description", "").count("```") % 2 == 0  # every code block closed
    return "\n".join(e.get("description", "") for p in posts for e in p.embeds)


def table(n, spoiler=False, wide=""):
    rows = tuple((str(i), f"Driver {i:04d}{wide}") for i in range(1, n + 1))
    return Table("Overall", (Column("Pos", "right"), Column("Driver")), rows, spoiler=spoiler)


def test_a_long_classification_spreads_over_embeds_and_messages_keeping_every_row_in_order():
    posts = render_discord(Message(title="Race", blocks=(table(1500),), footer="Final"))
    text = check(posts)
    assert len(posts) > 1
    assert [int(n) for n in re.findall(r"^ *(\d+)  Driver", text, re.M)] == list(range(1, 1501))
    assert text.count("Pos  Driver") == text.count("```") // 2  # the header heads every code block
    assert posts[-1].embeds[-1]["footer"]["text"] == "Final"


def test_markdown_and_code_fences_in_names_are_harmless():
    name = "**Bold** _it_ ||spoil|| ```break``` <@&42>"
    [post] = render_discord(Message(title=name, blocks=(Text(name), table(1, wide=" ```x```"),
                                                         QuoteBlock(name, name, "winner"))))
    text = check([post])
    assert "\\*\\*Bold\\*\\* \\_it\\_ \\|\\|spoil\\|\\|" in text
    assert "```x```" not in text  # a cell cannot close its code block
    assert post.content == ""  # nothing to ping: no role was asked for


def test_fields_past_25_and_wide_cells_stay_within_limits():
    items = tuple((f"P{i}", "Driver " + "x" * 2000) for i in range(60))
    posts = render_discord(Message(title="Grid", blocks=(Fields(items), table(3, wide="W" * 3000))))
    check(posts)
    fields = [f for p in posts for e in p.embeds for f in e.get("fields", ())]
    assert len(fields) == 60 and all(len(f["value"]) <= 1024 for f in fields)


def test_spoilers_and_the_channel_role():
    [post] = render_discord(Message(title="Finish", blocks=(Text("Cammish wins", spoiler=True), table(2, spoiler=True)),
                                    mention="<@&123456>"))
    text = check([post])
    assert "||Cammish wins||" in text and "||```" in text
    assert post.content == "<@&123456>" and role_id("<@&123456>") == 123456 and role_id("fans") is None


def test_marked_session_times_become_timestamps():
    when = "Sat 17 Jun 2017 14:00 CEST"
    schedule = Table("", (Column("Starts"), Column("Session")), ((when, "Race"),))
    [post] = render_discord(Message(title="Next", blocks=(schedule, Text(f"Race at {when}.")),
                                    times=((when, 1497700800.0),)))
    text = check([post])
    assert text.count("<t:1497700800:f>") == 2 and "```" not in text


def test_cutting_a_long_text_never_breaks_a_spoiler_an_escape_or_a_timestamp():
    when = "Sat 17 Jun 2017 14:00 CEST"
    text = ("x" * 4000 + " *" + " y" * 30 + f" {when}") * 3
    posts = render_discord(Message(title="T", blocks=(Text(text, spoiler=True),), times=((when, 1497700800.0),)))
    for post in posts:
        for embed in post.embeds:
            description = embed.get("description", "")
            assert description.startswith("||") and description.endswith("||")
            assert not description.endswith("\\||")  # the closing pipes are not escaped away
            assert description.count("<t:") == description.count(":f>")
    long_quote = render_discord(Message(title="Q", blocks=(QuoteBlock("word " * 1200, "Dan Cammish"),)))
    lines = check(long_quote).splitlines()
    assert all(line.startswith("> ") for line in lines[:-1]) and lines[-1] == "— *Dan Cammish*"


def test_a_session_time_in_a_field_is_a_discord_timestamp_and_links_are_ours():
    """A weekend summary's session times (fields) show in each reader's time; its list of
    posts is links."""
    from bot.messages import Fields, Link, Links, Message

    summary = Message(title="Cup 2031 — race weekend", blocks=(
        Fields((("Race", "Sun, October 12, 2031, 15:00 CEST · to come"),)),
        Links((Link("Pole position: A_B", "https://discord.com/channels/1/2/3"),))),
        times=(("Sun, October 12, 2031, 15:00 CEST", 1949490000.0),))
    [post] = render_discord(summary)
    fields = [f for e in post.embeds for f in e.get("fields", ())]
    assert fields[0]["value"] == "<t:1949490000:f> · to come"
    text = " ".join(e.get("description", "") for e in post.embeds)
    assert "• [Pole position: A\\_B](https://discord.com/channels/1/2/3)" in text
