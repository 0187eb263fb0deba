"""Imported once by the report workers' server, before any job: compiles the extractor's
patterns and the quote finder's, so no job (and its deadline) pays for them. Nothing else
imports it: `pitboard` commands that never read a report never compile them."""
from bot.reports import patterns  # noqa: F401 - compiled on import
from bot.reports.quotes import warm_up

warm_up()
