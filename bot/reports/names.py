"""Driver names as reports write them: accents, particles, surnames in capitals, lists.

"Simon DOLAN" becomes "Simon Dolan"; "Joffrey de Narda" keeps its particle; a surname
alone is matched to a driver the report or the event names in full.
"""
from __future__ import annotations

import re

from rapidfuzz import fuzz

from bot.lookup import normalise

PARTICLES = ("de", "du", "des", "van", "von", "der", "den", "ten", "ter", "da", "di", "del", "della", "le", "la", "dos")
_UPPER = "A-ZÀ-ÖØ-ÞŒŠŽ"
_LOWER = "a-zß-öø-ÿœšž"
_WORD = rf"[{_UPPER}][{_UPPER}{_LOWER}'’]*(?:-[{_UPPER}][{_UPPER}{_LOWER}'’]*)*"
_PARTICLE = r"(?:" + "|".join(PARTICLES) + r")"
# Two or more capitalised words, with particles between them: "Joffrey de Narda".
# Case-sensitive even inside patterns that ignore case ("en devançant" vs "En").
# At most five words, and only from the start of a word: a name never backtracks far, so
# every pattern built on it stays linear in the length of the report.
NAME = rf"(?-i:(?<![\w-]){_WORD}(?:[ \t\u00a0]+(?:{_PARTICLE}[ \t\u00a0]+){{0,2}}{_WORD}){{1,4}})"
# A name list: "A, B, C et D" / "A, B and C" / "A et B".
NAME_LIST = rf"{NAME}(?:\s*,\s*{NAME})*(?:\s*,?\s+(?:et|and)\s+{NAME})?"
NAME_RE = re.compile(NAME)


# Capitalised words that start a sentence before a name: "Rookie Ethan Clarke".
LEADING = {"rookie", "le", "la", "les", "l", "the", "champion", "leader", "vainqueur", "winner", "pilote", "driver",
           "après", "after", "mais", "but", "quand", "when", "et", "and", "alors", "then", "polesitter", "poleman",
           "veteran", "teammate", "team-mate", "coéquipier", "leader"}


def tidy(name: str) -> str:
    """A name written the usual way: capitals only where they belong, without a title
    word that happens to start the sentence."""
    parts = name.split()
    while len(parts) > 2 and parts[0].lower().strip("'’") in LEADING:
        parts = parts[1:]
    words = []
    for word in parts:
        if word.lower() in PARTICLES and words:
            words.append(word.lower())
        elif word.isupper() and len(word) > 1:
            words.append("-".join(part.capitalize() for part in word.split("-")))
        else:
            words.append(word)
    return " ".join(words)


def split_list(text: str) -> list[str]:
    """The names of a list, in order."""
    return [tidy(m.group(0)) for m in NAME_RE.finditer(text)]


class Roster:
    """The drivers known so far (from the event and the report), to resolve a surname or
    a spelling to one of them."""

    def __init__(self, known: list[str] | None = None):
        self.names: list[str] = []
        for name in known or ():
            self.add(name)

    def add(self, name: str) -> str:
        """Remember a full name; returns the spelling to use (a known one if it matches)."""
        found = self.resolve(name)
        if found:
            return found
        self.names.append(name)
        return name

    def resolve(self, name: str) -> str | None:
        """The known driver `name` means, if exactly one matches well."""
        key = normalise(name)
        for known in self.names:
            if normalise(known) == key:
                return known
        words = key.split()
        if len(words) == 1:  # a surname alone
            matches = [k for k in self.names if normalise(k).split()[-1] == key]
            return matches[0] if len(matches) == 1 else None
        scored = [(fuzz.ratio(key, normalise(k)), k) for k in self.names]
        best = max(scored, default=(0, None))
        return best[1] if best[0] >= 90 else None


# Words that make a capitalised run of words a team, series or place, not a driver.
NOT_DRIVER_WORDS = {"racing", "motorsport", "motorsports", "team", "competition", "engineering", "sport",
                    "autosport", "gp", "performance", "grand", "prix", "lab", "project", "rennsport", "cup", "coupe",
                    "series", "trophy", "trophée", "championship", "championnat", "circuit", "heures", "hours",
                    "porsche", "ferrari", "bmw", "audi", "mercedes", "lamborghini", "mclaren", "aston", "gte", "gt3"}


def is_team(name: str) -> bool:
    """A team, series or place named like a person ("Sébastien Loeb Racing",
    "Porsche Carrera Cup"), not a driver; and runs of more than four words."""
    words = name.split()
    return len(words) > 4 or any(word.lower() in NOT_DRIVER_WORDS for word in words)
