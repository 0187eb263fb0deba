"""Forgiving event lookup: `lemans`, `Le Mans`, `le-mans 2017` and `24h` all find Le Mans.

Exact aliases first (an indexed query), then fuzzy matching with rapidfuzz over every
alias. A year in the query narrows the candidates; among equals the most recent event
wins, because fans ask about the race that just happened.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

# Letters and digits of any script count (鈴鹿, Монца); everything else separates words.
_NON_WORD = re.compile(r"[\W_]+")
_YEAR = re.compile(r"^(19|20)\d\d$")
# Below this a fuzzy match is only a suggestion, never an answer.
ACCEPT_SCORE = 80.0
SUGGEST_SCORE = 55.0


def normalise(text: str) -> str:
    """Fold case, strip accents and punctuation: `Le-Mans ` → `le mans`, `Güven` → `guven`."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _NON_WORD.sub(" ", bare).strip()


@dataclass(frozen=True)
class AliasRow:
    alias: str
    event_id: str
    name: str
    date: str  # ISO date, so string order is time order


@dataclass(frozen=True)
class Resolution:
    event_id: str | None
    suggestions: tuple[str, ...] = ()  # event names, best first


def split_year(query: str) -> tuple[str, str | None]:
    """Separate a four-digit year from the rest of a normalised query."""
    words = normalise(query).split()
    years = [w for w in words if _YEAR.match(w)]
    rest = " ".join(w for w in words if not _YEAR.match(w))
    return rest, (years[-1] if years else None)


class AliasIndex:
    """Every alias grouped for fuzzy matching, built once and reused until the store changes."""

    def __init__(self, rows: list[AliasRow]):
        self.by_alias: dict[str, list[AliasRow]] = {}
        for row in rows:
            self.by_alias.setdefault(row.alias, []).append(row)
        # Compare with spaces squeezed out too, so `lemans` meets `le mans`.
        self.squashed = {alias: alias.replace(" ", "") for alias in self.by_alias}

    def rows(self):
        """Every alias row."""
        return (row for group in self.by_alias.values() for row in group)


def rank(query: str, index: AliasIndex) -> list[tuple[str, float, str, str]]:
    """Events whose aliases resemble `query`, as (event id, score, date, name), best first;
    equal scores put the most recent event first. A year in the query must match."""
    text, year = split_year(query)
    best: dict[str, tuple[str, float, str, str]] = {}
    if not text:
        for r in index.rows():
            if year is None or r.date.startswith(year):
                best[r.event_id] = (r.event_id, 100.0, r.date, r.name)
        return sorted(best.values(), key=lambda t: t[2], reverse=True)
    squashed = text.replace(" ", "")
    # WRatio credits partial matches, which makes any two letters "match" a long name;
    # very short queries must match a whole alias instead.
    scorer = fuzz.ratio if len(squashed) <= 3 else fuzz.WRatio
    scored = process.extract(squashed, index.squashed, scorer=scorer, limit=None, score_cutoff=SUGGEST_SCORE)
    for _, score, alias in scored:
        for row in index.by_alias[alias]:
            if year is not None and not row.date.startswith(year):
                continue
            if row.event_id not in best or score > best[row.event_id][1]:
                best[row.event_id] = (row.event_id, score, row.date, row.name)
    return sorted(best.values(), key=lambda t: (t[1], t[2]), reverse=True)


def resolve(query: str, exact: list[AliasRow], load_index) -> Resolution:
    """Pick the event `query` means.

    `exact` holds the rows whose alias equals the normalised query (with and without its
    year); `load_index` is called only when no exact alias fits and returns the AliasIndex.
    """
    text, year = split_year(query)
    full = normalise(query)
    if not full:
        return Resolution(None)  # "???" names nothing, and must not match everything
    hits = [r for r in exact if r.alias in (full, text) and (year is None or r.date.startswith(year))]
    if hits:
        return Resolution(max(hits, key=lambda r: r.date).event_id)
    ranked = rank(query, load_index())
    if ranked and ranked[0][1] >= ACCEPT_SCORE:
        return Resolution(ranked[0][0])
    names: list[str] = []
    for _, _, day, name in ranked:
        label = f"{name} {day[:4]}"
        if label not in names:
            names.append(label)
    return Resolution(None, tuple(names[:3]))
