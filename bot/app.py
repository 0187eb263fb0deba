"""The composition root: the one place that wires concrete parts together."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlite_utils import Database

from bot.announce.announcer import Announcer
from bot.announce.channels import Channel, Channels
from bot.commands import Context, Registry, build_registry, parse_line
from bot.commands.registry import UserError
from bot.config import Config
from bot.i18n import Lang
from bot.domain import EventBundle
from bot.importer import bundled_files, load_event_files, store_bundles
from bot.reports.review import ReportDesk
from bot.store.writer import ImportOutcome
from bot.messages import Message, error_message
from bot.store import open_database
from bot.store.queries import Queries


@dataclass
class App:
    config: Config
    db: Database
    queries: Queries
    registry: Registry
    announcer: Announcer
    channels: Channels
    reports: ReportDesk | None = None
    seeded: bool = False  # the bundled events were loaded into a new database just now

    def context(self, lang: str | None = None, tz: str | None = None, is_admin: bool = False,
                now: datetime | None = None, channel: Channel | None = None, is_operator: bool = False,
                user: str | None = None) -> Context:
        """A command context for one reader; in a channel, its language and zone apply
        unless the reader asks for others. `user` is "platform:id" in a chat (None at the
        terminal, which is an operator)."""
        lang = lang or (channel.lang if channel else None) or self.config.lang
        tz = tz or (channel.timezone if channel else None) or self.config.timezone
        return Context(
            queries=self.queries,
            lang=Lang(lang, tz),
            now=now or datetime.now(timezone.utc),
            is_admin=is_admin,
            is_operator=is_operator,
            user=user,
            channel=channel,
            channels=self.channels,
            reports=self.reports,
        )

    def terminal(self, lang: str | None = None, tz: str | None = None, channel: Channel | None = None) -> Context:
        """The context of the person at the terminal: they run the bot, so they are an
        operator and the admin of the console channel."""
        return self.context(lang=lang, tz=tz, is_admin=True, channel=channel, is_operator=True)

    def is_operator(self, platform: str, user_id: object, default: frozenset[str] = frozenset()) -> bool:
        """Whether this platform user may publish facts: named in the config, else in the
        platform's `default` (Discord: the application's owner or team)."""
        named = self.config.operators_of(platform)
        return str(user_id) in (default if named is None else named)

    def ask(self, line: str, ctx: Context) -> Message:
        """Answer a typed command line such as `/results lemans`."""
        try:
            call = parse_line(line, self.registry, ctx.lang)
        except UserError as err:
            return error_message(err.text, ctx.lang.code)
        return self.registry.run(ctx, call.name, call.args)

    async def ask_async(self, line: str, ctx: Context) -> Message:
        """`ask` on the event loop (the platforms): waits without blocking other chats."""
        try:
            call = parse_line(line, self.registry, ctx.lang)
        except UserError as err:
            return error_message(err.text, ctx.lang.code)
        return await self.registry.run_async(ctx, call.name, call.args)

    def import_files(self, paths) -> list[ImportOutcome]:
        """Validate and store event files, with what they announce, in one transaction."""
        paths = list(paths)
        return self.store(load_event_files(paths), ", ".join(str(p) for p in paths))

    def store(self, bundles: list[EventBundle], what: str) -> list[ImportOutcome]:
        """Store facts and the updates and deliveries they make, all or nothing; then wake
        the dispatcher."""
        with self.db.atomic():
            outcomes = store_bundles(self.db, bundles, what)
            recorded = self.announcer.facts_changed(o.event_id for o in outcomes if o.changed)
        self.announcer.notify(recorded)
        return outcomes

    def add_source_facts(self, bundle: EventBundle) -> ImportOutcome:
        """Store what one more source (a report) says, beside what other sources said, with
        the updates it makes (quotes become quote posts), all or nothing."""
        from bot.store.writer import save_source_facts

        with self.db.atomic():
            outcome = save_source_facts(self.db, bundle)
            recorded = self.announcer.facts_changed([outcome.event_id])
        self.announcer.notify(recorded)
        return outcome

    def close(self) -> None:
        """Release the database and the report workers."""
        if self.reports is not None:
            self.reports.close()
        self.db.close()


def build_app(config: Config) -> App:
    """Open the store (seeding a brand-new one with the bundled events) and the registry."""
    db, created = open_database(config.db_path)
    queries = Queries(db)
    app = App(config=config, db=db, queries=queries, registry=build_registry(),
              announcer=Announcer(db, queries), channels=Channels(db))
    app.reports = ReportDesk(app)
    if created and config.seed_events:
        files = bundled_files(config.events_dir)
        if files:
            app.import_files(files)
            app.seeded = True
    return app
