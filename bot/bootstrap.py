"""The composition root: the one place that builds every part and hands each only what it
uses (a repository, the clock, the registry, the limits). Only the entry points (cli,
runner, demo) import it; tests build parts through it too, passing their doubles in the
same way (a fake clock, a fake fetcher, a platform's limits).
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.announce.announcer import Announcer
from bot.announce.ingest import FactIngest
from bot.commands import build_registry
from bot.commands.registry import Context, Registry
from bot.commands.service import Commands
from bot.config import Config
from bot.domain import EventBundle
from bot.messages import Message
from bot.ports import UNLIMITED, Limits, Platform, Source
from bot.reports.jobs import PRELOAD
from bot.reports.review import ReportDesk
from bot.sources.event_file import bundled_files
from bot.sources.folder import EventFolder, import_event_files
from bot.sources.poller import Poller
from bot.store import Store, open_store
from bot.store.writer import ImportOutcome
from bot.workers import Workers

TOKENS = {"discord": "DISCORD_BOT_TOKEN", "telegram": "TELEGRAM_BOT_TOKEN"}
SECRETS = ("OPENF1_PASSWORD",)  # other secrets from the environment, kept out of the logs too


@dataclass
class Bot:
    """Every part of Pitboard over one database, assembled: what the entry points hold.
    The parts themselves never see it; each was handed what it uses."""

    config: Config
    repositories: Store
    commands: Commands
    announcer: Announcer
    ingest: FactIngest
    poller: Poller
    reports: ReportDesk
    clock: Callable[[], float] = time.time
    seeded: bool = False  # the bundled events were loaded into a new database just now

    # --- what the entry points (and tests) reach for --------------------------------------

    @property
    def db(self):
        """The database (for tests and tools that look inside it)."""
        return self.repositories.db

    @property
    def queries(self):
        """The read side of the store."""
        return self.repositories.queries

    @property
    def channels(self):
        """The channels repository."""
        return self.repositories.channels

    @property
    def registry(self) -> Registry:
        """The command registry."""
        return self.commands.registry

    def context(self, **who) -> Context:
        """A command context (see Commands.context)."""
        return self.commands.context(**who)

    def terminal(self, **where) -> Context:
        """The context of the person at the terminal, an operator."""
        return self.commands.terminal(**where)

    def ask(self, line: str, ctx: Context) -> Message:
        """Answer a command line (no event loop running)."""
        return self.commands.ask(line, ctx)

    async def ask_async(self, line: str, ctx: Context) -> Message:
        """Answer a command line on the event loop."""
        return await self.commands.ask_async(line, ctx)

    def import_files(self, paths) -> list[ImportOutcome]:
        """Validate event files and store them in one transaction, with what they announce."""
        return import_event_files(self.ingest, paths)

    def store(self, bundles: list[EventBundle], what: str) -> list[ImportOutcome]:
        """Store whole events (as event files do), all or nothing, and wake the dispatcher."""
        return self.ingest.replace_events(bundles, what)

    def add_source_facts(self, bundle: EventBundle) -> ImportOutcome:
        """Store what one more source says, beside what other sources said."""
        return self.ingest.add([bundle])[0]

    async def poll(self, source: Source, force: bool = False) -> int:
        """Poll one source now (unless it is backing off, or `force`); facts stored."""
        return await self.poller.poll(source, force=force)

    # --- parts built on demand -------------------------------------------------------------

    def dispatcher(self, platforms: dict[str, Platform], **options):
        """A dispatcher sending the outbox through these platforms (`clock` and `pace`
        may be given, as tests do)."""
        from bot.announce.dispatcher import Dispatcher  # loaded only by what sends

        from bot.announce.summary import heading

        options.setdefault("clock", self.clock)
        options.setdefault("places", self.repositories.places)
        options.setdefault("headings", lambda scope, lang, spoiler=False, posts=(): heading(self.queries, scope, lang,
                                                                                            spoiler, posts))
        return Dispatcher(self.repositories.outbox, self.repositories.channels, platforms, **options)

    def engine(self, platforms: dict[str, Platform], polls: list | None = None, **options):
        """The scheduler and dispatcher for a running bot, polling `polls` on their intervals."""
        from bot.announce.calendar import Calendars
        from bot.announce.engine import Engine  # the scheduler loads only for a running bot

        calendars = Calendars(self.queries, self.channels, self.repositories.server_events)
        return Engine(self.dispatcher(platforms, **options), self.announcer, self.queries, polls,
                      self.config.digest_hour, self.repositories.platform_state, calendars=calendars)

    def event_folder(self) -> EventFolder:
        """The watched folder of event files."""
        return EventFolder(self.config.events_dir, self.ingest, skip_present=not self.config.seed_events)

    def sources(self, env: Mapping[str, str] | None = None) -> list[Source]:
        """The polled sources the config file declares, one per [[sources]] table. Accounts
        (OpenF1's username and password) come from `env`, the process's environment unless
        given."""
        from bot.sources.alkamel_feed import AlKamelSource
        from bot.sources.jolpica_feed import JolpicaSource
        from bot.sources.openf1_feed import OpenF1Source, openf1_feed
        from bot.sources.polling import HttpFeed
        from bot.sources.rss_feed import RssSource

        def build(s):
            """The source for one [[sources]] table."""
            options = {"interval": s.interval, "live_interval": s.live_interval}
            if s.kind == "openf1":
                options["feed"] = openf1_feed(s.url, os.environ if env is None else env)
            if not s.request_limits:  # a test's server: no request limits to keep
                options["feed"] = HttpFeed(auth=getattr(options.get("feed"), "auth", None))
            if s.kind == "openf1":
                return OpenF1Source(s.name, s.url, s.session_key, s.event, s.session, **options)
            if s.kind == "jolpica":
                return JolpicaSource(s.name, s.url, s.season, s.round, s.event, s.session, **options)
            if s.kind == "alkamel":
                return AlKamelSource(s.name, s.event, s.session, path=s.path, url=s.url, **options)
            return RssSource(s.name, s.url, workers=self.reports.workers, **options)

        return [build(s) for s in self.config.sources]

    def platform(self, name: str, token: str, limits: Limits | None = None, **options) -> Platform:
        """The Telegram or Discord platform with this token (its SDK imported only now).
        `limits` replaces the platform's own send limits (a test's fake keeps none)."""
        if limits is None and not getattr(self.config, f"{name}_send_limits"):
            limits = UNLIMITED
        extra = {"limits": limits} if limits is not None else {}
        if name == "telegram":
            from bot.platforms.telegram_bot import TelegramPlatform

            options.setdefault("base_url", self.config.telegram_api_base_url)
            return TelegramPlatform(self.commands, token, **options, **extra)
        from bot.platforms.discord_bot import DiscordPlatform

        options.setdefault("api_base_url", self.config.discord_api_base_url)
        options.setdefault("gateway_url", self.config.discord_gateway_url)
        options.setdefault("shards", self.config.discord_shards)
        options.setdefault("guild_ready_timeout", self.config.discord_guild_ready_timeout)
        options.setdefault("server_events", self.repositories.server_events)
        return DiscordPlatform(self.commands, self.repositories.platform_state, token, **options, **extra)

    def platforms_for(self, env: dict, as_json: bool = False) -> dict[str, Platform]:
        """The platforms whose token is set in `env`, else the console channel (printing
        each post as a line of JSON with `as_json`). The token goes to the platform and
        nowhere else: never printed, never logged."""
        platforms = {name: self.platform(name, env[var]) for name, var in TOKENS.items() if env.get(var)}
        if platforms:
            return platforms
        from bot.platforms.console import ConsolePlatform

        return {"console": ConsolePlatform(as_json=as_json)}

    def close(self) -> None:
        """Release the database and the report workers."""
        self.reports.close()
        self.repositories.close()


def bootstrap(config: Config, *, clock: Callable[[], float] = time.time, workers: Workers | None = None,
              fetch=None, chat_allow=None, registry: Registry | None = None) -> Bot:
    """Open the store (seeding a brand-new one with the bundled events) and build every part
    over it. Tests pass their doubles: a clock, the workers (a short deadline), a fetcher,
    which addresses chat links may reach."""
    store, created = open_store(config.db_path)
    announcer = Announcer(store.queries, store.outbox, clock, store.schedule)
    ingest = FactIngest(store.facts, announcer)
    workers = workers or Workers(preload=PRELOAD)  # worker processes start only when a report comes
    reports = ReportDesk(store.queries, store.pending_reports, ingest, workers, config.report_auto_confidence,
                         fetch=fetch, chat_allow=chat_allow)
    commands = Commands(registry or build_registry(), store.queries, store.channels, reports, config.lang,
                        config.timezone, config.operators, store.outbox)
    bot = Bot(config, store, commands, announcer, ingest, Poller(store.source_states, store.queries, ingest, clock),
              reports, clock)
    if created and config.seed_events:
        files = bundled_files(config.events_dir)
        if files:
            bot.import_files(files)
            bot.seeded = True
    return bot
