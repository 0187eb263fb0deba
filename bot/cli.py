"""The `pitboard` command line.

Each chat command of the registry is also a subcommand (`pitboard results lemans`), with
the same parsing as in a chat plus `--json` and `--lang`; the terminal's own subcommands
(`import`, `console`, `run`, `demo`, …) are a table below, each with its help, its options
and the function that runs it. Errors a user can cause print one sentence and exit 1,
never a traceback.
"""
from __future__ import annotations

import argparse
import os
import re
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.bootstrap import Bot, bootstrap
from bot.commands import Registry, build_registry
from bot.commands.parse import assign
from bot.commands.registry import UserError
from bot.config import Config, ConfigError, load_config
from bot.domain import LANGUAGES
from bot.messages import Message, error_message
from bot.render.json_out import render_json
from bot.render.text import clean, render_text
from bot.sources.fields import FileError
from bot.terminal import EXIT_OK, EXIT_USER_ERROR, TERMINAL, channel_of, fail


def _common(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--db", metavar="PATH", default=default,
                        help="SQLite database (default: $PITBOARD_DB, else data/pitboard.db)")
    parser.add_argument("--lang", choices=LANGUAGES, default=default, help="answer in English or French")
    parser.add_argument("--tz", metavar="ZONE", default=default,
                        help="show times in this time zone, e.g. Europe/Paris (default: the event's)")
    parser.add_argument("--channel", metavar="PLATFORM:ID", default=default,
                        help="act as this channel, for subscribe and settings (default: console:console)")
    # Every subcommand takes it: answers, posts (one per line), log lines, outcomes.
    parser.add_argument("--json", action="store_true", default=default,
                        help="print the answer as JSON (posts and log lines: one JSON object per line)")


def pitboard_version() -> str:
    """The installed version (from the package's metadata)."""
    from importlib.metadata import PackageNotFoundError, version  # slow to load: only when asked

    try:
        return version("pitboard")
    except PackageNotFoundError:
        return "unknown (not installed)"


class _Version(argparse.Action):
    """`--version`: print the version and exit."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        """Print `pitboard X.Y.Z` and stop."""
        print(f"pitboard {pitboard_version()}")
        parser.exit()


class _Parser(argparse.ArgumentParser):
    """argparse, with a mistyped command answered in one sentence naming the closest ones
    (not its raw list of every choice)."""

    def error(self, message: str):
        """Print one sentence and exit 2, as argparse does."""
        wrong = re.match(r"argument (?:COMMAND|subcommand): invalid choice: '([^']*)'", message)
        if wrong:
            from rapidfuzz import process

            choices = [c for c in self._subparsers._group_actions[0].choices] if self._subparsers else []
            close = [c for c, score, _ in process.extract(wrong.group(1), choices, limit=3) if score >= 75]
            hint = f" Did you mean {' or '.join(close)}?" if close else ""
            self.exit(2, f"pitboard: no command {wrong.group(1)!r}.{hint} `pitboard --help` lists them.\n")
        super().error(message)


def build_parser(registry: Registry) -> argparse.ArgumentParser:
    """The argument parser: one subcommand per registry command plus the terminal's own."""
    parser = _Parser(
        prog="pitboard", description="Motorsport results, pole, safety cars and quotes from one SQLite store."
    )
    parser.add_argument("--version", action=_Version)
    _common(parser, suppress=False)
    subs = parser.add_subparsers(dest="subcommand", metavar="COMMAND")
    for cmd in registry:
        if cmd.name in TERMINAL:
            continue  # the terminal has its own form of it (`pitboard ingest report FILE`)
        params = "\n".join(f"  {p.name}: {p.help}" + ("" if p.required else " (optional)") for p in cmd.params)
        sub = subs.add_parser(
            cmd.name, help=cmd.summary, description=f"{cmd.help}\n\nArguments:\n{params or '  none'}",
            usage=f"pitboard {cmd.usage().lstrip('/')} [options]", formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _common(sub, suppress=True)
        sub.add_argument("words", nargs="*", help=argparse.SUPPRESS)
        for p in cmd.params:
            if not p.required:
                sub.add_argument(f"--{p.name.replace('_', '-')}", dest=f"opt_{p.name}", metavar=p.name.upper(),
                                 help=p.help)
    for name, spec in TERMINAL.items():
        sub = subs.add_parser(name, help=spec.help, description=spec.help + ".")
        _common(sub, suppress=True)
        spec.options(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `pitboard` command and return its exit status."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`pitboard events | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        # Ctrl-C in `demo`, `console`, `ingest report -`: a stop asked for, not a crash.
        print("Stopped.", file=sys.stderr)
        return 130


def _configured(args: argparse.Namespace):
    """The configuration, with the command line's --db, --lang and --tz applied."""
    config = load_config()
    if args.db is not None:
        if not args.db.strip():
            raise ConfigError("--db needs a file path, for example --db data/pitboard.db.")
        config = replace(config, db_path=Path(args.db))
    folder = Path(config.db_path).parent
    if str(config.db_path) != ":memory:" and config.db_path != Config().db_path and not folder.is_dir():
        # A typo in a path must not leave a tree of new folders behind it.
        raise ConfigError(f"The folder {folder} does not exist; create it, or give another path with --db "
                          "(or PITBOARD_DB).")
    if args.lang:
        config = replace(config, lang=args.lang)
    if args.tz:
        try:
            ZoneInfo(args.tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"--tz {args.tz!r} is not a time zone; use a name such as Europe/Paris or UTC.") from None
        config = replace(config, timezone=args.tz)
    return config


# Subcommands that read an existing database and never make one.
LOOKS_ONLY = ("status", "backup")


def _main(argv: Sequence[str] | None) -> int:
    registry = build_registry()
    parser = build_parser(registry)
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) == 2 and argv[0] == "help" and argv[1] in TERMINAL:
        # `pitboard help import`: the terminal's own subcommands have their help too.
        parser.parse_args([argv[1], "--help"])
    args = parser.parse_args(argv)
    if not args.subcommand:
        parser.print_help()
        return EXIT_OK
    try:
        config = _configured(args)
    except ConfigError as err:
        return fail(str(err), args)
    spec = TERMINAL.get(args.subcommand)
    if args.subcommand in LOOKS_ONLY and str(config.db_path) != ":memory:" and not Path(config.db_path).exists():
        # A health check or a backup pointed at a wrong path must not leave a new database there.
        return fail(f"No database at {config.db_path}; check --db (or PITBOARD_DB), or start the bot with "
                    "`pitboard run`.", args)
    if spec is not None and spec.run_config is not None:
        return spec.run_config(config, args)
    if getattr(args, "dry_run", False) and not Path(config.db_path).exists():
        # "Show, store nothing": with no database yet, a throwaway one in memory (with the
        # bundled events, so the report can still attach to one) rather than a new file.
        config = replace(config, db_path=":memory:")
    try:
        bot = bootstrap(config, registry=registry)
    except FileError as err:
        return fail(f"Could not load the bundled events: {err}", args)
    except (sqlite3.Error, OSError) as err:
        return fail(f"Cannot open the database {config.db_path} ({err}). Give a writable file path with --db.", args)
    try:
        if bot.seeded:
            print(f"Created {config.db_path} and loaded the bundled events.", file=sys.stderr)
        return spec.run(bot, args) if spec is not None else _chat_command(bot, args)
    finally:
        bot.close()


def _chat_command(bot: Bot, args: argparse.Namespace) -> int:
    """A chat command run at the terminal (`pitboard results lemans`)."""
    cmd = bot.registry.get(args.subcommand)
    try:
        # The person at the terminal runs the bot, so may change the console channel.
        channel = channel_of(bot, args, create=cmd.role == "admin")
    except UserError as err:
        return fail(err.text, args)
    ctx = bot.terminal(lang=args.lang, channel=channel)
    named = {p.name: getattr(args, f"opt_{p.name}") for p in cmd.params
             if getattr(args, f"opt_{p.name}", None) is not None}
    try:
        call_args = assign(cmd, list(args.words), ctx.lang)
    except UserError as err:
        return _show(bot.commands.settle(ctx, error_message(err.text, ctx.lang.code)), args.json)
    call_args.update(named)
    return _show(bot.commands.settle(ctx, bot.registry.run(ctx, cmd.name, call_args)), args.json)


def _show(message: Message, as_json: bool) -> int:
    if message.error:
        print(clean(message.title), file=sys.stderr)
        if as_json:
            print(render_json(message))
        return EXIT_USER_ERROR
    print(render_json(message) if as_json else render_text(message))
    return EXIT_OK
