"""Quotes in a race report and who said each: the attribution after the quote ("…,"
commentait Dan Cammish), before it (with a colon), a surname alone matched to a driver the
report names in full, and a quote carried on after its attribution or into the next
paragraph.

`find_quotes` is what the extractor calls; the patterns it uses are in
bot.reports.patterns (QUOTES, SAID_*, SAME_SPEAKER), imported when a report is first read.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from bot.reports.names import NAME_RE, Roster


def find_quotes(text: str, roster: Roster, name: Callable[[str], str | None]) -> Iterator[tuple[str, str, float, tuple[int, int]]]:
    """(speaker, words, confidence, span) of each quote whose speaker can be told; `name`
    turns a written name into a driver (None for a team), `roster` resolves surnames."""
    from bot.reports import patterns as P  # compiled when a report is first read (see extract.P)

    last_speaker, last_end = None, -1
    for m in P.QUOTES.finditer(text):
        words = next(g for g in m.groups() if g is not None).strip()
        if len(words.split()) < 4:
            continue  # a word in quotes ("spéciale") is emphasis, not a quote
        speaker, confidence = _speaker(text, roster, name, m, last_speaker, last_end)
        if speaker is None:
            continue
        yield speaker, words, confidence, m.span()
        last_speaker, last_end = speaker, m.end()


def _speaker(text: str, roster: Roster, name: Callable[[str], str | None], m: re.Match, last: str | None,
             last_end: int) -> tuple[str | None, float]:
    """Who said the quote `m`, and how sure that is."""
    from bot.reports import patterns as P

    after = text[m.end(): m.end() + 120]
    for pattern in (P.SAID_AFTER, P.NAME_SAID_AFTER):
        said = pattern.match(after)
        if said and (found := name(said.group("name"))):
            return found, 0.9
    for pattern in (P.SURNAME_SAID_AFTER, P.SURNAME_BEFORE_SAID):
        surname = pattern.match(after)
        if surname and (found := roster.resolve(surname.group("name"))):
            return found, 0.8  # "…," added Costa: the Maria Costa named earlier
    line_start = max(text.rfind("\n", 0, m.start()) + 1, m.start() - 300)
    before = text[line_start:m.start()]
    sentence = re.split(r"(?<=[.!?])\s", before)[-1]
    if P.SAME_SPEAKER.search(sentence) and last:
        return last, 0.8
    if P.SAID_BEFORE.search(sentence):
        names = [n for n in (name(x.group(0)) for x in NAME_RE.finditer(sentence)) if n]
        if names:
            return names[-1], 0.85
    between = text[last_end:m.start()] if last_end >= 0 else ""
    if P.SAID_NEAR.match(after.split("\n", 1)[0]):
        return None, 0.0  # someone is named as saying it, but not a driver we can tell
    if last and not sentence.strip() and len(between) < 400 and "\n" not in between:
        # "…", said X. "…": the attribution sits between two parts of one quote.
        said = P.SAID_AFTER.match(between) or P.NAME_SAID_AFTER.match(between)
        if said and name(said.group("name")) == last and not NAME_RE.search(between, said.end()):
            return last, 0.85
    if last and not sentence.strip() and not NAME_RE.search(between) and len(between) < 400:
        return last, 0.6  # the same speaker, carrying on in the next paragraph
    return None, 0.0
