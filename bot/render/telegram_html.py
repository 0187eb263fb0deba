"""Message → Telegram HTML, split into messages that fit Telegram's 4,096 characters.

Every dynamic string is escaped (`< > &`), so a driver called `</code><b>` shows those
characters. Tables are monospace `<pre>` blocks; a long one continues in the next message
with its header repeated. Splits fall between lines, and each piece of a block is closed
and re-opened in its own tags, so no message ever ends inside a tag. Telegram does not
allow `<pre>` inside `<tg-spoiler>`, so a hidden table is written as plain lines instead.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

from bot.messages import Fields, Links, Message, QuoteBlock, Table, Text
from bot.render.text import capped_table, clean, render_table

LIMIT = 4096


def esc(text: str) -> str:
    """Text safe inside Telegram HTML: `< > &` escaped (we never write text into attributes)."""
    return html.escape(clean(text), quote=False)


def size(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units). Counting the HTML, tags
    included, keeps us inside the limit Telegram applies to the text alone."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class _Line:
    html: str  # balanced: every tag it opens, it closes
    plain: str  # the same words without markup, for cutting a line too long for a message


@dataclass
class _Block:
    lines: list[_Line]
    open: str = ""  # wraps each piece of the block: <pre>, <tg-spoiler>, <blockquote>
    close: str = ""
    lead: str = ""  # before the first piece only (a table's caption)
    head: str = ""  # inside `open` at the top of every piece (a table's header)


def _plain(text: str) -> _Line:
    return _Line(esc(text), text)


def _blocks(message: Message) -> list[_Block]:
    out: list[_Block] = []
    out.append(_Block([_plain(line) for line in (message.title or "…").split("\n")], "<b>", "</b>"))
    for block in message.blocks:
        if isinstance(block, Table):
            block = capped_table(block)
            lines = render_table(block)
            caption = lines.pop(0) if block.caption else ""
            lead = f"<b>{esc(caption)}</b>\n" if caption else ""
            if block.spoiler:
                rows = [_plain(" ".join(line.split())) for line in [lines[0], *lines[2:]]]
                out.append(_Block(rows, "<tg-spoiler>", "</tg-spoiler>", lead))
            else:
                out.append(_Block([_plain(r) for r in lines[2:]], "<pre>", "</pre>", lead, esc("\n".join(lines[:2])) + "\n"))
        elif isinstance(block, Text):
            lines = [_plain(line) for line in block.text.split("\n")]
            out.append(_Block(lines, "<tg-spoiler>", "</tg-spoiler>") if block.spoiler else _Block(lines))
        elif isinstance(block, QuoteBlock):
            who = block.speaker + (f", {block.role}" if block.role else "")
            lines = [_plain(line) for line in block.text.split("\n")] + [_Line(f"— <i>{esc(who)}</i>", f"— {who}")]
            out.append(_Block(lines, "<blockquote>", "</blockquote>"))
        elif isinstance(block, Fields):
            out.append(_Block([_Line(f"<b>{esc(k)}</b>: {esc(str(v))}", f"{k}: {v}") for k, v in block.items]))
        elif isinstance(block, Links):
            out.append(_Block([_Line(f'• <a href="{html.escape(link.url, quote=True)}">{esc(link.label)}</a>',
                                     f"• {link.label}")
                               for link in block.items]))
    if message.footer:
        out.append(_Block([_plain(line) for line in message.footer.split("\n")], "<i>", "</i>"))
    return out


def render_telegram(message: Message, limit: int = LIMIT) -> list[str]:
    """The message as one or more Telegram HTML texts, each within `limit` characters."""
    if message.error:
        return _Packer(limit).pack([_Block([_plain(line) for line in message.title.split("\n")])])
    return _Packer(limit).pack(_blocks(message))


@dataclass
class _Packer:
    limit: int
    parts: list[str] = field(default_factory=list)
    current: str = ""

    def pack(self, blocks: list[_Block]) -> list[str]:
        """Lay the blocks out over as few messages as they fit in."""
        for block in blocks:
            self._block(block)
        if self.current:
            self.parts.append(self.current)
        return self.parts

    def _room(self, text: str) -> bool:
        return size(f"{self.current}\n\n{text}" if self.current else text) <= self.limit

    def _flush(self) -> None:
        if self.current:
            self.parts.append(self.current)
        self.current = ""

    def _block(self, block: _Block) -> None:
        if size(block.lead + block.open + block.head + block.close) > self.limit // 2:
            # A caption or header that big leaves no room for rows: repeat neither.
            block = _Block(block.lines, block.open, block.close)
        lines = [piece for line in block.lines for piece in self._fit(line, block)]
        first = True
        while lines or first:
            start = (block.lead if first else "") + block.open + block.head
            body, taken = start, 0
            while taken < len(lines):
                candidate = body + ("\n" if taken else "") + lines[taken]
                if not self._room(candidate + block.close):
                    break
                body, taken = candidate, taken + 1
            if taken == 0 and lines and self.current:
                self._flush()  # the block starts on a fresh message
                continue
            if taken == 0 and not lines and not self._room(body + block.close):
                self._flush()
            self.current = f"{self.current}\n\n{body}{block.close}" if self.current else body + block.close
            lines, first = lines[taken:], False
            if lines:
                self._flush()

    def _fit(self, line: _Line, block: _Block) -> list[str]:
        """The line as HTML, cut into pieces if it would not fit in a message of its own."""
        room = self.limit - size(block.lead + block.open + block.head + block.close)
        if size(line.html) <= room:
            return [line.html]
        pieces, rest = [], line.plain
        while rest:
            cut = len(rest)
            while size(esc(rest[:cut])) > room:
                cut = max(1, cut * 3 // 4)
            # Prefer to cut between words.
            space = rest.rfind(" ", 0, cut)
            if cut < len(rest) and space > cut // 2:
                cut = space + 1
            pieces.append(esc(rest[:cut]))
            rest = rest[cut:]
        return pieces
