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
NAME = rf"(?-i:(?<![\w-]){_WORD}(?:[ \t\u00a0]+(?:{_PARTICLE}[ \t\u00a0]+){{0,2}}(?:d['’])?{_WORD}){{1,4}})"
# A name list: "A, B, C et D" / "A, B and C" / "A et B".
NAME_LIST = rf"{NAME}(?:\s*,\s*{NAME})*(?:\s*,?\s+(?:et|and)\s+{NAME})?"
NAME_RE = re.compile(NAME)


# Capitalised words that start a sentence before a name: "Rookie Ethan Clarke".
LEADING = {"rookie", "le", "la", "les", "l", "the", "champion", "leader", "vainqueur", "winner", "pilote", "driver",
           "après", "after", "mais", "but", "quand", "when", "et", "and", "alors", "then", "polesitter", "poleman",
           "veteran", "teammate", "team-mate", "coéquipier", "leader"}
# Title and nationality words before a name: "le Néerlandais Larry ten Voorde", "Brazilian Augusto Farfus".
TITLE_WORDS = {"porsche", "junior", "talent", "member",
           "débutant", "pole", "poleman", "polesitter", "rookies", "premier", "première", "suivent", "ensuite", "puis",
           "finally", "finalement", "meanwhile", "elsewhere", "while", "tandis", "with", "avec", "as", "comme",
           "championship", "defending", "reigning", "sprint", "race", "course", "winner", "driver", "rider",
           # nationalities used as titles: "le Néerlandais Larry ten Voorde", "Brazilian Augusto Farfus"
           "français", "française", "britannique", "néerlandais", "hollandais", "batave", "allemand", "allemande",
           "italien", "italienne", "espagnol", "espagnole", "belge", "suisse", "danois", "danoise", "brésilien",
           "australien", "américain", "japonais", "turc", "portugais", "hongrois", "finlandais", "suédois",
           "norvégien", "autrichien", "canadien", "mexicain", "argentin", "polonais", "russe", "chinois",
           "sud-africain", "néo-zélandais", "monégasque", "luxembourgeois", "tricolore", "british", "dutch", "german",
           "italian", "spanish", "french", "belgian", "swiss", "danish", "brazilian", "australian", "american",
           "japanese", "turkish", "portuguese", "finnish", "swedish", "norwegian", "austrian", "canadian", "mexican",
           "argentinian", "polish", "russian", "chinese", "brit", "dutchman", "frenchman", "spaniard", "kiwi",
           "américano-japonais", "anglo-canadien", "limbourgeois", "alpine", "prema", "rodin", "campos", "hitech"}
# Capitalised words that are never a surname on their own ("Third was …", "Then …").
NOT_SURNAME = {w.capitalize() for w in LEADING | TITLE_WORDS} | {
    "The", "He", "She", "They", "It", "His", "Her", "Il", "Elle", "Ils", "Les", "Le", "La", "Un", "Une", "Des", "Au",
    "Aux", "En", "Dans", "Sur", "Pour", "Par", "De", "Du", "Lap", "Tour", "Race", "Course", "Safety", "Car", "Red",
    "Flag", "Pro", "Am", "Team", "Racing", "Motorsport", "Audi", "Ferrari", "Porsche", "Mercedes", "BMW", "Toyota",
    "Ford", "Honda", "Yamaha", "Ducati", "Aprilia", "Suzuki", "Kawasaki", "Lamborghini", "McLaren", "Alpine",
    "Williams", "Haas", "Peugeot", "Cadillac", "Acura", "Oreca", "Ligier", "Norma", "Chevrolet", "Citroën",
    "Hyundai", "Nissan", "Mazda", "Lexus", "Aston", "Martin", "Bentley", "Duqueine", "Sunday", "Saturday",
    "Friday", "Dimanche", "Samedi", "Vendredi", "Then", "After", "Before", "When", "While", "But", "And", "Et",
    "Mais", "Puis", "Ensuite", "Also", "Both", "All", "This", "That", "These", "Those", "Cet", "Cette", "Ce",
    "Qualifying", "Results", "Podium", "Top", "Second", "Third", "First", "Deuxième", "Troisième", "Premier",
    "Première", "Victoire", "Victory", "Win", "Winner", "Vainqueur", "Grand", "Prix", "GP", "Rookie", "Rookies",
    "Silver", "Gold", "Bronze", "Hypercar", "Class", "Classe", "Championship", "Champion", "Series", "Cup", "Coupe",
    "Opening", "Final", "Finally", "Finalement", "Overall", "Meanwhile", "Elsewhere", "Sprint", "Feature", "One",
    "Two", "Three", "Monaco", "Qatar", "Le", "Mans", "Spa", "Monza", "Silverstone", "Daytona", "Most", "Misano",
    "Red", "Bull", "Mercedes-AMG", "Toro", "Rosso", "Safety-Car", "VSC", "FIA", "Fia", "WRT", "Team", "Equipe",
    "Équipe", "Oreca", "Dallara", "Hitech", "Prema", "Campos", "Trident", "Carlin", "Dams", "ART", "Virtuosi",
    # words that start a sentence before a name
    "Although", "However", "Though", "Despite", "Initially", "Once", "Just", "Even", "Having", "Being", "Behind",
    "Ahead", "Thanks", "Since", "Until", "Where", "Whereas", "With", "Without", "Like", "Unlike", "Only", "Now",
    "Malgré", "Grâce", "Quant", "Pendant", "Lors", "Depuis", "Alors", "Cependant", "Pourtant", "Toutefois",
    "Après", "Avant", "Derrière", "Devant", "Chez", "Selon", "Si", "Quand", "Lorsque", "Comme", "Sans", "Avec",
    "Dès", "Enfin", "Ainsi", "Auteur", "Parti", "Partie", "Troisième", "Quatrième", "Cinquième", "Sixième",
    "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth", "Finishing", "Rounding", "Starting"}


def tidy(name: str) -> str:
    """A name written the usual way: capitals only where they belong, without a title
    word that happens to start the sentence."""
    parts = name.split()
    while len(parts) > 2 and (parts[0].lower().strip("'’") in LEADING or
                              parts[0].lower().split("'")[-1].split("’")[-1] in LEADING | TITLE_WORDS or
                              parts[0].lower().split("'")[-1].split("’")[-1].rstrip("s") in TITLE_WORDS):
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
                    "porsche", "ferrari", "bmw", "audi", "mercedes", "lamborghini", "mclaren", "aston", "gte", "gt3",
                    "safety", "car", "fia", "racelab", "formula", "formule", "e-prix", "eprix", "international",
                    "speedway", "oreca", "ligier", "toyota", "hybrid", "cadillac", "acura", "peugeot", "gibson",
                    "award", "world", "red", "bull", "mercedes-amg", "motorrad", "yamaha", "ducati", "honda", "kawasaki",
                    "suzuki", "ktm", "aprilia", "citroën", "hyundai", "nissan", "chevrolet", "prototype", "hypercar",
                    "lmp2", "lmp3", "gt4", "flag", "drapeau", "virage", "turn", "corner", "chicane", "hairpin", "bend",
                    "qualifying", "results", "standings", "monde", "mondial"}


def is_team(name: str) -> bool:
    """A team, series or place named like a person ("Sébastien Loeb Racing",
    "Porsche Carrera Cup"), not a driver; and runs of more than four words."""
    words = name.split()
    return len(words) > 4 or any(word.lower() in NOT_DRIVER_WORDS for word in words)
