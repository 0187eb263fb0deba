"""The `pitboard` command line.

Each chat command of the registry is also a subcommand (`pitboard results lemans`), with
the same parsing as in a chat plus `--json` and `--lang`; the terminal's own subcommands
(`import`, `console`, `run`, `demo`, …) are a table below, each with its help, its options
and the function that runs it. Errors a user can cause print one sentence and exit 1,
never a traceback.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.bootstrap import Bot, bootstrap
from bot.commands import Registry, build_registry
from bot.commands.parse import assign
from bot.commands.registry import UserError
from bot.config import ConfigError, load_config
from bot.domain import LANGUAGES
from bot.messages import Message, error_message
from bot.render.json_out import render_json
from bot.render.text import clean, render_text
from bot.sources.fields import FileError

EXIT_OK, EXIT_USER_ERROR = 0, 1


@dataclass(frozen=True)
class Subcommand:
    """A terminal-only subcommand: its help, its own options, and what runs it (with the
    assembled bot, or with the configuration alone when it builds its own, as `demo`)."""

    help: str
    options: Callable[[argparse.ArgumentParser], None]
    run: Callable[[Bot, argparse.Namespace], int] | None = None
    run_config: Callable[[object, argparse.Namespace], int] | None = None


def _common(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--db", metavar="PATH", default=default,
                        help="SQLite database (default: $PITBOARD_DB, else data/pitboard.db)")
    parser.add_argument("--lang", choices=LANGUAGES, default=default, help="answer in English or French")
    parser.add_argument("--tz", metavar="ZONE", default=default,
                        help="show times in this time zone, e.g. Europe/Paris (default: the event's)")
    parser.add_argument("--channel", metavar="PLATFORM:ID", default=default,
                        help="act as this channel, for subscribe and settings (default: console:console)")


def _fail(text: str) -> int:
    print(clean(text), file=sys.stderr)
    return EXIT_USER_ERROR


# --- the terminal's own subcommands ----------------------------------------------------------

def _import_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("files", nargs="+", metavar="FILE", help="TOML event files (see data/events/README.md)")
    sub.add_argument("--json", action="store_true", help="print what was imported as JSON")


def _import(bot: Bot, args: argparse.Namespace) -> int:
    try:
        outcomes = bot.import_files(args.files)
    except FileError as err:
        print(clean(str(err)), file=sys.stderr)
        print("Nothing was imported.", file=sys.stderr)
        if args.json:
            print(json.dumps({"error": str(err), "file": err.file, "field": err.field}, ensure_ascii=False))
        return EXIT_USER_ERROR
    if args.json:
        print(json.dumps([{"file": f, **o.__dict__} for f, o in zip(args.files, outcomes)], indent=2))
        return EXIT_OK
    for path, o in zip(args.files, outcomes):
        if o.changed:
            print(f"{path}: imported {o.event_id} ({o.sessions} sessions, {o.results} results, "
                  f"{o.incidents} incidents, {o.quotes} quotes)")
        else:
            print(f"{path}: {o.event_id} is already up to date; nothing changed")
    return EXIT_OK


def _ingest_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("kind", choices=["report"], help="what is ingested: a race report")
    sub.add_argument("source", metavar="FILE|URL|-", help="the report: a file, an http(s) link or - for stdin")
    sub.add_argument("--dry-run", action="store_true", help="show the facts without storing anything")
    sub.add_argument("--json", action="store_true", help="print the facts as JSON, with confidence and span")


def _ingest(bot: Bot, args: argparse.Namespace) -> int:
    from bot.reports.ingest import ReportError, analyse, as_json, read_report, to_bundle

    try:
        report = read_report(args.source)
    except ReportError as err:
        return _fail(str(err))
    extraction = analyse(report, bot.queries)
    if args.json and args.dry_run:
        print(json.dumps(as_json(report, extraction), ensure_ascii=False, indent=2))
        return EXIT_OK
    if args.dry_run:
        for fact in extraction.facts:
            shown = {k: v for k, v in fact.data.items() if k != "text"}
            text = f" “{fact.data['text'][:60]}…”" if "text" in fact.data else ""
            print(f"{fact.kind:<13} {fact.confidence:.2f}  {shown}{text}")
        print(f"{len(extraction.facts)} facts; nothing stored (--dry-run).")
        return EXIT_OK
    if not extraction.facts:
        return _fail(f"{report.where}: no facts found in this report; nothing was stored.")
    try:
        bundle = to_bundle(report, extraction, bot.queries, published_by="terminal")
    except ReportError as err:
        return _fail(str(err))
    outcome = bot.add_source_facts(bundle)
    summary = {"event_id": outcome.event_id, "source": bundle.sources[0].id, "results": outcome.results,
               "incidents": outcome.incidents, "quotes": outcome.quotes}
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(f"{report.where}: stored {outcome.results} results, {outcome.incidents} incidents and "
              f"{outcome.quotes} quotes for {outcome.event_id} (source {bundle.sources[0].id}).")
    return EXIT_OK


def _timing_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("file", metavar="FILE", help="an Al Kamel CSV: a classification or a lap analysis")
    sub.add_argument("--event", required=True, help="the event it belongs to, e.g. lemans 2015")
    sub.add_argument("--session", default="race", help="race (default), qualifying or practice")


def _timing(bot: Bot, args: argparse.Namespace) -> int:
    from bot.sources.timing_import import TimingError, timing_bundle

    try:
        bundle = timing_bundle(bot.queries, Path(args.file), args.event, args.session)
    except (FileError, TimingError) as err:
        print(clean(str(err)), file=sys.stderr)
        print("Nothing was imported.", file=sys.stderr)
        return EXIT_USER_ERROR
    outcome = bot.add_source_facts(bundle)
    print(f"{args.file}: {outcome.results} results and {outcome.incidents} periods for {outcome.event_id} "
          f"({bundle.sessions[0].kind}).")
    return EXIT_OK


def _sources(bot: Bot, args: argparse.Namespace) -> int:
    sources = bot.sources()
    if not sources:
        print("No sources in the config file; declare them as [[sources]] (see config/pitboard.example.toml).")
    for s in sources:
        state = bot.repositories.source_states.load(s.name)
        print(f"{s.name}  {s.describe()}; every {s.interval:g} s, {s.live_interval:g} s live; "
              f"last poll {state.last_poll or 'never'}; {state.items} items; "
              f"last error: {state.last_error or 'none'}")
    return EXIT_OK


def _poll_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("name", metavar="SOURCE", help="the source's name, as `pitboard sources` lists it")


def _poll(bot: Bot, args: argparse.Namespace) -> int:
    source = next((s for s in bot.sources() if s.name == args.name), None)
    if source is None:
        return _fail(f"No source {args.name!r} in the config file; `pitboard sources` lists them.")
    logging.getLogger("bot.sources").setLevel(logging.ERROR)  # the outcome is printed below, once

    async def poll_once() -> int:
        """One poll, its connections closed after."""
        try:
            return await bot.poll(source, force=True)
        finally:
            await source.aclose()

    import asyncio

    stored = asyncio.run(poll_once())
    state = bot.repositories.source_states.load(source.name)
    if state.failures:
        return _fail(f"{source.name}: {state.last_error}; `pitboard run` will try again later.")
    if state.last_error:
        return _fail(f"{source.name}: stored {stored} facts, but {state.last_error}")
    print(f"{source.name}: {stored} facts stored.")
    return EXIT_OK


def _console(bot: Bot, args: argparse.Namespace) -> int:
    from bot.platforms.console import run_console  # the console is a platform: load it only here

    try:
        channel = _channel_of(bot, args, create=False)
    except UserError as err:
        return _fail(err.text)
    return run_console(bot.commands, bot.terminal(lang=args.lang, channel=channel), sys.stdin, sys.stdout)


def _run(bot: Bot, args: argparse.Namespace) -> int:
    from bot.runner import run_bot

    return run_bot(bot)


def _dispatch(bot: Bot, args: argparse.Namespace) -> int:
    from bot.runner import send_pending

    return send_pending(bot)


def _demo_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--step", type=float, default=1.5, metavar="SECONDS",
                     help="seconds between the race's moments on the replay clock (default 1.5)")


def _demo(config, args: argparse.Namespace) -> int:
    from bot.demo import run_demo  # loads the scheduler: only for the commands that run it

    return run_demo(config, step=args.step)


def _nothing(sub: argparse.ArgumentParser) -> None:
    """No options of its own."""


TERMINAL = {
    "import": Subcommand("Validate event files and load them in one transaction: all land or none",
                         _import_options, _import),
    "console": Subcommand("Open the console channel: type /results lemans as in a chat", _nothing, _console),
    "run": Subcommand("Run the bot: the scheduler, the dispatcher and every platform whose token is set",
                      _nothing, _run),
    "demo": Subcommand("Replay the Le Mans 2017 race through the real announcement path, on a fast clock",
                       _demo_options, run_config=_demo),
    "dispatch": Subcommand("Send what the outbox holds to the console channel, then exit", _nothing, _dispatch),
    "ingest": Subcommand("Read a race report (a file, a link or - for stdin) and store the facts it gives",
                         _ingest_options, _ingest),
    "timing": Subcommand("Import an Al Kamel classification or lap analysis CSV into a known event's session",
                         _timing_options, _timing),
    "sources": Subcommand("List the polled sources the config file declares, with their last poll and last error",
                          _nothing, _sources),
    "poll": Subcommand("Poll one source from the config file now, and store what it reads", _poll_options, _poll),
}


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


def build_parser(registry: Registry) -> argparse.ArgumentParser:
    """The argument parser: one subcommand per registry command plus the terminal's own."""
    parser = argparse.ArgumentParser(
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
        sub.add_argument("--json", action="store_true", help="print the answer as JSON")
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


def _configured(args: argparse.Namespace):
    """The configuration, with the command line's --db, --lang and --tz applied."""
    config = load_config()
    if args.db is not None:
        if not args.db.strip():
            raise ConfigError("--db needs a file path, for example --db data/pitboard.db.")
        config = replace(config, db_path=Path(args.db))
    if args.lang:
        config = replace(config, lang=args.lang)
    if args.tz:
        try:
            ZoneInfo(args.tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"--tz {args.tz!r} is not a time zone; use a name such as Europe/Paris or UTC.") from None
        config = replace(config, timezone=args.tz)
    return config


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
        return _fail(str(err))
    spec = TERMINAL.get(args.subcommand)
    if spec is not None and spec.run_config is not None:
        return spec.run_config(config, args)
    try:
        bot = bootstrap(config, registry=registry)
    except FileError as err:
        return _fail(f"Could not load the bundled events: {err}")
    except (sqlite3.Error, OSError) as err:
        return _fail(f"Cannot open the database {config.db_path} ({err}). Give a writable file path with --db.")
    try:
        if bot.seeded:
            print(f"Created {config.db_path} and loaded the bundled events.", file=sys.stderr)
        return spec.run(bot, args) if spec is not None else _chat_command(bot, args)
    finally:
        bot.close()


def _channel_of(bot: Bot, args: argparse.Namespace, create: bool):
    platform, _, address = (getattr(args, "channel", None) or "console:console").partition(":")
    if not address:
        raise UserError(f"--channel {args.channel!r} must look like PLATFORM:ID, for example console:console.")
    return bot.channels.ensure(platform, address) if create else bot.channels.find(platform, address)


def _chat_command(bot: Bot, args: argparse.Namespace) -> int:
    """A chat command run at the terminal (`pitboard results lemans`)."""
    cmd = bot.registry.get(args.subcommand)
    try:
        # The person at the terminal runs the bot, so may change the console channel.
        channel = _channel_of(bot, args, create=cmd.role == "admin")
    except UserError as err:
        return _fail(err.text)
    ctx = bot.terminal(lang=args.lang, channel=channel)
    named = {p.name: getattr(args, f"opt_{p.name}") for p in cmd.params
             if getattr(args, f"opt_{p.name}", None) is not None}
    try:
        call_args = assign(cmd, list(args.words), ctx.lang)
    except UserError as err:
        return _show(error_message(err.text, ctx.lang.code), args.json)
    call_args.update(named)
    return _show(bot.registry.run(ctx, cmd.name, call_args), args.json)


def _show(message: Message, as_json: bool) -> int:
    if message.error:
        print(clean(message.title), file=sys.stderr)
        if as_json:
            print(render_json(message))
        return EXIT_USER_ERROR
    print(render_json(message) if as_json else render_text(message))
    return EXIT_OK
