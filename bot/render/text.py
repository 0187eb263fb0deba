"""Message → plain text for the terminal and the console channel.

Terminal output is still untrusted text: control characters (an ANSI escape hidden in a
driver's name could rewrite the screen) are replaced before anything is printed.
"""
from __future__ import annotations

import re
import textwrap
import unicodedata

from bot.messages import Fields, Links, Message, QuoteBlock, Table, Text

LINE = 100  # columns a line of fields may take before values go under their keys
FIELD_KEY_COLUMN = 40
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Text safe to print: control and bidi-override characters become `�`."""
    return _CONTROL.sub("\ufffd", text)


def width(text: str) -> int:
    """Columns `text` takes on a terminal (wide East Asian characters take two)."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text
    )


def _pad(text: str, size: int, align: str) -> str:
    gap = " " * (size - width(text))
    return gap + text if align == "right" else text + gap


def capped_table(table: Table, cell: int = 60, caption: int = 200) -> Table:
    """The table with cells and caption cut to a sane width (ending in …): one absurd
    cell, a hostile name, would otherwise pad every row of a monospace table to its width."""

    def cut(text: str, size: int) -> str:
        """`text`, at most `size` characters."""
        return text if len(text) <= size else text[: size - 1] + "…"

    rows = tuple(tuple(cut(c, cell) for c in row) for row in table.rows)
    return Table(cut(table.caption, caption), table.columns, rows, spoiler=table.spoiler)


def render_table(table: Table) -> list[str]:
    """A table as aligned columns under a caption."""
    head = [clean(c.title) for c in table.columns]
    rows = [[clean(cell).replace("\n", " ") for cell in row] for row in table.rows]
    sizes = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(head)]
    aligns = [c.align for c in table.columns]

    def line(cells: list[str]) -> str:
        """One row, padded to the column widths."""
        return "  ".join(_pad(cell, sizes[i], aligns[i]) for i, cell in enumerate(cells)).rstrip()

    out = [clean(table.caption)] if table.caption else []
    out.append(line(head))
    out.append("  ".join("-" * s for s in sizes))
    out += [line(r) for r in rows]
    return out


def render_text(message: Message) -> str:
    """The whole message as plain text, blocks separated by blank lines."""
    title = clean(message.title)
    if message.error:
        return title
    parts = [f"<@&{clean(message.mention)}>"] if message.mention else []
    parts += [title, "=" * min(width(title), 72)]
    for block in message.blocks:
        parts.append("")
        if getattr(block, "spoiler", False):
            # A terminal has no spoiler markup; say where the hidden part starts.
            parts.append("[spoiler]")
        if isinstance(block, Table):
            parts += render_table(block)
        elif isinstance(block, Text):
            parts.append(clean(block.text))
        elif isinstance(block, QuoteBlock):
            who = clean(block.speaker) + (f", {clean(block.role)}" if block.role else "")
            parts.append(f"“{clean(block.text)}”")
            parts.append(f"    — {who}")
        elif isinstance(block, Links):
            parts += [f"• {clean(link.label)} — {clean(link.url)}" for link in block.items]
        elif isinstance(block, Fields):
            size = max(width(clean(k)) for k, _ in block.items)
            if size <= FIELD_KEY_COLUMN and all(size + 2 + width(clean(str(v))) <= LINE for _, v in block.items):
                parts += [f"{_pad(clean(k), size, 'left')}  {clean(str(v))}" for k, v in block.items]
            else:  # a long key or value: each value under its key, wrapped, so no line runs off the screen
                for k, v in block.items:
                    parts.append(clean(k))
                    parts += textwrap.wrap(clean(str(v)), LINE, initial_indent="    ", subsequent_indent="    ") or [""]
    if message.footer:
        parts += ["", clean(message.footer)]
    return "\n".join(parts)
