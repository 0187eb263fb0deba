"""The `pitboard` command line.

Each chat command of the registry is also a subcommand (`pitboard results lemans`), with
the same parsing as in a chat plus `--json` and `--lang`; `import` and `console` are
CLI-only. Errors a user can cause print one sentence and exit 1, never a traceback.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bot.app import App, build_app
from bot.commands import Registry, build_registry
from bot.commands.parse import assign
from bot.commands.registry import UserError
from bot.config import ConfigError, load_config
from bot.i18n import LANGUAGES
from bot.messages import Message
from bot.render.json_out import render_json
from bot.render.text import clean, render_text
from bot.sources.fields import FileError

EXIT_OK, EXIT_USER_ERROR = 0, 1


def _common(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--db", metavar="PATH", default=default,
                        help="SQLite database (default: $PITBOARD_DB, else data/pitboard.db)")
    parser.add_argument("--lang", choices=LANGUAGES, default=default, help="answer in English or French")
    parser.add_argument("--tz", metavar="ZONE", default=default,
                        help="show times in this time zone, e.g. Europe/Paris (default: the event's)")


def build_parser(registry: Registry) -> argparse.ArgumentParser:
    """The argument parser, with one subcommand per registry command plus import and console."""
    parser = argparse.ArgumentParser(
        prog="pitboard", description="Motorsport results, pole, safety cars and quotes from one SQLite store."
    )
    _common(parser, suppress=False)
    subs = parser.add_subparsers(dest="subcommand", metavar="COMMAND")
    for cmd in registry:
        sub = subs.add_parser(cmd.name, help=cmd.help.split(" Example:")[0], description=cmd.help)
        _common(sub, suppress=True)
        sub.add_argument("--json", action="store_true", help="print the answer as JSON")
        positional = [p for p in cmd.params if p.required or p.greedy]
        sub.add_argument("words", nargs="*", metavar=" ".join(p.name.upper() for p in positional) or "ARGS",
                         help="; ".join(f"{p.name}: {p.help}" for p in cmd.params) or "no arguments")
        for p in cmd.params:
            if not p.required:
                sub.add_argument(f"--{p.name.replace('_', '-')}", dest=f"opt_{p.name}", metavar=p.name.upper(),
                                 choices=p.choices or None, help=p.help)
    imp = subs.add_parser("import", help="Validate event files and load them in one transaction",
                          description="Validate event files and load them in one transaction: all land or none.")
    _common(imp, suppress=True)
    imp.add_argument("files", nargs="+", metavar="FILE", help="TOML event files (see data/events/README.md)")
    con = subs.add_parser("console", help="Open the console channel: type /results lemans as in a chat",
                          description="Open the console channel: type the same /commands as on Discord or Telegram.")
    _common(con, suppress=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `pitboard` command and return its exit status."""
    registry = build_registry()
    parser = build_parser(registry)
    args = parser.parse_args(argv)
    if not args.subcommand:
        parser.print_help()
        return EXIT_OK
    try:
        config = load_config()
    except ConfigError as err:
        print(err, file=sys.stderr)
        return EXIT_USER_ERROR
    if args.db:
        config = replace(config, db_path=Path(args.db))
    if args.lang:
        config = replace(config, lang=args.lang)
    if args.tz:
        config = replace(config, timezone=args.tz)
    try:
        app = build_app(config)
    except FileError as err:
        print(f"Could not load the bundled events: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    try:
        if app.seeded:
            print(f"Created {config.db_path} and loaded the bundled events.", file=sys.stderr)
        return _dispatch(app, args)
    finally:
        app.close()


def _dispatch(app: App, args: argparse.Namespace) -> int:
    if args.subcommand == "import":
        return _import(app, args.files)
    ctx = app.context()
    if args.subcommand == "console":
        from bot.platforms.console import run_console  # the console is a platform: load it only here

        return run_console(app, ctx, sys.stdin, sys.stdout)
    cmd = app.registry.get(args.subcommand)
    named = {p.name: getattr(args, f"opt_{p.name}") for p in cmd.params
             if getattr(args, f"opt_{p.name}", None) is not None}
    try:
        call_args = assign(cmd, list(args.words), ctx.lang)
    except UserError as err:
        return _show(Message(title=err.text, error=True, data={"error": err.text}), args.json)
    call_args.update(named)
    return _show(app.registry.run(ctx, cmd.name, call_args), args.json)


def _show(message: Message, as_json: bool) -> int:
    if message.error:
        print(clean(message.title), file=sys.stderr)
        if as_json:
            print(render_json(message))
        return EXIT_USER_ERROR
    print(render_json(message) if as_json else render_text(message))
    return EXIT_OK


def _import(app: App, files: list[str]) -> int:
    try:
        outcomes = app.import_files(files)
    except FileError as err:
        print(clean(str(err)), file=sys.stderr)
        print("Nothing was imported.", file=sys.stderr)
        return EXIT_USER_ERROR
    for path, o in zip(files, outcomes):
        if o.changed:
            print(f"{path}: imported {o.event_id} ({o.sessions} sessions, {o.results} results, "
                  f"{o.incidents} incidents, {o.quotes} quotes)")
        else:
            print(f"{path}: {o.event_id} is already up to date; nothing changed")
    return EXIT_OK
