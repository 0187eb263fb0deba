"""Forgiving event lookup: `lemans`, `Le Mans`, `le-mans 2017` and `24h` all find Le Mans.

Exact aliases first (an indexed query), then fuzzy matching with rapidfuzz over every
alias. A year in the query narrows the candidates; among equals the most recent event
wins, because fans ask about the race that just happened.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import NamedTuple

from rapidfuzz import fuzz, process

# Letters and digits of any script count (鈴鹿, Монца); everything else separates words.
_NON_WORD = re.compile(r"[\W_]+")
_YEAR = re.compile(r"^(19|20)\d\d$")
# Below this a fuzzy match is only a suggestion, never an answer.
ACCEPT_SCORE = 80.0
SUGGEST_SCORE = 55.0


def normalise(text: str) -> str:
    """Fold case, strip accents and punctuation: `Le-Mans ` → `le mans`, `Güven` → `guven`."""
    if text.isascii():  # most names: no accent to strip, and ten times faster to fold
        bare = text.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _NON_WORD.sub(" ", bare).strip()


class AliasRow(NamedTuple):
    """One alias of one event. A named tuple rather than a frozen dataclass: the index
    makes one per alias, 50,000 at 10,000 events, and a dataclass costs five times as much
    to make (100 ms of the event loop's time at each rebuild)."""

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


# Up to this many aliases, every one is scored; past it, two cheap passes pick the
# candidates first (scoring 40,000 aliases with WRatio takes ~60 ms, far too long on the
# event loop): the closest whole aliases, by rapidfuzz's QRatio over all of them in C++
# (~3 ms), for typos; and the aliases holding the query's two rarest letter pairs, for
# the query inside a longer name.
SCAN_ALL = 2000
TYPOS = 200  # closest whole aliases scored in full
TYPO_CUTOFF = 40.0  # below this QRatio, an alias is no typo of the query (WRatio's partial pass aside)
CONTAINING = 400  # aliases holding the query's rarest letter pairs scored in full
LOOK_AT = 3000  # occurrences of the rarest pair looked at, at most (a common pair is little help)


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
        self._aliases = list(self.squashed)
        self._names = list(self.squashed.values())
        # Every squashed alias on a line of one text (a normalised alias holds no newline):
        # finding a letter pair in it is one C-speed scan, with no index to build.
        self._text = "\n".join(self._names)
        self._starts = list(accumulate((len(n) + 1 for n in self._names[:-1]), initial=0))
        self._counts: dict[str, int] = {}

    def rows(self):
        """Every alias row."""
        return (row for group in self.by_alias.values() for row in group)

    def candidates(self, squashed: str) -> dict[str, str]:
        """The aliases worth scoring against a query (all of them in a small store)."""
        if len(self._names) <= SCAN_ALL:
            return self.squashed
        # A cut-off lets rapidfuzz skip aliases whose length alone rules them out.
        picked = dict.fromkeys(i for _, _, i in process.extract(squashed, self._names, scorer=fuzz.QRatio,
                                                                 limit=TYPOS, score_cutoff=TYPO_CUTOFF))
        grams = sorted(_bigrams(squashed), key=self._frequency)
        rarest, *others = grams
        also = others[0] if others else ""
        found, looked, at = 0, 0, self._text.find(rarest)
        while at != -1 and found < CONTAINING and looked < LOOK_AT:
            i = bisect_right(self._starts, at) - 1
            if also in self._names[i] and i not in picked:
                picked[i] = None
                found += 1
            looked += 1
            at = self._text.find(rarest, at + 1)
        return {self._aliases[i]: self._names[i] for i in picked}

    def _frequency(self, gram: str) -> int:
        """How many times a letter pair occurs in all the aliases (counted once, when first asked)."""
        if gram not in self._counts:
            self._counts[gram] = self._text.count(gram)
        return self._counts[gram]


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


class EventWords(NamedTuple):
    """What an event is searched by: its name, venue, series and aliases, as one text."""

    event_id: str
    date: str
    text: str


# A query word of at least this many letters also finds the words it begins (`silv`), and
# of at least TYPO_LETTERS, words one slip away (`silverstne`); shorter ones must be whole
# words, or `le` would find every `leclerc` and `gp` every `gpx`.
PREFIX_LETTERS = 3
TYPO_LETTERS = 5
TYPO_SCORE = 80.0
EXACT, PREFIX, TYPO = 3, 2, 1


class WordIndex:
    """The events each word of their name, venue, series and aliases belongs to: `/events
    silverstone` lists the events held there, and only those (a fuzzy score over whole
    names makes any long name look like any long query)."""

    def __init__(self, rows: list[EventWords]):
        self.events: dict[str, set[str]] = {}
        self.dates: dict[str, str] = {}
        for row in rows:
            self.dates[row.event_id] = row.date
            words = normalise(row.text).split()
            # `lemans` is how fans type `le mans`: each name's words run together count too.
            for word in (*words, "".join(words)):
                self.events.setdefault(word, set()).add(row.event_id)
        self.vocabulary = sorted(self.events)

    def _matches(self, word: str) -> dict[str, int]:
        """The events a query word finds, with how well: whole word, beginning, or a typo."""
        found: dict[str, int] = dict.fromkeys(self.events.get(word, ()), EXACT)
        if len(word) >= PREFIX_LETTERS:
            at = bisect_right(self.vocabulary, word)
            while at < len(self.vocabulary) and self.vocabulary[at].startswith(word):
                for event_id in self.events[self.vocabulary[at]]:
                    found.setdefault(event_id, PREFIX)
                at += 1
        if len(word) >= TYPO_LETTERS:
            for other, _, _ in process.extract(word, self.vocabulary, scorer=fuzz.ratio, limit=None,
                                               score_cutoff=TYPO_SCORE):
                for event_id in self.events[other]:
                    found.setdefault(event_id, TYPO)
        return found

    def search(self, query: str) -> list[str]:
        """Ids of the events every word of `query` finds (a year must match), the best
        matches first, then the most recent."""
        text, year = split_year(query)
        scores: dict[str, int] | None = None
        for word in text.split():
            found = self._matches(word)
            scores = found if scores is None else {e: s + found[e] for e, s in scores.items() if e in found}
        if scores is None:  # only a year
            scores = dict.fromkeys(self.dates, 0)
        kept = [e for e in scores if year is None or self.dates[e].startswith(year)]
        return sorted(kept, key=lambda e: (scores[e], self.dates[e]), reverse=True)
