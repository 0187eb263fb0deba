"""The store: the only place facts live (schema, writes, queries)."""
from bot.store.database import open_database

__all__ = ["open_database"]
