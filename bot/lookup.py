"""Forgiving event lookup: `lemans`, `Le Mans`, `le-mans 2017` and `24h` all find Le Mans.

Exact aliases first (an indexed query), then fuzzy matching with rapidfuzz over every
alias. A year in the query narrows the candidates; among equals the most recent event
wins, because fans ask about the race that just happened.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from itertools import chain

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


# Up to this many aliases, every one is scored; past it, a bigram index picks the candidates
# first (scoring 40,000 aliases with WRatio takes ~100 ms, far too long on the event loop).
SCAN_ALL = 2000
CANDIDATES = 400  # aliases sharing the most letter pairs with the query, scored in full


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


class AliasIndex:
    """Every alias grouped for fuzzy matching, built once and reused until the aliases change."""

    def __init__(self, rows: list[AliasRow]):
        self.by_alias: dict[str, list[AliasRow]] = {}
        for row in rows:
            self.by_alias.setdefault(row.alias, []).append(row)
        # Compare with spaces squeezed out too, so `lemans` meets `le mans`.
        self.squashed = {alias: alias.replace(" ", "") for alias in self.by_alias}
        self._names = list(self.squashed)
        self._by_length: dict[int, list[int]] = {}
        self._by_bigram: dict[str, list[int]] = {}
        if len(self._names) > SCAN_ALL:
            for i, alias in enumerate(self._names):
                squashed = self.squashed[alias]
                self._by_length.setdefault(len(squashed), []).append(i)
                for gram in _bigrams(squashed):
                    self._by_bigram.setdefault(gram, []).append(i)

    def rows(self):
        """Every alias row."""
        return (row for group in self.by_alias.values() for row in group)

    def candidates(self, squashed: str) -> dict[str, str]:
        """The aliases worth scoring against a query (all of them in a small store): those
        of about its length (a typo) and those sharing the most letter pairs with it (the
        query inside a longer name)."""
        if len(self._names) <= SCAN_ALL:
            return self.squashed
        near = [i for size in range(max(1, len(squashed) - 2), len(squashed) + 4) for i in self._by_length.get(size, ())]
        shared = Counter(chain.from_iterable(self._by_bigram.get(g, ()) for g in _bigrams(squashed)))
        picked = dict.fromkeys(near)
        picked.update(dict.fromkeys(i for i, _ in shared.most_common(CANDIDATES)))
        return {self._names[i]: self.squashed[self._names[i]] for i in picked}


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
    scored = process.extract(squashed, index.candidates(squashed), scorer=scorer, limit=None,
                             score_cutoff=SUGGEST_SCORE)
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
