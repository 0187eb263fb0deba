"""The command registry: each command defined once, exposed by every platform.

A command is a name, its help (the handler's docstring), typed parameters with choices
and an autocomplete source, and who may run it. Platforms turn that into slash
commands, `/command args` parsing or CLI subcommands; handlers return a Message.
"""
from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.channel import Channel
from bot.i18n import Lang
from bot.messages import Message, error_message
from bot.reports.review import ReportDesk
from bot.store.channels import Channels
from bot.store.outbox import Outbox
from bot.store.queries import Queries


class UserError(Exception):
    """Something the user asked that cannot be answered, told as one sentence."""

    def __init__(self, text: str, data: dict | None = None):
        super().__init__(text)
        self.text = text
        self.data = data


@dataclass(frozen=True)
class Param:
    name: str
    help: str
    kind: type = str  # str or int
    required: bool = False
    choices: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)  # other spellings of a choice
    complete: str | None = None  # name of an autocomplete source: events, sessions, classes, drivers
    greedy: bool = False  # when positional, may span several words ("le mans 2017")
    minimum: int | None = None
    maximum: int | None = None
    dest: str = ""  # the handler's argument name when `name` is a Python keyword ("class")
    raw: bool = False  # takes the rest of a typed line as written, line breaks kept (a pasted report)
    file: bool = False  # may come as a file instead (a report: Discord's attachment, Telegram's document)

    @property
    def arg(self) -> str:
        """The keyword argument the handler receives this parameter as."""
        return self.dest or self.name


@dataclass(frozen=True)
class Context:
    """Who asks, in which language, at what time, against which store."""

    queries: Queries
    lang: Lang
    now: datetime
    is_admin: bool = False  # may change this channel's settings and subscriptions
    is_operator: bool = False  # may change the facts every channel sees (publish a report)
    user: str | None = None  # "telegram:123", "discord:456"; None at the terminal
    channel: Channel | None = None  # where the command was typed, when in a channel
    channels: Channels | None = None  # for the admin commands that change what a channel follows
    reports: ReportDesk | None = None  # for /ingest and /confirm
    outbox: Outbox | None = None  # for /test, which sends one post to this channel
    # Answers that list many items (quotes) show this many at a time with buttons to page,
    # where the platform has buttons and a long answer is hard to read (Telegram).
    page_size: int | None = None


def menu_text(text: str, limit: int) -> str:
    """A command or option description for a platform's menu: the help's first sentence
    (an "e.g." does not end it, nor a colon inside brackets), cut between words to `limit`."""
    first = re.split(r"(?<!e\.g)(?<!\bex)\.\s+(?=[A-ZÀ-Þ])", text.strip())[0].strip().rstrip(".")
    colon = first.find(": ")
    if colon > 0 and "(" not in first[:colon]:  # "Show X: details" -> "Show X"
        first = first[:colon].rstrip()
    first = first or text.strip() or "—"
    if len(first) <= limit:
        return first
    return first[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


ROLES = ("everyone", "admin", "operator")
Handler = Callable[..., Message]
Completer = Callable[[Context, str, dict], list[str]]


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    params: tuple[Param, ...]
    handler: Handler
    example: str
    role: str = "everyone"  # who may run it: everyone, admin (of the channel) or operator
    # Answers with a picture (True), or when this parameter asks for one ("image"): drawing
    # takes a second or more, so platforms with a reply deadline answer it deferred.
    draws: bool | str = False

    @property
    def admin_only(self) -> bool:
        """Whether only some people may run it (a channel's admins, or operators)."""
        return self.role != "everyone"

    def will_draw(self, args: dict[str, object]) -> bool:
        """Whether answering these arguments draws a picture."""
        if isinstance(self.draws, str):
            return str(args.get(self.draws, "")).strip().lower() in ("true", "on", "yes", "oui", "vrai")
        return self.draws

    def param(self, name: str) -> Param | None:
        """The parameter called `name`, if any."""
        return next((p for p in self.params if p.name == name), None)

    @property
    def summary(self) -> str:
        """The help's first part, without the examples."""
        return self.help.split(" Example:")[0].replace("\n", " ")

    def usage(self) -> str:
        """`/results EVENT [session] [class]`: the shape of a call."""
        parts = [f"/{self.name}"]
        parts += [p.name.upper() if p.required else f"[{p.name}]" for p in self.params]
        return " ".join(parts)


class Registry:
    """All commands and autocomplete sources, looked up by name."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._completers: dict[str, Completer] = {}

    def add(self, handler: Handler, *params: Param, example: str, role: str = "everyone", name: str = "",
            draws: bool | str = False) -> None:
        """Register `handler` as a command; its docstring becomes the help. `role` says
        who may run it: everyone, a channel's admins ("admin") or operators ("operator");
        `draws`, that it may take a second or more drawing a picture."""
        help_text = inspect.getdoc(handler)
        if not help_text:
            raise ValueError(f"command {handler.__name__} needs a docstring: it is the user's help")
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        cmd = Command(name or handler.__name__, help_text, params, handler, example, role, draws)
        self._commands[cmd.name] = cmd

    def completer(self, name: str, source: Completer) -> None:
        """Register an autocomplete source under `name`."""
        self._completers[name] = source

    def __iter__(self):
        return iter(self._commands.values())

    def get(self, name: str) -> Command | None:
        """The command called `name` (without slash or @bot suffix), or None."""
        return self._commands.get(name.lstrip("/").split("@", 1)[0].lower())

    def run(self, ctx: Context, name: str, args: dict[str, object]) -> Message:
        """Check and convert `args`, run the command and return its Message (from code with
        no event loop running: the terminal). Every problem the user can cause comes back
        as an error Message, never a traceback."""
        answer = self._start(ctx, name, args)
        if not inspect.isawaitable(answer):
            return answer
        import asyncio  # only for a command that waits (reading a report's link)

        return asyncio.run(_finish(answer, ctx.lang))

    async def run_async(self, ctx: Context, name: str, args: dict[str, object]) -> Message:
        """`run` for the platforms, on the event loop: a command that waits on the network
        (reading a report's link) lets every other chat be answered meanwhile."""
        answer = self._start(ctx, name, args)
        return await _finish(answer, ctx.lang) if inspect.isawaitable(answer) else answer

    def _start(self, ctx: Context, name: str, args: dict[str, object]):
        lang = ctx.lang
        cmd = self.get(name)
        if cmd is None:
            return error_message(lang.t("err.unknown_command", name=name.lstrip("/")), lang.code)
        if cmd.role == "operator" and not ctx.is_operator:
            return error_message(lang.t("err.operators_only", command=cmd.name), lang.code)
        if cmd.role == "admin" and not ctx.is_admin:
            return error_message(lang.t("err.not_allowed", command=cmd.name), lang.code)
        try:
            values = self._convert(cmd, ctx, _split_event_words(cmd, ctx, args))
            return cmd.handler(ctx, **values)
        except UserError as err:
            return _refusal(err, lang)

    def _convert(self, cmd: Command, ctx: Context, args: dict[str, object]) -> dict[str, object]:
        lang = ctx.lang
        unknown = [k for k in args if cmd.param(k) is None]
        if unknown:
            names = ", ".join(p.name for p in cmd.params) or "—"
            raise UserError(lang.t("err.unknown_param", command=cmd.name, param=unknown[0], params=names))
        values: dict[str, object] = {}
        for p in cmd.params:
            raw = args.get(p.name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                if p.required:
                    raise UserError(lang.t("err.missing_arg", command=cmd.name, param=p.name, example=cmd.example))
                continue
            values[p.arg] = self._value(p, raw, lang)
        return values

    @staticmethod
    def _value(p: Param, raw: object, lang: Lang) -> object:
        if p.kind is int:
            try:
                number = int(str(raw).strip())
            except ValueError:
                raise UserError(lang.t("err.bad_int", param=p.name, value=raw)) from None
            low = p.minimum if p.minimum is not None else number
            high = p.maximum if p.maximum is not None else number
            if not low <= number <= high:  # said, not quietly changed: `next 100` is not `next 25`
                raise UserError(lang.t("err.out_of_range", param=p.name, value=number, low=low, high=high))
            return number
        text = str(raw).strip()
        if p.choices:
            key = text.lower()
            key = p.aliases.get(key, key)
            if key not in p.choices:
                raise UserError(lang.t("err.bad_choice", param=p.name, choices=lang.join(list(p.choices)), value=text))
            return key
        return text

    def complete(self, ctx: Context, command: str, param: str, prefix: str, args: dict | None = None) -> list[str]:
        """Suggestions for `param` of `command` given what is typed so far (at most 25)."""
        cmd = self.get(command)
        p = cmd.param(param) if cmd else None
        if p is None:
            return []
        if p.choices:
            return [c for c in p.choices if c.startswith(prefix.lower())][:25]
        source = self._completers.get(p.complete or "")
        return source(ctx, prefix, args or {})[:25] if source else []


def _refusal(err: UserError, lang: Lang) -> Message:
    return error_message(err.text, lang.code, {"error": err.text, **(err.data or {})})


async def _finish(answer, lang: Lang) -> Message:
    """The Message an async handler gives, its UserError told as a refusal."""
    try:
        return await answer
    except UserError as err:
        return _refusal(err, lang)


def _split_event_words(cmd: Command, ctx: Context, args: dict[str, object]) -> dict[str, object]:
    """`/results lemans B`: when the event's words are not all an event name but a leading
    part is an exact alias, give the words after it to the later, unfilled parameters."""
    for index, p in enumerate(cmd.params):
        value = args.get(p.name)
        if not (p.greedy and p.complete == "events" and isinstance(value, str)):
            continue
        words = value.split()
        later = [q for q in cmd.params[index + 1 :] if q.name not in args]
        if len(words) < 2 or not later or ctx.queries.is_event_alias(value):
            continue
        for cut in range(len(words) - 1, 0, -1):
            rest = _fill(later, words[cut:])
            if rest is not None and ctx.queries.is_event_alias(" ".join(words[:cut])):
                return {**args, p.name: " ".join(words[:cut]), **rest}
    return args


def _fill(params: list[Param], words: list[str]) -> dict[str, str] | None:
    """Give each word to the next parameter that can take it; optional parameters with
    choices are skipped when the word is not one of them. None when some word is left."""
    filled: dict[str, str] = {}
    queue = list(params)
    for word in words:
        while queue and queue[0].choices and word.lower() not in (*queue[0].choices, *queue[0].aliases):
            queue.pop(0)
        if not queue:
            return None
        filled[queue.pop(0).name] = word
    return filled
