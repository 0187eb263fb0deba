"""Message → Discord embeds (as the JSON Discord takes), within Discord's limits.

Limits: embed title 256, description 4,096, 25 fields (name 256, value 1,024), footer
2,048, at most 10 embeds and 6,000 characters per message. A long result continues in
further embeds, and in further messages when one is full; tables are code blocks split
between rows with their header repeated. Markdown in names and quotes is escaped, code
fences inside a table cannot close it, and spoilers are `||…||`. Session times the core
marked (`Message.times`) become `<t:…>` timestamps, which every reader sees in local time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.messages import Fields, Links, Message, QuoteBlock, RoleMention, Table, Text
from bot.render.text import capped_table, clean, render_table

TITLE, DESCRIPTION, FIELDS, FIELD_NAME, FIELD_VALUE = 256, 4096, 25, 256, 1024
EMBEDS_PER_MESSAGE, CHARS_PER_MESSAGE, CONTENT = 10, 6000, 2000
COLOUR = 0xD5001C
FOOTER_CAP = 1000  # our footers are a line or two; capped so every embed fits a message
EMBED_BUDGET = CHARS_PER_MESSAGE - FOOTER_CAP  # an embed alone always fits in one message
_MARKDOWN = re.compile(r"([\\*_~`|>\[\]])")
_LINE_START = re.compile(r"^(\s*)([#\-+]|\d+\.)", re.M)  # headings and lists only start a line


def md(text: str) -> str:
    """Text shown as written: Markdown characters escaped, control characters replaced."""
    return _LINE_START.sub(r"\1\\\2", _MARKDOWN.sub(r"\\\1", clean(text)))


def _code(line: str) -> str:
    # A cell cannot end the code block early: break up any run of backticks.
    return clean(line).replace("`", "`\u200b")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class DiscordPost:
    """One Discord message: plain content (a mention) and up to 10 embeds."""

    content: str = ""
    embeds: tuple[dict, ...] = ()


@dataclass
class _Builder:
    title: str
    embeds: list[dict] = field(default_factory=list)

    def _new(self) -> dict:
        embed = {"title": self.title if not self.embeds else self.title + " …", "description": "",
                 "color": COLOUR}
        self.embeds.append(embed)
        return embed

    def _last(self) -> dict:
        return self.embeds[-1] if self.embeds else self._new()

    def text(self, piece: str, wrap: str = "") -> None:
        """Add a paragraph to the description, continuing in a new embed when full; each
        piece of a long one is wrapped on its own (`||` for a spoiler)."""
        for chunk in _chunks(piece, DESCRIPTION - 2 * len(wrap)):
            chunk = f"{wrap}{chunk}{wrap}"
            embed = self._last()
            joined = f"{embed['description']}\n\n{chunk}" if embed["description"] else chunk
            if len(joined) > DESCRIPTION or "fields" in embed:
                embed = self._new()
                joined = chunk
            embed["description"] = joined

    def table(self, table: Table) -> None:
        """A table as code blocks, split between rows, each part under the header."""
        lines = render_table(capped_table(table))
        caption = md(lines.pop(0)) if table.caption else ""
        head, rows = [_code(x) for x in lines[:2]], [_code(x) for x in lines[2:]]
        wrap = ("||", "||") if table.spoiler else ("", "")
        room = DESCRIPTION - len(caption) - 20 - sum(len(h) + 1 for h in head)
        part: list[str] = []
        for row in rows + [None]:
            if row is not None and sum(len(r) + 1 for r in part) + len(row) + 1 <= room:
                part.append(row[:room])
                continue
            if part or row is None:
                block = "```\n" + "\n".join(head + part) + "\n```"
                self.text((f"**{caption}**\n" if caption else "") + wrap[0] + block + wrap[1])
                caption = caption and f"{caption} …"
            part = [row[:room]] if row is not None else []

    def fields(self, items: tuple[tuple[str, str | RoleMention], ...], escape=None) -> None:
        """Name/value pairs as embed fields, 25 to an embed. A role is left as Discord's
        mention, which it draws as the role's name (escaped, it showed `<@&123\\>`); `escape`
        writes the other values (session times as timestamps), else they are escaped."""
        for name, value in items:
            shown = f"<@&{int(value.role_id)}>" if isinstance(value, RoleMention) else \
                _cut((escape or md)(value), FIELD_VALUE)
            field = {"name": _cut(md(name), FIELD_NAME) or "\u200b", "value": shown or "\u200b", "inline": True}
            embed = self._last()
            if len(embed.get("fields", ())) >= FIELDS or _size(embed) + len(field["name"]) + len(field["value"]) > EMBED_BUDGET:
                embed = self._new()
            embed.setdefault("fields", []).append(field)


def _chunks(text: str, limit: int) -> list[str]:
    """Text cut between lines (or words) into pieces of at most `limit` characters."""
    out, current = [], ""
    for line in text.split("\n"):
        while len(line) > limit:  # one line longer than a whole piece: cut it between words
            if current:
                out.append(current)
                current = ""
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            # Never cut an escape from what it escapes, nor a <t:…> timestamp in two.
            while cut > 1 and (line[cut - 1] == "\\" or line.rfind("<", 0, cut) > line.rfind(">", 0, cut)):
                cut -= 1
            out.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            out.append(current)
            candidate = line
        current = candidate
    if current:
        out.append(current)
    return out


def render_discord(message: Message) -> list[DiscordPost]:
    """The message as one or more Discord messages of embeds."""
    times = dict(message.times)
    mention = message.mention

    def stamp(text: str) -> str:
        """Escaped text with each marked session time as a Discord timestamp."""
        escaped = md(text)
        for shown, epoch in times.items():
            escaped = escaped.replace(md(shown), f"<t:{int(epoch)}:f>")
        return escaped

    if message.error:
        return [DiscordPost(content=_cut(md(message.title), CONTENT))]
    builder = _Builder(_cut(md(message.title), TITLE - 2))  # room for the " …" of continued embeds
    builder._new()
    for block in message.blocks:
        if isinstance(block, Table) and any(cell in times for row in block.rows for cell in row):
            # Timestamps do not render inside code blocks: a schedule is a list instead.
            lines = [" — ".join(stamp(cell) for cell in row) for row in block.rows]
            caption = f"**{md(block.caption)}**\n" if block.caption else ""
            builder.text(caption + "\n".join(f"• {line}" for line in lines), "||" if block.spoiler else "")
        elif isinstance(block, Table):
            builder.table(block)
        elif isinstance(block, Text):
            text = stamp(block.text)
            builder.text(text, "||" if block.spoiler else "")
        elif isinstance(block, QuoteBlock):
            who = block.speaker + (f", {block.role}" if block.role else "")
            # Long lines are wrapped first, so each piece keeps its "> ".
            lines = [piece for line in block.text.split("\n") for piece in _chunks(md(line), 1500)]
            quoted = "\n".join(f"> {line}" for line in lines)
            builder.text(f"{quoted}\n— *{md(who)}*")
        elif isinstance(block, Fields):
            builder.fields(block.items, stamp)  # a summary's session times shown in each reader's time
        elif isinstance(block, Links):
            # Only links the bot made (to its own posts) are ever shown as links.
            builder.text("\n".join(f"• [{md(link.label)}]({link.url})" for link in block.items))
    if message.footer:
        builder.embeds[-1]["footer"] = {"text": _cut(clean(message.footer), FOOTER_CAP)}
    posts, embeds, total = [], [], 0
    for embed in builder.embeds:
        if not embed["description"]:
            del embed["description"]
        size = _size(embed)
        if embeds and (len(embeds) == EMBEDS_PER_MESSAGE or total + size > CHARS_PER_MESSAGE):
            posts.append(DiscordPost(embeds=tuple(embeds)))
            embeds, total = [], 0
        embeds.append(embed)
        total += size
    posts.append(DiscordPost(embeds=tuple(embeds)))
    if mention:
        posts[0] = DiscordPost(content=_role(mention), embeds=posts[0].embeds)
    return posts


def _role(mention: str) -> str:
    """A role id (or `<@&id>`) as a role mention; a name is shown, not pinged."""
    digits = mention.strip("<@&>")
    return f"<@&{digits}>" if digits.isdigit() else f"@{md(mention)}"


def _size(embed: dict) -> int:
    """Characters Discord counts towards the 6,000 of a message."""
    return (len(embed.get("title", "")) + len(embed.get("description", "")) + len(embed.get("footer", {}).get("text", ""))
            + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", ())))


def role_id(mention: str | None) -> int | None:
    """The role a post may ping (the only mention we ever allow), if it is a role id."""
    digits = (mention or "").strip("<@&>")
    return int(digits) if digits.isdigit() else None
