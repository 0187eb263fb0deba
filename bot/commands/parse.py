"""Turning a typed line (`/results le mans race class:B`) into a command call.

Shared by the console and Telegram, where commands arrive as text. Named arguments are
written `name:value` (as Discord shows them) or `--name value`; the rest are taken in
order, and a greedy first parameter such as the event may span several words until a
word matches a later parameter's choices.
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from bot.commands.registry import Command, Registry, UserError
from bot.i18n import Lang


_NAME = re.compile(r"^[A-Za-z_]+$")


@dataclass(frozen=True)
class Call:
    name: str
    args: dict[str, str]


def parse_line(line: str, registry: Registry, lang: Lang) -> Call:
    """Split `line` into a command name and its arguments, by the command's parameters."""
    head, _, rest = line.strip().partition(" ")
    name = head.lstrip("/").split("@", 1)[0].lower()
    cmd = registry.get(name) if name else None
    raw = next((p for p in cmd.params if p.raw), None) if cmd else None
    if raw is not None:
        # A pasted report keeps its paragraphs and its quotes: no word splitting at all.
        text = line.strip()[len(head):].strip()
        return Call(cmd.name, {raw.name: text} if text else {})
    try:
        words = shlex.split(line.strip())
    except ValueError:
        raise UserError(lang.t("err.bad_quotes")) from None
    if not words:
        return Call("help", {})
    if cmd is None:
        return Call(name, {})  # the registry answers "unknown command"
    return Call(cmd.name, assign(cmd, words[1:], lang))


def assign(cmd: Command, words: list[str], lang: Lang) -> dict[str, str]:
    """Map words to parameters: named ones first, then positional ones in order."""
    named: dict[str, str] = {}
    positional: list[str] = []
    it = iter(words)
    for word in it:
        key, sep, value = word.partition(":") if not word.startswith("--") else word[2:].partition("=")
        if word.startswith("--"):
            named[key.replace("-", "_")] = value if sep else next(it, "")
        elif sep and _NAME.match(key):
            named[key.lower()] = value
        else:
            positional.append(word)

    free = [p for p in cmd.params if p.name not in named]
    args = dict(named)
    i = 0
    for index, p in enumerate(free):
        if i >= len(positional):
            break
        if p.greedy:
            later = {c for q in free[index + 1 :] for c in (*q.choices, *q.aliases)}
            taken = [positional[i]]
            i += 1
            # A quoted value ("le mnas") is whole already: what follows is the next option.
            while i < len(positional) and positional[i].lower() not in later and not any(c.isspace() for c in taken[0]):
                taken.append(positional[i])
                i += 1
            args[p.name] = " ".join(taken)
        else:
            word = positional[i].lower()
            if p.choices and not p.required and word not in p.choices and word not in p.aliases and \
                    index + 1 < len(free):
                continue  # `/results lemans B`: B is no session, so it is the class that follows
            args[p.name] = positional[i]
            i += 1
    if i < len(positional):
        raise UserError(lang.t("err.too_many", command=cmd.name, count=len(cmd.params), example=cmd.example))
    return args

