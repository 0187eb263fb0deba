"""The report jobs that run in worker processes (bot.workers): reading a file's bytes into a
report, and extracting a report's facts. Plain functions, so a worker can be handed them."""
from __future__ import annotations

from bot.reports.extract import Extraction, extract
from bot.reports.ingest import Report, report_from_bytes

# What the worker processes import once, up front (the patterns too: the extractor imports
# them only when it first reads a report, and each job would compile them again).
PRELOAD = ("bot.reports.jobs", "bot.reports.warm")


def read_report_bytes(raw: bytes, where: str, url: str | None) -> Report:
    """A report from the bytes a user sent (HTML or text)."""
    return report_from_bytes(raw, where, url)


def extract_facts(text: str, known: list[str] | None) -> Extraction:
    """The facts of a report's text."""
    return extract(text, known)
