"""The phrases race reports use, in French and English, as regular expressions.

Rules, not a model: each pattern is a way reporters actually write a fact, so what the
extractor finds can be shown with the words it came from.
"""
from __future__ import annotations

import re

from bot.reports.names import NAME, NAME_LIST

LAP = r"\d{1,2}['’:]\d{2}(?:[\"”″.,]|'')\d{3}|\d{2,3}[.,]\d{3}"

ORDINALS = {
    "fr": {"premier": 1, "première": 1, "deuxième": 2, "second": 2, "seconde": 2, "troisième": 3, "quatrième": 4,
           "cinquième": 5, "sixième": 6, "septième": 7, "huitième": 8, "neuvième": 9, "dixième": 10},
    "en": {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
           "ninth": 9, "tenth": 10},
}
NUMBERS = {"trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10,
           "three": 3, "four": 4, "five": 5, "six_": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_ORD = "(?:" + "|".join(sorted({w for table in ORDINALS.values() for w in table}, key=len, reverse=True)) + r")\b"
_NUM = r"(?:\d{1,3}|" + "|".join(k.rstrip("_") for k in NUMBERS) + r")\b"

F = re.IGNORECASE

# Words that tell the language apart (a handful is enough for whole reports).
STOPWORDS = {
    "fr": {"le", "la", "les", "des", "du", "et", "en", "une", "est", "dans", "pour", "devant", "sur", "qui", "avec"},
    "en": {"the", "and", "of", "to", "in", "was", "with", "for", "ahead", "on", "his", "he", "at", "after"},
}

POLE = [
    re.compile(rf"pole(?:[- ]position)?\s+(?:de|d['’])\s*(?P<name>{NAME})(?:[^.]{{0,40}}?(?P<time>{LAP}))?", F),
    re.compile(rf"(?P<name>{NAME})\s+(?:signe|signait|décroche|décrochait|s['’]offre|s['’]offrait|prend|prenait|réalise|réalisait)\s+la\s+pole(?:[- ]position)?(?:[^.]{{0,40}}?(?P<time>{LAP}))?", F),
    re.compile(rf"(?P<name>{NAME})\s+(?:took|takes|claimed|claims|secured|secures|grabbed|set|sets)\s+(?:the\s+)?pole(?:[- ]position)?(?:[^.]{{0,40}}?(?P<time>{LAP}))?", F),
    re.compile(rf"pole(?:[- ]position)?\s+(?:went|goes)\s+to\s+(?P<name>{NAME})(?:[^.]{{0,40}}?(?P<time>{LAP}))?", F),
    # A reversed grid: the race's pole, whoever topped qualifying.
    re.compile(rf"(?P<name>{NAME})\s+(?:started|starts)\s+from\s+(?:pole|the\s+front)(?P<time>)", F),
    re.compile(rf"(?P<name>{NAME})\s+(?:partait|part|s['’]élançait|s['’]élance)\s+(?:de\s+la\s+|en\s+)pole(?P<time>)", F),
]
# After a pole: "… devant deux Britanniques : A et B" / "… ahead of A and B".
GRID_BEHIND_POLE = re.compile(rf"(?:devant|devance|devançait|devançant|ahead\s+of|from|beat|beating)\b[^.:]{{0,40}}?:?\s*(?P<list>{NAME_LIST})", F)
PLACE = [
    re.compile(rf"\b(?:la\s+|sa\s+)?(?P<ord>{_ORD})\s+place\s+(?:de|d['’])\s*(?P<name>{NAME})", F),
    # Only verbs of a session's result: "was third in the championship" is no place.
    re.compile(rf"(?P<name>{NAME})\s+(?:qualified|finished|came\s+home|ended\s+up)\s+(?P<ord>{_ORD})"
               rf"(?!\s+(?:in\s+the\s+(?:championship|standings|points)))", F),
    re.compile(rf"(?P<name>{NAME})\s+(?:se\s+classait|se\s+classe|terminait|termine|finissait)\s+(?P<ord>{_ORD})"
               rf"(?!\s+(?:au|du)\s+(?:championnat|classement\s+général))", F),
    re.compile(rf"(?P<name>{NAME})\s+(?:se\s+contente|se\s+contentait|prend|prenait|termine|terminait|obtient|"
               rf"obtenait|décroche|décrochait|signe|signait)\s+(?:de\s+)?la\s+(?P<ord>{_ORD})\s+place", F),
    re.compile(rf"(?P<name>{NAME})\s+(?:took|claimed|secured|settled\s+for|had\s+to\s+settle\s+for)\s+(?P<ord>{_ORD})"
               rf"(?:\s+place)?", F),
]
ROOKIE = re.compile(r"(?:meilleur\s+rookie|best\s+rookie|top\s+rookie|rookie\s+honours)", F)

# The race starts here: what follows is about the race, not qualifying.
RACE_START = re.compile(r"\b(?:en\s+course|la\s+course|au\s+départ|le\s+départ|in\s+the\s+race|the\s+race|at\s+the\s+start|race\s+start)\b", F)

WIN = re.compile(rf"(?P<name>{NAME})\s+(?:s['’]imposait|s['’]impose|s['’]est\s+imposé|remporte|remportait|gagne|gagnait|l['’]emporte|l['’]emportait|won|wins|took\s+(?:the\s+)?(?:win|victory)|claimed\s+(?:the\s+)?(?:win|victory)|triumphed)\b"
                 # "won the start", "remporte le titre": not the race.
                 rf"(?!\s+(?:the\s+|le\s+|la\s+)?(?:start|pole|title|toss|championship|départ|titre|championnat|duel)\b)", F)
WIN_BY_PASSIVE = re.compile(rf"(?:victoire|win|victory)\s+(?:de|d['’]|for|went\s+to)\s*(?P<name>{NAME})", F)
CHAIN = re.compile(rf"^[^.]*?(?:en\s+devançant|devançant|devant|ahead\s+of|from)\s+(?P<list>{NAME_LIST})", F)
TOP_N = re.compile(rf"(?P<name>{NAME})\s+(?:complétait|complète|complete[sd]?|rounded\s+out|closed\s+out|rounds\s+out)\s+(?:le\s+|the\s+)?top[- ](?P<n>{_NUM})(?:[^.]*?(?:devant|ahead\s+of)\s+(?P<list>{NAME_LIST}))?", F)
CLASS_WIN = [
    re.compile(rf"\b(?i:en|in)\s+(?i:classe\s+|class\s+)?(?P<cls>[A-Z][\w-]{{0,10}})\s*,\s*(?P<name>{NAME})\s+(?:s['’]imposait|s['’]impose|remporte|l['’]emportait|gagnait|won|wins|took\s+victory)(?:[^.]*?(?:devant|ahead\s+of)\s+(?P<list>{NAME_LIST}))?"),
    re.compile(rf"(?i:vainqueur|winner)\s+(?i:en|in)\s+(?i:classe\s+|class\s+)?(?P<cls>[A-Z][\w-]{{0,10}})\s*,\s*(?P<name>{NAME})"),
    re.compile(rf"(?P<name>{NAME})\s*,?\s+(?i:vainqueur|winner)\s+(?i:en|in|of)\s+(?i:classe\s+|class\s+)?(?P<cls>[A-Z][\w-]{{0,10}})\b"),
]

CRASH = re.compile(r"\b(?:accident|accrochage|crash(?:ed|es)?|collision|collided|sortis?|sortie\s+de\s+piste|choc|"
                   r"touchette|spun\s+off|shunt)\b", F)
# "the pace car was never needed", "pas de voiture de sécurité": the opposite of an incident.
NEGATED = re.compile(r"\b(?:never|no|not|without|jamais|pas|sans|aucune?)\b", F)
LOCATION = re.compile(r"\b(?:première|deuxième|dernière|first|second|last)\s+(?:chicane|virage|corner|turn|lap|tour)\b|"
                      r"\b(?:chicane|virage|turn|corner)\s+(?:Dunlop|Ford|\d+)\b", F)
SAFETY_CAR = re.compile(r"\b(?:safety[- ]car|voiture\s+de\s+sécurité|pace\s+car)\b", F)
VIRTUAL = re.compile(r"\b(?:virtual\s+safety[- ]car|VSC|full[- ]course[- ]yellow|FCY|code\s+60|slow\s+zone)\b", F)
RED_FLAG = re.compile(r"\b(?:drapeau\s+rouge|red[- ]flag(?:ged)?|interrompue|stopped\s+the\s+race|suspended)\b", F)
NEUTRALISATIONS = re.compile(rf"\b(?P<n>{_NUM}|deux|two|une|one)\s+(?:neutralisations|interventions\s+de\s+la\s+safety[- ]car|safety[- ]car\s+periods)\b", F)

# Who said it: after the quote, before it (with a colon), or "Il précise :" for the last speaker.
SAID_AFTER = re.compile(rf"^[ \t]*[,.]?[ \t]*(?:commentait|commente|a\s+déclaré|déclarait|déclare|expliquait|explique|"
                        rf"confiait|confie|ajoutait|ajoute|souriait|sourit|analysait|analyse|racontait|raconte|"
                        rf"précisait|précise|lançait|lance|said|says|added|adds|explained|explains|commented|"
                        rf"admitted|reflected|smiled|told)\s+(?P<name>{NAME})", F)
NAME_SAID_AFTER = re.compile(rf"^[ \t]*[,.]?[ \t]*(?P<name>{NAME})\s+(?:said|says|added|explained|commented|admitted|told)", F)
# "…," added Costa: a surname alone, resolved against the drivers already named.
SURNAME_SAID_AFTER = re.compile(r"^[ \t]*[,.]?[ \t]*(?:commentait|a\s+déclaré|ajoutait|ajoute|précisait|expliquait|"
                                r"said|says|added|adds|explained|commented|admitted)\s+(?P<name>(?-i:[A-ZÀ-Þ][\w'’-]+))\b", F)
SAID_BEFORE = re.compile(r":\s*$")
SAME_SPEAKER = re.compile(r"\b(?:il|elle)\s+(?:précise|ajoute|poursuit|explique|conclut|continue)\s*:\s*$|"
                          r"\b(?:he|she)\s+(?:added|continued|went\s+on|explained)\s*[:,]\s*$", F)
# Straight quotes only open after a space or punctuation and close before one, and never
# span paragraphs: the " of a lap time (4'08"576) is not a quote.
QUOTES = re.compile(r"«\s*(?P<a>[^»«]{1,3000}?)\s*»|“(?P<b>[^”“]{1,3000})”|(?<![\w\"])\"(?=\S)(?P<c>[^\"\n]{0,3000}?\S)\"(?!\w)")
# "…," Dupont explained: a surname alone before the verb.
SURNAME_BEFORE_SAID = re.compile(r"^[ \t]*[,.]?[ \t]*(?P<name>(?-i:[A-ZÀ-Þ][\w'’-]+))\s+(?:said|says|added|explained|"
                                 r"commented|admitted|told)\b", F)
# Any saying verb right after a quote: someone is named there, so it is not a continuation.
SAID_NEAR = re.compile(r"^[ \t]*[,.]?[ \t]*(?:[\w'’ -]{0,60}?\s)?(?:said|says|added|explained|commented|admitted|"
                       r"told|commentait|déclaré|déclarait|expliquait|ajoutait|confiait|précisait)\b", F)
# A list stops at a clause about its last name: "…, Hugo Vernet ayant abandonné".
CLAUSE_AFTER = re.compile(r"^\s*,?\s*(?:ayant|having|who|qui|dont|whose)\b", F)

YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
HEADING = re.compile(r"^\s*(?P<year>19[5-9]\d|20[0-4]\d)\s*[-–—]\s*(?P<title>[^\n]{3,80})$", re.M)
# "G.N., Le Mans - C'était …": the byline's place.
DATELINE = re.compile(r"^(?:[^,\n-]{1,40},\s*)?(?P<venue>[A-ZÀ-Þ][\w'’ .-]{1,40}?)\s+[-–—]\s")
LENGTH = re.compile(r"\b(?P<km>\d{1,2}[,.]\d{1,3})\s*km\b")
STARTERS = re.compile(r"\b(?P<n>\d{2,3})\s+(?:voitures|concurrents|partants|cars|starters|entries)\b", F)
