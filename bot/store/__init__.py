"""The store: the only place facts live, and the only code that writes SQL (schema,
migrations, repositories, queries)."""
from bot.store.database import Store, open_database, open_store

__all__ = ["Store", "open_database", "open_store"]
