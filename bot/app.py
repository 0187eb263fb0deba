"""The composition root: the one place that wires concrete parts together."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlite_utils import Database

from bot.commands import Context, Registry, build_registry, parse_line
from bot.commands.registry import UserError
from bot.config import Config
from bot.i18n import Lang
from bot.importer import bundled_files, import_event_files
from bot.messages import Message, error_message
from bot.store import open_database
from bot.store.queries import Queries


@dataclass
class App:
    config: Config
    db: Database
    queries: Queries
    registry: Registry
    seeded: bool = False  # the bundled events were loaded into a new database just now

    def context(self, lang: str | None = None, tz: str | None = None, is_admin: bool = False,
                now: datetime | None = None) -> Context:
        """A command context for one reader."""
        return Context(
            queries=self.queries,
            lang=Lang(lang or self.config.lang, tz or self.config.timezone),
            now=now or datetime.now(timezone.utc),
            is_admin=is_admin,
        )

    def ask(self, line: str, ctx: Context) -> Message:
        """Answer a typed command line such as `/results lemans`."""
        try:
            call = parse_line(line, self.registry, ctx.lang)
        except UserError as err:
            return error_message(err.text, ctx.lang.code)
        return self.registry.run(ctx, call.name, call.args)

    def import_files(self, paths):
        """Validate and store event files in one transaction (see importer)."""
        return import_event_files(self.db, paths)

    def close(self) -> None:
        """Release the database."""
        self.db.close()


def build_app(config: Config) -> App:
    """Open the store (seeding a brand-new one with the bundled events) and the registry."""
    db, created = open_database(config.db_path)
    seeded = False
    if created and config.seed_events:
        files = bundled_files(config.events_dir)
        if files:
            import_event_files(db, files)
            seeded = True
    return App(config=config, db=db, queries=Queries(db), registry=build_registry(), seeded=seeded)
