"""Pitboard: motorsport results in one SQLite store, posted to fan channels."""
