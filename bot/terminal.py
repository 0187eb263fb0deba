"""The terminal's own subcommands of `pitboard` (`import`, `console`, `run`, `demo`, …): a table
of them, each with its help, its options and the function that runs it."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.bootstrap import Bot
from bot.commands.registry import UserError
from bot.render.text import clean
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


def fail(text: str, args: argparse.Namespace | None = None) -> int:
    """Print one sentence on stderr (and `{"error": ...}` on stdout with --json); the exit
    status of a user's mistake."""
    print(clean(text), file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"error": clean(text)}, ensure_ascii=False))
    return EXIT_USER_ERROR


def emit(args: argparse.Namespace, data, text: str) -> int:
    """Print an outcome: `data` as JSON with --json, else `text`; the exit status of success."""
    print(json.dumps(data, ensure_ascii=False, indent=2) if getattr(args, "json", False) else text)
    return EXIT_OK


def channel_of(bot: Bot, args: argparse.Namespace, create: bool):
    """The channel `--channel PLATFORM:ID` names (the console's by default)."""
    platform, _, address = (getattr(args, "channel", None) or "console:console").partition(":")
    if not address:
        raise UserError(f"--channel {args.channel!r} must look like PLATFORM:ID, for example console:console.")
    return bot.commands.channel_for(platform, address, create=create)


def _import_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("files", nargs="+", metavar="FILE", help="TOML event files (see data/events/README.md)")


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
            counts = ", ".join(f"{n} {word if n == 1 else word + 's'}" for n, word in (
                (o.sessions, "session"), (o.results, "result"), (o.incidents, "incident"), (o.quotes, "quote")))
            print(f"{path}: imported {o.event_id} ({counts})")
        else:
            print(f"{path}: {o.event_id} is already up to date; nothing changed")
    return EXIT_OK


def _ingest_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("kind", choices=["report"], help="what is ingested: a race report")
    sub.add_argument("source", metavar="FILE|URL|-", help="the report: a file, an http(s) link or - for stdin")
    sub.add_argument("--dry-run", action="store_true", help="show the facts without storing anything")


def _ingest(bot: Bot, args: argparse.Namespace) -> int:
    from bot.reports.ingest import ReportError, analyse, as_json, read_report, to_bundle

    try:
        report = read_report(args.source)
    except ReportError as err:
        return fail(str(err), args)
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
        return fail(f"{report.where}: no facts found in this report; nothing was stored.", args)
    try:
        bundle = to_bundle(report, extraction, bot.queries, published_by="terminal")
    except ReportError as err:
        return fail(str(err), args)
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
        return fail(f"{err} Nothing was imported.", args)
    outcome = bot.add_source_facts(bundle)
    kind = bundle.sessions[0].kind
    return emit(args, {"file": args.file, "event_id": outcome.event_id, "session": kind,
                       "results": outcome.results, "periods": outcome.incidents, "laps": outcome.laps},
                f"{args.file}: {outcome.results} results, {outcome.incidents} periods and {outcome.laps} laps for "
                f"{outcome.event_id} ({kind}).")


def _when(iso: str | None) -> str:
    """A stored moment as people read it: `2026-12-01 14:20:03 UTC`, or never."""
    if not iso:
        return "never"
    from datetime import datetime, timezone

    try:
        return datetime.fromisoformat(iso).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return iso


def _sources(bot: Bot, args: argparse.Namespace) -> int:
    sources = bot.sources()
    if args.json:
        states = [bot.repositories.source_states.load(s.name) for s in sources]
        print(json.dumps([{"name": s.name, "describe": s.describe(), "interval": s.interval,
                           "live_interval": s.live_interval, "last_poll": st.last_poll, "items": st.items,
                           "failures": st.failures, "last_error": st.last_error}
                          for s, st in zip(sources, states)], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not sources:
        print("No sources in the config file; declare them as [[sources]] (see config/pitboard.example.toml).")
    for s in sources:
        state = bot.repositories.source_states.load(s.name)
        print(f"{s.name}  {s.describe()}; every {s.interval:g} s, {s.live_interval:g} s live; "
              f"last poll {_when(state.last_poll)}; {state.items} items; "
              f"last error: {state.last_error or 'none'}")
    return EXIT_OK


def _poll_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("name", metavar="SOURCE", help="the source's name, as `pitboard sources` lists it")


def _poll(bot: Bot, args: argparse.Namespace) -> int:
    source = next((s for s in bot.sources() if s.name == args.name), None)
    if source is None:
        return fail(f"No source {args.name!r} in the config file; `pitboard sources` lists them.", args)
    quiet = logging.getLogger("bot.sources")  # the outcome is printed below, once
    level = quiet.level

    async def poll_once() -> int:
        """One poll, its connections closed after."""
        try:
            return await bot.poll(source, force=True)
        finally:
            await source.aclose()

    import asyncio

    quiet.setLevel(logging.ERROR)
    try:
        stored = asyncio.run(poll_once())
    finally:
        quiet.setLevel(level)  # as it was: a caller in the same process keeps its warnings
    state = bot.repositories.source_states.load(source.name)
    if state.failures:
        return fail(f"{source.name}: {state.last_error}; `pitboard run` will try again later.", args)
    if state.last_error:
        return fail(f"{source.name}: stored {stored} facts, but {state.last_error}", args)
    return emit(args, {"source": source.name, "stored": stored, "items": state.items},
                f"{source.name}: {stored} facts stored.")


def _console(bot: Bot, args: argparse.Namespace) -> int:
    from bot.platforms.console import run_console  # the console is a platform: load it only here
    from bot.runner import ensure_console_channel

    try:
        # The console channel itself exists from the first `pitboard console`: /subscribe and
        # /settings work there on a fresh database, not only after a `pitboard run`.
        console = not getattr(args, "channel", None) or args.channel == "console:console"
        channel = ensure_console_channel(bot) if console else channel_of(bot, args, create=False)
    except UserError as err:
        return fail(err.text, args)
    return run_console(bot.commands, bot.terminal(lang=args.lang, channel=channel), sys.stdin, sys.stdout,
                       as_json=args.json)


def _run_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--log-level", choices=("debug", "info", "warning", "error"),
                     help="what the log shows (default: $PITBOARD_LOG_LEVEL, else info; debug adds the libraries' own)")


def _run(bot: Bot, args: argparse.Namespace) -> int:
    from bot.runner import run_bot

    return run_bot(bot, log_level=args.log_level, as_json=args.json)


def _dispatch(bot: Bot, args: argparse.Namespace) -> int:
    from bot.runner import send_pending

    return send_pending(bot, as_json=args.json)


def _demo_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--step", type=float, default=1.5, metavar="SECONDS",
                     help="seconds between the race's moments on the replay clock (default 1.5)")


def _demo(config, args: argparse.Namespace) -> int:
    from bot.demo import run_demo  # loads the scheduler: only for the commands that run it

    return run_demo(config, step=args.step, as_json=args.json)


def _nothing(sub: argparse.ArgumentParser) -> None:
    """No options of its own."""


# What the bot needs in a Discord channel: see it, post, embed the results, attach a card,
# read the history it edits; publishing its own posts in an announcement channel needs no more.
DISCORD_PERMISSIONS = {"View Channel": 1 << 10, "Send Messages": 1 << 11, "Embed Links": 1 << 14,
                       "Attach Files": 1 << 15, "Read Message History": 1 << 16,
                       # a thread per race weekend (`/settings threads:event`)
                       "Create Public Threads": 1 << 35, "Send Messages in Threads": 1 << 38}
# Only for servers that list sessions as scheduled events (`/settings server_events:on`).
MANAGE_EVENTS = {"Manage Events": 1 << 33}


def _invite_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--application-id", metavar="ID",
                     help="the Discord application's id (default: read from $DISCORD_BOT_TOKEN, which it begins with)")
    sub.add_argument("--events", action="store_true",
                     help="also ask for Manage Events, so the server can list sessions as scheduled events")


def _invite_url(bot: Bot, args: argparse.Namespace) -> int:
    """The link a server admin opens to add the bot, with the permissions it needs."""
    import base64
    import binascii

    app_id = (args.application_id or "").strip()
    if not app_id:
        token = os.environ.get("DISCORD_BOT_TOKEN", "")
        try:  # a bot token's first part is its user id in base64 (the same as the application's)
            head = token.split(".", 1)[0]
            app_id = base64.b64decode(head + "=" * (-len(head) % 4), validate=True).decode("ascii")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            app_id = ""
    if not app_id.isdigit() or not 15 <= len(app_id) <= 21:
        return fail("Give --application-id (the Discord Developer Portal shows it under General Information), "
                    "or set $DISCORD_BOT_TOKEN.", args)
    wanted = {**DISCORD_PERMISSIONS, **(MANAGE_EVENTS if getattr(args, "events", False) else {})}
    permissions = sum(wanted.values())
    url = (f"https://discord.com/oauth2/authorize?client_id={app_id}&scope=bot%20applications.commands"
           f"&permissions={permissions}")
    if not args.json:
        print(f"Permissions: {', '.join(wanted)}. No privileged intent is needed.", file=sys.stderr)
    return emit(args, {"url": url, "application_id": app_id, "permissions": permissions,
                       "permission_names": list(wanted), "privileged_intents": []}, url)


def _backup_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("file", type=Path, help="where to write the copy (a new file, or one to replace)")


def _backup(bot: Bot, args: argparse.Namespace) -> int:
    """A consistent copy of the database, even while the bot runs (SQLite's online backup)."""
    target = args.file
    if not target.parent.is_dir():
        return fail(f"The folder {target.parent} does not exist; create it or give another path.", args)
    if target.resolve() == Path(bot.config.db_path).resolve():
        return fail("The backup must go to another file than the database itself.", args)
    try:
        size = bot.repositories.backup(target)
    except (OSError, sqlite3.Error) as err:
        return fail(f"Could not write {target} ({err}); give a writable path.", args)
    return emit(args, {"database": str(bot.config.db_path), "backup": str(target), "bytes": size},
                f"Backed up {bot.config.db_path} to {target} ({size / 1e6:.1f} MB).")


def _chart_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("words", nargs="+", metavar="EVENT",
                     help="the event (e.g. imola 2025), optionally followed by positions (the default) or gaps")
    sub.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.png", help="where to write the PNG")


def _chart(bot: Bot, args: argparse.Namespace) -> int:
    """Draw an event's race lap by lap into a PNG file."""
    from bot.commands.charts import CHART_KINDS, KIND_ALIASES, chart_png

    words = list(args.words)
    last = KIND_ALIASES.get(words[-1].lower(), words[-1].lower())
    kind = last if len(words) > 1 and last in CHART_KINDS else "positions"
    event = " ".join(words[:-1] if len(words) > 1 and last in CHART_KINDS else words)
    if not args.output.parent.is_dir():
        return fail(f"The folder {args.output.parent} does not exist; create it or give another path.", args)
    try:
        png, alt = chart_png(bot.terminal(lang=args.lang), event, kind)
    except UserError as err:
        return fail(err.text, args)
    if not png:
        return fail(alt, args)
    try:
        args.output.write_bytes(png)
    except OSError as err:
        return fail(f"Could not write {args.output} ({err.strerror or err}); give a writable path.", args)
    return emit(args, {"file": str(args.output), "kind": kind, "bytes": len(png), "alt": alt},
                f"{args.output}: {alt}")


def _card_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("words", nargs="+", metavar="EVENT [SESSION]",
                     help="the event (e.g. lemans), then race (default), qualifying or practice")
    sub.add_argument("--class", dest="car_class", metavar="C", help="draw only this class")
    sub.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.png", help="where to write the PNG")


def _card(bot: Bot, args: argparse.Namespace) -> int:
    """Draw a session's classification as a result card into a PNG file."""
    from bot.commands.cards import card_for  # loads Pillow: only here

    if not args.output.parent.is_dir():
        return fail(f"The folder {args.output.parent} does not exist; create it or give another path.", args)
    try:
        card = card_for(bot.terminal(lang=args.lang), list(args.words), args.car_class)
    except UserError as err:
        return fail(err.text, args)
    files = [args.output] + [args.output.with_name(f"{args.output.stem}-{n}{args.output.suffix}")
                             for n in range(2, len(card.pngs) + 1)]  # a field over 64 cars: more pictures
    try:
        for path, png in zip(files, card.pngs):
            path.write_bytes(png)
    except OSError as err:
        return fail(f"Could not write {args.output} ({err.strerror or err}); give a writable path.", args)
    width, height = card.size
    shown = ", ".join(str(f) for f in files)
    return emit(args, {"files": [str(f) for f in files], "width": width, "height": height,
                       "bytes": [len(p) for p in card.pngs], "event_id": card.event_id, "session": card.session,
                       "status": card.status, "alt": card.alt},
                f"Wrote {shown} ({width}×{height}, {round(len(card.pngs[0]) / 1024)} KB).")


def _replay_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("files", nargs="+", type=Path, metavar="FILE",
                     help="recorded files: OpenF1 race_control (and drivers, session_result) JSON, Al Kamel "
                          "lap analysis and classification CSV")
    sub.add_argument("--event", required=True, help="the event they feed, as `pitboard events` names it")
    sub.add_argument("--session", default="race", choices=("race", "qualifying", "practice"),
                     help="the session they record (default race)")
    sub.add_argument("--speed", type=float, default=60.0, metavar="N",
                     help="how many times faster than the race it plays (default 60: an hour in a minute)")
    sub.add_argument("--poll", type=float, default=1.0, metavar="SECONDS",
                     help="seconds between two polls of the recording (default 1)")


def _replay(bot: Bot, args: argparse.Namespace) -> int:
    """Play the files through the real polling path into a scratch copy of the event."""
    from bot.replay import ReplayError, run_replay  # loads the scheduler and a web server: only here

    if not (0 < args.speed <= 100_000) or not (0.01 <= args.poll <= 60):
        return fail("--speed must be above 0 (at most 100000) and --poll from 0.01 to 60 seconds.", args)
    try:
        return run_replay(bot.config, bot, args.files, args.event, args.session, args.speed, args.poll,
                          channel=getattr(args, "channel", None), env=os.environ, as_json=args.json)
    except ReplayError as err:
        return fail(str(err), args)


TERMINAL = {
    "import": Subcommand("Validate event files and load them in one transaction: all land or none",
                         _import_options, _import),
    "console": Subcommand("Open the console channel: type /results lemans as in a chat", _nothing, _console),
    "run": Subcommand("Run the bot: the scheduler, the dispatcher and every platform whose token is set",
                      _run_options, _run),
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
    "invite-url": Subcommand("Print the link that adds the bot to a Discord server with the permissions it needs",
                             _invite_options, _invite_url),
    "backup": Subcommand("Copy the database to FILE, consistently, even while pitboard run writes to it",
                         _backup_options, _backup),
    "chart": Subcommand("Draw a race lap by lap (positions, or gaps to the leader) into a PNG file, from the laps "
                        "of its Al Kamel lap analysis", _chart_options, _chart),
    "card": Subcommand("Draw a session's classification as a result card (a PNG: positions, crews, class badges, "
                       "gaps, fastest lap) into FILE", _card_options, _card),
    "replay": Subcommand("Play recorded feeds (OpenF1, Al Kamel) through the real polling path, faster than life, "
                         "and show the posts they make (to the console, or --channel); the database is not changed",
                         _replay_options, _replay),
}




STALE_HEARTBEAT = 90.0  # seconds without the bot's note before it is taken for stuck


def _status(bot: Bot, args: argparse.Namespace) -> int:
    """Whether a bot runs on this database and is healthy; exit 1 when it is not (a
    container's health check)."""
    import time

    from bot.store.lease import lease_holder
    from bot.store.platform_state import HEARTBEAT

    now = time.time()
    holder = lease_holder(bot.config.db_path)
    beat = json.loads(bot.repositories.platform_state.get(HEARTBEAT) or "null")
    outbox = bot.repositories.outbox
    sources = [s for s in bot.repositories.source_states.all()]
    problems, notes = [], []
    if not holder:
        problems.append("no bot is running on this database; start it with `pitboard run`")
    elif not beat or beat.get("pid") != holder.get("pid") or now - beat.get("at", 0) > STALE_HEARTBEAT:
        problems.append(f"the bot (pid {holder.get('pid')}) has not said it is alive for over "
                        f"{STALE_HEARTBEAT:g} s; it may be stuck: restart it")
    else:
        problems += [f"{name}: {health}" for name, health in beat["platforms"].items() if health != "connected"]
    counts = outbox.counts()
    waiting = outbox.oldest_due(now)
    if waiting is not None and waiting > 600:
        notes.append(f"the oldest post due has waited {waiting / 60:.0f} minutes")
    for kind in ("failed", "expired"):
        if counts.get(kind):
            notes.append(f"{counts[kind]} deliveries {kind} (see their last_error)")
    notes += [f"source {s.name}: {s.last_error}" for s in sources if s.last_error]
    # A stopped bot's last heartbeat says how its platforms were, not how they are.
    platforms = (beat or {}).get("platforms", {}) if holder else {}
    report = {"healthy": not problems, "bot": holder, "platforms": platforms,
              "heartbeat_age_s": round(now - beat["at"], 1) if beat else None, "last_sent": outbox.last_sent(),
              "outbox": counts, "oldest_due_s": None if waiting is None else round(waiting, 1),
              "sources": [{"name": s.name, "last_poll": s.last_poll, "failures": s.failures, "items": s.items,
                           "last_error": s.last_error} for s in sources],
              "problems": problems, "notes": notes}
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(_status_text(report, bot.config.db_path))
    return EXIT_OK if not problems else EXIT_USER_ERROR


def _status_text(report: dict, db_path) -> str:
    bot = report["bot"]
    lines = [f"Database: {db_path}",
             "Bot: " + (f"{bot.get('command', 'pitboard run')} (pid {bot.get('pid')} on {bot.get('host')}, since "
                        f"{_when(bot.get('started'))})" if bot else "not running")]
    for name, health in report["platforms"].items():
        lines.append(f"  {name}: {health}")
    counts = report["outbox"]
    lines.append("Outbox: " + (", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "empty")
                 + f"; last post sent {_when(report['last_sent'])}")
    for s in report["sources"]:
        lines.append(f"  source {s['name']}: last poll {_when(s['last_poll'])}, "
                     f"last error {s['last_error'] or 'none'}")
    lines += [f"Problem: {p}" for p in report["problems"]] + [f"Note: {n}" for n in report["notes"]]
    lines.append("Healthy." if report["healthy"] else "Not healthy.")
    return "\n".join(lines)


TERMINAL["status"] = Subcommand("Tell whether a bot runs on this database and how it is: platforms, outbox, sources "
                                "(exit 1 when not healthy)", _nothing, _status)
