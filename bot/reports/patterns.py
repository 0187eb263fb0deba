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
SAFETY_CAR = re.compile(r"\b(?:safety[- ]cars?|voitures?\s+de\s+sécurité|pace\s+car)\b", F)
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

# --- the shapes of real reports (issue 16) ---------------------------------------------------
# Ordinals as words and as figures: "troisième", "3e", "3ème", "3rd", "P3".
ORDINAL_WORDS = {
    **ORDINALS["fr"], **ORDINALS["en"],
    "onzième": 11, "douzième": 12, "treizième": 13, "quatorzième": 14, "quinzième": 15, "seizième": 16,
    "dix-septième": 17, "dix-huitième": 18, "dix-neuvième": 19, "vingtième": 20,
    "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16,
    "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "1er": 1, "1re": 1, "1ère": 1,
}
ORDX = (r"(?:(?:" + "|".join(sorted(ORDINAL_WORDS, key=len, reverse=True)) + r")\b"
        r"|\d{1,2}\s?(?:e|è|ème|eme|er|re|ère|nd|rd|th|st)\b|P\d{1,2}\b)")
# A name, or a surname alone (checked against the text's full names by the extractor).
TOKEN = rf"(?:{NAME}|(?-i:(?<![\w-])[A-ZÀ-Þ][\w’'-]+))"
PAREN = r"(?:\s*\([^()\n]{0,80}\))?"
ITEM = rf"(?:(?:le|la|les|l['’]|the)\s*)?{TOKEN}{PAREN}"
TOKEN_LIST = rf"{ITEM}(?:(?:\s*,\s*|\s*,?\s+(?:et|and)\s+){ITEM}){{0,12}}"

# A numbered list line: "1. Rob Huff (Team)", "  • 12. Arthur Leclerc".
NUMBERED = re.compile(r"^[ \t]*(?:[•*·–-][ \t]*)?(?P<n>\d{1,2})[.)][ \t]+(?P<rest>[^\n]+)$", re.M)
# A heading or lead-in that makes a list (or a section) something other than the race result.
NOT_RESULT_HEADING = re.compile(r"championship|standings|championnat|classement\s+(?:général\s+)?(?:pilotes|constructeurs"
                                r"|équipes|teams)|constructeurs|power\s+stage|qualif|grille|grid|essais|practice|"
                                r"\bpts\b|points|entry\s+list|engagés|superpole|sprint\s+race\s+\d|warm", F)

# The race was won: the verbs, with what must not follow them ("won the title").
WIN_VERB = (r"(?:s['’]imposait|s['’]impose|s['’]imposent|imposent|s['’]est\s+imposée?|se\s+sont\s+imposés|"
            r"remporte|remportait|remportent|a\s+remporté|ont\s+remporté|avait\s+remporté|gagne|gagnait|a\s+gagné|"
            r"l['’]emporte|l['’]emportait|(?:a|ont)\s+signé\s+une\s+(?:\w+\s+)?victoire|"
            r"won|wins|has\s+won|have\s+won|took\s+(?:the\s+)?(?:win|victory|chequered\s+flag)|"
            r"claimed\s+(?:the\s+)?(?:win|victory)|secured\s+(?:the\s+)?(?:win|victory)|clinched\s+(?:the\s+)?(?:win|victory)|"
            r"triumphed|scored\s+(?:a|an|the)\s+(?:\w+\s+)?(?:win|victory)|picked\s+up\s+(?:a|an|the|his|her|their)\s+(?:[\w-]+\s+){0,3}(?:win|victory)|took\s+(?:a|an|his|her|their)\s+(?:\w+\s+){0,3}(?:win|victory)|"
            r"romped\s+to\s+(?:a\s+)?(?:\w+\s+)?victory|got\s+(?:his|her|their)\s+first\s+(?:[\w-]+\s+){0,3}win|"
            r"(?:was|were)\s+crowned\s+(?:the\s+)?winners?|(?:allait\s+)?(?:décroch\w*|s['’]adjug\w*|signe|signait|a\s+signé|rafl\w*)\s+"
            r"(?:une|la|sa)\s+(?:\w+\s+)?victoire|(?:and\s+)?(?:drove|raced|cruised|stormed|powered|went\s+on)\s+to\s+(?:a|an|the)\s+(?:\w+\s+)?(?:victory|win)"
            r"|went\s+on\s+to\s+win|(?:a\s+)?(?:passé|franchi)\s+la\s+ligne\s+(?:d['’]arrivée\s+)?en\s+tête|passe\s+la\s+ligne\s+en\s+tête"
            r"|crossed\s+the\s+(?:finish\s+)?line\s+(?:in\s+)?first|took\s+the\s+chequered\s+flag\s+first"
            r"|(?:est|sont)\s+sortie?s?\s+victorieu(?:x|se|ses)|emerged\s+(?:as\s+the\s+)?(?:victorious|winners?)"
            r"|(?:was|were)\s+(?:the\s+)?first\s+to\s+(?:take|see|cross)\s+the\s+(?:chequered\s+flag|(?:finish\s+)?line)"
            r"|(?:a\s+été|était|fut)\s+(?:la\s+|le\s+)?premi(?:er|ère)\s+à\s+(?:franchir|passer|couper)\s+la\s+ligne(?:\s+d['’]arrivée)?)")
WIN_NOT = (r"(?!\s+(?:the\s+|le\s+|la\s+|les\s+|a\s+|his\s+|her\s+|their\s+|its\s+|son\s+|sa\s+|ses\s+)?"
           r"(?:(?:\w+\s+){0,2}(?:start|pole|title|toss|championship|championships|départ|titre|championnat|duel|"
           r"both|two|races|manches|courses|class|classe|catégorie|category|world|mondial|constructeurs|points|battle|bataille|lutte|fight)\b)"
           r"|\s+(?:in|en|chez)\s+(?:the\s+|les\s+|la\s+catégorie\s+|classe\s+)?(?-i:LMP\d|LMGT|GT\d|GTE|GTD|GTP|Pro|Am\b|Silver|Gold|Bronze|Rookie|B\b|Hypercar))")
WIN_BY_LIST = re.compile(rf"(?P<list>{TOKEN_LIST})\s*,?\s+(?:\w+\s+)?{WIN_VERB}\b{WIN_NOT}", F)
# A car as the subject, its crew in brackets: "la Porsche 963 N°6 (Estre/Vanthoor/Campbell) a remporté".
WIN_BY_CREW = re.compile(rf"\((?P<crew>{TOKEN}(?:\s*[/-]\s*{TOKEN}){{1,3}})\)\s+{WIN_VERB}\b{WIN_NOT}", F)
# Passive and noun forms: "remportée par X", "la victoire est revenue à … de X", "handed him the victory".
WIN_PASSIVE = re.compile(rf"(?:(?:a|ont|est|a\s+été|ont\s+été)\s+remportée?s?\s+par|victoire\s+(?:(?:en\s+)?(?-i:[A-Z][\w/-]*)(?:\s+(?-i:[A-Z][\w/-]*))?\s+)?(?:est\s+(?:\w+\s+)?revenue|revient|est\s+(?:\w+\s+)?allée)\s+à"
                         rf"|^\s*(?:première\s+|first\s+|maiden\s+)?(?:victoire|win|victory)\s+(?:pour|for)\s+(?={NAME})|\bwinner\b(?:[^.;]|\.(?=\d)){{0,80}}?\bwas\s+"
                         rf"|(?:win|victory)\s+went\s+to|a\s+vu\s+la\s+victoire\s+d[eu']|saw\s+(?={TOKEN}\s+(?:take|claim|score)\s+(?:his|her|their)\s+(?:\w+\s+){{0,2}}(?:win|victory)))"
                         rf"\s*(?P<rest>[^.;]{{0,200}})", F)
# "drove … to a commanding victory", "… s'envolant vers la victoire".
# "Simon Pagenaud a résisté à X pour s'imposer": the subject of the sentence, then the purpose.
WIN_INFINITIVE = re.compile(rf"\s*(?P<list>{TOKEN_LIST})\s+(?:(?!tent|tried|attempt|failed|could|pouvait|voulait|wanted|hoped|espér)[^.;]){{0,160}}?"
                            rf"\b(?:pour\s+s['’]imposer|pour\s+(?:remporter|gagner)\s+(?:la\s+course|l['’]épreuve)|to\s+(?:win|take|claim|secure)\s+(?:the\s+)?(?:race|victory|win)\b)", F)
# "X was able to build a lead as he romped to victory": the subject, then "as he" and the win
# (read only when no other name stands between them).
WIN_AS_HE = re.compile(rf"(?P<list>{TOKEN_LIST}){PAREN}\s+(?P<gap>(?-i:[^A-ZÀ-Þ.;:\n]){{0,100}}?)\b(?:as|when|and)\s+(?:he|she|they)\s+{WIN_VERB}\b{WIN_NOT}", F)
WIN_DROVE = re.compile(rf"(?P<list>{TOKEN_LIST})\s*,?\s+(?:who\s+)?(?:drove|raced|cruised|dominated)\s+(?:[^.;]|\.(?=\s?\d)){{0,120}}?\s+to\s+(?:a|an|the)\s+(?:\w+\s+)?victory", F)

# A place after the name: "X finished third", "X a terminé à la 2e place", "X took fifth place".
FIN_STRONG = (r"(?:finished|finishes|finishing|came\s+home|br(?:ing|ings|ought)\s+(?:home\s+)?(?:his|her|their|its|the)\s+[\w-]+(?:\s+home)?|crossed\s+the\s+line|was\s+classified|is\s+classified|"
              r"ended\s+up|settled\s+for|had\s+to\s+settle\s+for|was\s+forced\s+to\s+settle\s+for|saw\s+the\s+(?:chequered\s+)?flag|"
              r"held\s+on\s+to|terminait|termine|a\s+terminé|ont\s+terminé|a\s+fini|finit|finissait|se\s+classait|se\s+classe|"
              r"s['’]est\s+classée?|a\s+dû\s+se\s+contenter\s+de|se\s+contente\s+de|se\s+contentait\s+de|franchit\s+la\s+ligne|"
              r"a\s+franchi\s+la\s+ligne|(?:est|sont)\s+montée?s?|(?:a|ont)\s+pris\s+place)")
FIN_WEAK = (r"(?:was|is|came|took|taking|claim|take|grab|secure|finish|est\s+allée?\s+chercher|claimed|secured|grabbed|earned|fought\s+hard\s+for|est|était|prend|prenait|a\s+pris|"
            r"obtient|obtenait|a\s+obtenu|décroche|décrochait|a\s+décroché|signe|signait|a\s+signé|complète\s+le\s+podium\s+en)")
PLACE_AFTER = (rf"(?:\s+(?:the\s+race|la\s+course|the\s+day|finally|finalement|ultimately|provisionally))?"
               rf"\s+(?:in\s+|at\s+|with\s+|à\s+|au\s+|en\s+|sur\s+)?(?:the\s+|a\s+|la\s+|le\s+|une\s+)?"
               rf"(?:(?P<final>final\s+podium\s+(?:place|spot|position)|dernière\s+marche\s+du\s+podium|troisième\s+marche\s+du\s+podium)"
               rf"|(?P<ord>{ORDX})(?:\s+(?:place|position|spot|rang|overall|marche\s+du\s+podium|step\s+of\s+the\s+podium))?)")
FINISH_PLACE = re.compile(rf"(?P<name>{TOKEN}){PAREN}\s*,?\s+(?P<gap>(?:(?-i:[a-z][\w'’-]*),?\s+){{0,8}}?)(?P<verb>{FIN_STRONG}|{FIN_WEAK})\b{PLACE_AFTER}"
                          r"(?!\s*(?:from|to|off|on\s+lap|au\s+tour|in\s+the\s+(?:championship|standings|points)|"
                          r"(?:in|en|au)\s+(?:the\s+|les\s+)?(?:Q\d|FP\d|EL\d|qualifying|qualifs?|qualifications|practice|essais|warm-up|shootout|superpole)|"
                          r"(?:au|du)\s+(?:championnat|classement\s+(?:des|du)))\b)", F)
# "X's crew of A, B and C finishing second", "… de A, B et C a terminé à la deuxième place".
FINISH_CREW = re.compile(rf"(?P<list>{TOKEN_LIST})\s*,?\s+(?P<verb>{FIN_STRONG})\b{PLACE_AFTER}", F)
# Inverted: "Third was X", "La deuxième place est revenue au Néerlandais X", "Troisième place pour X",
# "Finishing second … was X", "Troisième sous le drapeau à damier, X".
INVERTED = re.compile(rf"\s*(?:la\s+|the\s+)?(?:finishing\s+)?(?P<ord>{ORDX})(?:\s+(?:place|position|spot))?"
                      rf"\s*(?:(?:was|went\s+to|goes\s+to|est\s+revenue(?:\s+à)?|revient(?:\s+à)?|est\s+allée(?:\s+à)?|pour|sous\s+le\s+drapeau\s+à\s+damier\s*,"
                      rf"|at\s+the\s+(?:flag|finish)\s*,|[^.;]{{0,60}}?\s+was)\s+)(?:l['’]|le\s+|la\s+|au\s+|aux\s+|the\s+)?"
                      rf"(?:(?-i:[a-zà-ÿ][\w-]+)\s+)?(?P<list>{TOKEN_LIST})", F)
# "A and B rounded out the podium", "A et B complètent le top 5", "… rounded out the top 10".
TOP_LIST = re.compile(rf"(?P<list>{TOKEN_LIST})(?:\s*,\s*(?:qui|who)?\s*[^,;.]{{0,90}},)?\s+(?:provisionally\s+|finalement\s+)?(?:complétait|complète|complètent|complétaient|"
                      rf"completed?|completes|rounded\s+(?:out|off)|rounding\s+(?:out|off)|closed\s+out|rounds\s+(?:out|off)|ferment|fermaient|"
                      rf"ferme|referment)\s+(?:le\s+|the\s+)?(?:(?P<podium>podium)|top[- ]?(?P<n>{_NUM}))", F)
# "with A and B rounding out the podium" (after the winner).
ROUNDING = re.compile(rf"with\s+(?P<list>{TOKEN_LIST})\s+rounding\s+out\s+the\s+(?:podium|top[- ]?(?P<n>{_NUM}))", F)
# "X followed Y home to finish fifth": Y fourth, X fifth.
FOLLOWED_HOME = re.compile(rf"(?P<name>{TOKEN}){PAREN}\s+followed\s+(?P<other>{TOKEN}){PAREN}\s+home\s+to\s+finish\s+(?P<ord>{ORDX})", F)
# "X (2e)" in a sentence about the result.
PAREN_PLACE = re.compile(rf"(?P<name>{TOKEN})\s*\(\s*(?P<ord>\d{{1,2}}\s?(?:e|è|ème|eme|er|re|ère|nd|rd|th|st))\b"
                         rf"(?!\s*(?:au|du|in|of|on|sur)\s+(?:la\s+|the\s+)?(?:championnat|classement|championship|standings|grille|grid|qualif))[^()]{{0,120}}\)", F)
# "Joan Mir, quatrième sur la ligne d'arrivée", "X, finalement 3eme de cette course".
APPOS_FINISH = re.compile(rf"(?P<name>{TOKEN}){PAREN}\s*,\s*(?:(?P<adv>finalement|finally|eventually|ultimately)\s+)?(?P<ord>{ORDX})"
                          rf"(?:\s+(?P<mark>de\s+(?:cette|la)\s+course|sur\s+la\s+ligne(?:\s+d['’]arrivée)?|à\s+l['’]arrivée|at\s+the\s+(?:flag|finish)|overall|au\s+classement\s+général))?", F)
RESPECTIVELY = re.compile(rf"(?P<list>{TOKEN_LIST})[^.;]{{0,80}}?\b(?:respectivement|respectively)\s+(?P<ords>{ORDX}(?:\s*,\s*{ORDX})*\s*,?\s+(?:et|and)\s+{ORDX})", F)
SUIVENT = re.compile(rf"^\s*(?:suivent|suivaient|then\s+came|next\s+came|behind\s+them\s+came)\s*:?\s+(?P<list>[^.]+)", F)
AHEAD_OF = re.compile(rf"\s*,?\s*(?:\w+\s+)?(?:devant|ahead\s+of|en\s+devançant|devançant|from)\s+(?P<list>{TOKEN_LIST})", F)
BEHIND_IN = re.compile(rf"(?:behind|derrière)\s+(?P<name>{TOKEN}){PAREN}\s+(?:in|en)\s+(?P<ord>{ORDX})", F)
# "The best-placed Audi was X in sixth": the place after the name, the verb before it.
WAS_NAME_IN = re.compile(rf"\b(?:was|were|fut|était)\s+(?P<name>{TOKEN}){PAREN}\s+(?:in|en)\s+(?P<ord>{ORDX})(?:\s+(?:place|position|spot))?"
                         rf"(?!\s*(?:place\s+|position\s+)?(?:on|in|at|sur|au|du|of)\s+(?:the\s+|la\s+|le\s+)?(?:grid|grille|championship|championnat|standings|classement|points|qualif\w*|lap|tour))", F)
# The sentence's subject, then its finish at the end of the sentence, with no other name between:
# "X pitted later …, but couldn't regain the time, finishing seventh", "X, however, … as he finished in 12th place".
SUBJECT_FINISH = re.compile(rf"\s*(?:(?-i:[A-Z][a-z]+)\s+(?-i:[a-z]+)\s+)?(?P<name>{TOKEN}){PAREN}(?P<gap>(?:(?-i:[^A-ZÀ-Þ.;:!?\n“”«»\"])|(?-i:(?<!\w)[A-Z]{{2,}}(?![\w’'-]))){{1,200}}?)"
                            rf"(?:,\s*|\bas\s+(?:he|she)\s+|\bet\s+)(?:(?:finishing|finished|to\s+finish|termin\w+|pour\s+terminer|pour\s+finir)\s+"
                            rf"(?:in\s+|à\s+la\s+|au\s+)?(?:the\s+)?(?P<ord>{ORDX})(?:\s+(?:place|position|rang))?\s*[.!]?\s*$"
                            rf"|(?:taking|claiming|securing|prenant|décrochant)\s+(?:the\s+|la\s+)?(?P<ord2>{ORDX})(?:\s+(?:place|position))?\s+(?:overall|au\s+général|au\s+classement\s+général)\b)", F)
# A driver and crew bringing their car to a place: "X, accompagné par A et B, a hissé la Peugeot #94 à la septième place".
CAR_TO_PLACE = re.compile(rf"(?P<list>{TOKEN_LIST})(?:\s*,\s*(?:accompagnée?s?|épaulée?s?|aidée?s?|joined|alongside|with)\s+(?:par\s+|de\s+|by\s+)?(?P<more>{TOKEN_LIST})\s*,)?"
                          rf"\s+(?:a|ont|have|has)?\s*(?:hissé|amené|emmené|porté|placé|ramené|brought|took|drove|guided|steered|hauled)\s+(?:la|le|sa|son|leur|the|their|his|her)\s+"
                          rf"(?:[^.;,]|\.(?=\d)){{0,50}}?\s+(?:à\s+la|au|en|to|home\s+in|in)\s+(?P<ord>{ORDX})(?:\s*(?:place|rang|position))?\b", F)
RELEGATED = re.compile(rf"(?P<name>{TOKEN}){PAREN}\s+(?:(?:{FIN_STRONG})\b[^.]{{0,80}}?|(?:was|a\s+été|est|se\s+voyait|se\s+voit)\s+)"
                       rf"(?:relégu\w+|demoted|dropped|reclassé\w*|reclassified)\s+(?:au|à\s+la|en|to|in)\s+(?:la\s+|the\s+)?"
                       rf"(?P<ord>{ORDX})\s*(?:rang|place|position)?", F)

# Why a sentence is not about the race's finishing order.
RUNNING = re.compile(r"\b(?:lap\s+\d+|on\s+lap|laps?\b|opening|start|restart|ran|running|led|leading|held|stint|pit|pits|mid-race|"
                     r"pitted|early|initially|mid-race|at\s+the\s+time|tour|tours|départ|relance|alors|menait|mené|en\s+tête|"
                     r"roulait|pointait|occupait|passait|ressortait|stands|premier\s+virage|au\s+moment|behind\s+the\s+safety)\b", F)
FINAL_LAP = re.compile(r"\b(?:dernier\s+tour|final\s+lap|last\s+lap|crossed\s+the\s+line|franchi\w*\s+la\s+ligne|at\s+the\s+chequered|au\s+drapeau|à\s+l['’]arrivée|sur\s+la\s+ligne|at\s+the\s+(?:flag|finish)"
                       r"|to\s+the\s+(?:flag|finish)|sous\s+le\s+drapeau\s+à\s+damier)\b", F)
STANDINGS = re.compile(r"\b(?:championship|standings|championnat|classement\s+(?:des\s+pilotes|général\s+pilotes|du\s+championnat)|"
                       r"points?|pts)\b", F)
SESSION = re.compile(r"\b(?:qualifying|qualifications?|qualified|grid|grille|practice|essais|warm-up|superpole)\b", F)
OTHER_RACE = re.compile(r"\b(?:la\s+semaine\s+(?:passée|dernière)|last\s+(?:week|weekend|year|season|time\s+out)|l['’]an\s+dernier|"
                        r"la\s+saison\s+dernière|il\s+y\s+a\s+\w+\s+(?:semaines|jours|mois|ans))\b", F)
# A class in the text: "En LMP2,", "in the Pro-Am category".
CLASS_NAME = (r"(?:LMP\d(?:\s+Pro[/-]?Am)?|LMGTE\s+(?:Pro|Am)|LMGT3|GTE(?:\s+(?:Pro|Am))?|GT3|GT4|GTP|GTD(?:\s+Pro)?|Hypercar|HYPERCAR|"
              r"Pro[- ]?Am\d?|Silver(?:\s+Cup)?|Gold(?:\s+Cup)?|Bronze(?:\s+Cup)?|Am|Rookies?|GT(?:\s+(?:Pro|Am))?|B)")
CLASS_HEAD = re.compile(rf"^\s*(?:en|in)\s+(?:classe\s+|class\s+|catégorie\s+)?(?-i:(?P<cls>{CLASS_NAME}))\s*,", F)
CLASS_VICTORY = [
    # "les victoires de A en B et de C en Rookies", "la victoire de A en B".
    re.compile(rf"victoires?\s+(?:de|d['’])\s*(?P<name>{TOKEN})\s+(?:en|chez\s+les)\s+(?-i:(?P<cls>{CLASS_NAME}))\b"),
    re.compile(rf"\bet\s+(?:de|d['’])\s*(?P<name>{TOKEN})\s+(?:en|chez\s+les)\s+(?-i:(?P<cls>{CLASS_NAME}))\b"),
    # "LMGTE Pro winner: James Calado", "Vainqueur en B : X".
    re.compile(rf"(?-i:(?P<cls>{CLASS_NAME}))\s+(?i:winner|vainqueur)\s*:\s*(?P<name>{TOKEN})"),
    re.compile(rf"(?P<name>{TOKEN}){PAREN}\s+[^.;]{{0,60}}?(?i:victoire|victory|win)\s+(?i:chez\s+les|en|in\s+the|in)\s+(?-i:(?P<cls>{CLASS_NAME}))\b"),
    re.compile(rf"(?P<name>{TOKEN}){PAREN}\s+(?i:clinched|claimed|took|secured|won|scored)\s+(?i:the\s+)?(?i:victory|win|honours)\s+(?i:in\s+the)\s+(?-i:(?P<cls>{CLASS_NAME}))\s+(?i:category|class)"),
    re.compile(rf"(?P<name>{TOKEN}){PAREN}[^.;]{{0,80}}?\band\s+(?-i:(?P<cls>{CLASS_NAME}))\s+(?i:victory|win)\b"),
    # "X drove a superb race to take his first Pro-Am victory", "X … as he won the Pro-Am2 category".
    re.compile(rf"(?P<name>{TOKEN}){PAREN},?\s+(?=(?-i:[a-zà-ÿ]))(?:(?![.;]|\s(?-i:[A-Z]))[^\n]){{0,80}}?\b(?i:take|took|claim|claimed|score|scored|secure|secured|earn|earned)\s+"
               rf"(?i:his|her|their|the)\s+(?:(?i:first|maiden|second|third)\s+)?(?-i:(?P<cls>{CLASS_NAME}))\s+(?i:class\s+)?(?i:victory|win)\b"),
    re.compile(rf"(?P<name>{TOKEN}){PAREN},?\s+(?=(?-i:[a-zà-ÿ]))(?:(?![.;]|\s(?-i:[A-Z]))[^\n]){{0,80}}?\b(?i:won|topped|blitzed|swept)\s+(?i:the\s+)?"
               rf"(?-i:(?P<cls>{CLASS_NAME}))\s+(?i:category|class|catégorie|classe)\b"),
    re.compile(rf"(?i:premier|première|meilleur)\s+(?-i:(?P<cls>Rookie|rookie|Junior|Gentleman))\s+(?i:de\s+(?:cette|la)\s+course)\s*,\s*(?P<name>{TOKEN})"),
]
# More ways to give a pole: "X on pole", "who started on pole", "En pole position, X", "the poleman X".
POLE_MORE = [
    re.compile(rf"(?:qualif\w*|séance|chrono\w*|essais)[^.;]{{0,80}}?donn\w+\s+l['’]avantage\s+à\s+(?P<name>{TOKEN})", F),
    re.compile(rf"(?P<name>{TOKEN}){PAREN}\s*,?\s+(?:who\s+|qui\s+)?(?:had\s+|avait\s+)?(?:started|starts|starting|start|was|sat|took|took\s+the|claimed|secured|"
               rf"signé|signe|signait|décroché|décroche|décrochait|s['’]élançait|s['’]élance|s['’]était\s+élancée?|partait|est\s+partie?|"
               rf"dominated\s+the\s+race|leading\s+away)\s+(?:the\s+race\s+)?(?:from\s+|on\s+|en\s+|la\s+|de\s+la\s+|depuis\s+la\s+)?(?:the\s+)?pole\b(?:[- ]position)?(?!\s+(?:en|in)\s+(?-i:{CLASS_NAME})\b)", F),
    re.compile(rf"\b(?:en\s+pole(?:[- ]position)?|(?:after\s+)?(?:starting|started)\s+from\s+(?:the\s+)?pole(?:[- ]position)?|parti\w*\s+(?:de\s+la\s+|en\s+)pole(?:[- ]position)?|"
               rf"auteur\s+de\s+la\s+pole(?:[- ]position)?)[^,.;]{{0,80}},\s+(?:[\w'’-]+\s+){{0,6}}?(?P<name>{NAME}|(?-i:[A-ZÀ-Þ][a-zà-ÿ’'-]+)(?=\s+(?-i:[a-z])))", F),
    re.compile(rf"(?:the\s+|le\s+)?(?:poleman|polesitter|pole-sitter|pole\s+sitter|auteur\s+de\s+la\s+pole(?:[- ]position)?)\s*,?\s+(?P<name>{TOKEN})", F),
    re.compile(rf"(?P<name>{TOKEN}){PAREN}\s+(?:on|en)\s+pole(?:[- ]position)?\b(?!\s+(?:en|in)\s+(?-i:{CLASS_NAME})\b)", F),
    # A car's pole with its driver: "started the race from pole with Conway at the wheel", "polesitting #28 car driven by X".
    re.compile(rf"(?:started|starting|s['’]élançait|partait)\s+(?:the\s+race\s+)?(?:from|en|de\s+la)\s+pole(?:[- ]position)?\s+(?:with|avec)\s+(?P<name>{TOKEN})\s+(?:at\s+the\s+wheel|au\s+volant)", F),
    re.compile(rf"pole[- ]?sitting\s+(?:[^.;]|\.(?=\s?\d)){{0,60}}?\s+(?:driven\s+by|piloté\w*\s+par)\s+(?P<name>{TOKEN})", F),
    re.compile(rf"(?P<name>{TOKEN}){PAREN}\s+(?:\w+\s+){{0,3}}?(?:conserv\w+|garde|gardait|kept|converted|convertit)\s+(?:l['’]avantage\s+de\s+)?(?:sa|his|her)\s+pole", F),
]
# Grid slots: "Parti troisième, X", "X … from fourth place on the grid", "8th starting position".
GRID_MORE = [
    re.compile(rf"(?:^|[.;]\s+|\n)\s*(?:parti|partie|started|starting)\s+(?P<ord>{ORDX})\s*,\s+(?P<name>{TOKEN})", F),
    re.compile(rf"(?P<name>{TOKEN}){PAREN}\s+[^.;]{{0,60}}?\b(?:from|depuis\s+(?:la|le)|de\s+(?:la|le))\s+(?P<ord>{ORDX})\s+(?:place\s+|position\s+)?"
               rf"(?:on\s+the\s+(?:starting\s+)?grid|sur\s+la\s+grille|rang)", F),
    re.compile(rf"(?P<name>{TOKEN}){PAREN}\s+[^.;]{{0,60}}?\b(?:from|in)\s+(?P<ord>{ORDX})\s+starting\s+position", F),
]
SC_COUNT = re.compile(rf"\b(?P<n>{_NUM}|deux|two)\s+(?:phases?\s+de\s+|périodes?\s+de\s+|interventions?\s+de\s+(?:la\s+)?)?"
                      rf"(?:safety[- ]cars|voitures\s+de\s+sécurité|safety[- ]car\s+(?:periods|appearances|interventions))\b"
                      rf"|made\s+(?P<n2>{_NUM}|two)\s+appearances"
                      rf"|\b(?P<ord>second|third|fourth|fifth|deuxième|troisième|quatrième|cinquième)\s+(?:voiture\s+de\s+sécurité|safety[- ]car|"
                      rf"appearance|apparition|neutralisation|intervention)", F)
SC_UNCLEAR = re.compile(r"\b(?:several|multiple|many|plusieurs|nombreuses)\s+(?:\w+\s+){0,3}(?:safety|voitures?\s+de\s+sécurité|"
                        r"neutralisations|interruptions|cautions)|\b(?:once\s+again|à\s+nouveau|de\s+nouveau|once\s+more|again)\b", F)
DEPLOYED = re.compile(r"\b(?:deployed|came\s+out|called|brought\s+out|sent\s+out|summoned|sortie|entrée|intervenu\w*|déployée|"
                      r"provoqu\w+|neutralis\w+|appearance|phase)\b", F)
SC_ENDED = re.compile(r"\b(?:ended|over|finished|withdrawn|came\s+in|terminée?|fin\s+de|rentrée?)\b", F)
# Descriptors that start a name: "le Néerlandais Larry ten Voorde", "Brazilian Augusto Farfus".
DEMONYMS = {
    "français", "française", "britannique", "néerlandais", "néerlandaise", "hollandais", "batave", "allemand", "allemande",
    "italien", "italienne", "espagnol", "espagnole", "belge", "suisse", "danois", "danoise", "brésilien", "australien",
    "américain", "japonais", "turc", "portugais", "hongrois", "finlandais", "finlandaises", "suédois", "norvégien", "autrichien",
    "canadien", "mexicain", "argentin", "polonais", "russe", "chinois", "sud-africain", "néo-zélandais", "monégasque",
    "luxembourgeois", "tricolore", "british", "dutch", "german", "italian", "spanish", "french", "belgian", "swiss",
    "danish", "brazilian", "australian", "american", "japanese", "turkish", "portuguese", "finnish", "swedish",
    "norwegian", "austrian", "canadian", "mexican", "argentinian", "polish", "russian", "chinese", "brit", "dutchman",
    "frenchman", "spaniard", "kiwi", "dane", "finn", "swede", "thai", "indian", "irish", "scottish", "welsh", "english",
    "américano-japonais", "anglo-canadien", "limbourgeois", "junior", "alpine", "prema", "rodin", "rookie", "débutant",
}
ITEM_NAME = re.compile(TOKEN)
WIN_HEADLINE = re.compile(rf"^\s*(?P<name>{TOKEN})\s+(?:wins|won|takes\s+victory|triumphs|s['’]impose|remporte|gagne)\b", F)
# Words after a place that make it a class rank: "11e place en GT".
# The crew after a class rank: "… 11e place en GT en compagnie des Italiens A et B", "… with A and B".
CLASS_CREW = re.compile(rf"\s*,?\s*(?:en\s+compagnie\s+(?:de\s+|des\s+|d['’])|aux\s+côtés\s+(?:de\s+|des\s+|d['’])|avec\s+|alongside\s+|with\s+(?:co-?drivers?\s+)?)"
                        rf"(?:(?:les|the|ses|his|her)\s+)?(?:(?P<dem>(?-i:[A-ZÀ-Þ][a-zà-ÿ-]+))\s+(?=(?-i:[A-ZÀ-Þ])))?(?P<list>{TOKEN_LIST})", F)
CLASS_HINT = re.compile(rf"\s*(?:en|in|of)\s+(?:the\s+)?(?:classe\s+|class\s+|catégorie\s+)?(?-i:{CLASS_NAME})\b(?!\s+(?:and|et))", F)
# After a list: a lowercase verb means its last name is the subject of a new clause.
CLAUSE_VERB = re.compile(r"\s+(?!(?:et|and|ainsi|respectivement|respectively|in|en|au|aux|à|sous|après|after|to|for|pour|"
                         r"with|avec|de|du|des|of|on|sur|dans|at|by|par|who|qui|while|tandis|alors|then|puis|"
                         r"finished|termin\w*|complét\w*|complet\w*|rounded|closed|ferment)\b)(?-i:[a-zà-ÿ])", F)
# Who a name is not the subject after: "le coéquipier de King a obtenu …".
OF_PERSON = re.compile(r"(?:coéquipiers?|équipiers?|team-?mates?|rival|compatriote|frère|père|fils|brother|father|son)\s+"
                       r"(?:\w+\s+)?(?:de|d['’]|of|du)\s*$", F)
# "with a fourth-place finish for A, B and C", "Troisième place pour A, B et C": a crew's place.
PLACE_FOR = re.compile(rf"(?P<ord>{ORDX})[- ]place\s+(?:finish\s+)?(?:for|pour)\s+(?P<list>{TOKEN_LIST})", F)
# "a terminé troisième (A, B et C)": the crew in brackets after the place.
CREW_AFTER = re.compile(rf"(?:a\s+terminé|termine|terminait|finished|s['’]est\s+classée?)\s+(?:à\s+la\s+|in\s+)?(?P<ord>{ORDX})"
                        rf"(?:\s+(?:place|position))?\s*\((?P<list>{TOKEN_LIST})\)", F)
# In the words between a name and its place: someone else's place, or one hoped for.
GAP_NOT = re.compile(r"\b(?:hoped|hoping|wanted|tried|trying|aimed|expected|unable|failed|could\s+have|would\s+have|helped|"
                     r"allowed|let|espérait|voulait|tentait|pouvait|aurait|aidé|permis|team-?mate|coéquipier|équipier|"
                     r"who|qui|whose|dont|behind|derrière|ahead|devant|passed|overtook|doublé|dépassé|from|depuis|home|followed|suivi)\b", F)
# Titles that name a driver, not the standings: "Championship leader Nick Cassidy".
TITLE_STANDING = re.compile(r"\b(?:championship|series|points)\s+leader|leader\s+du\s+championnat|champion\s+en\s+titre|"
                            r"(?:defending|reigning|former|double|triple|\w+-time)\s+champion|champion\s+du\s+monde", F)
# "Rounding out the top five were A and B", "Completing the podium was X".
TOP_INVERTED = re.compile(rf"\s*(?:rounding\s+out|completing|closing\s+out|rounding\s+off)\s+the\s+(?:(?P<podium>podium)|top[- ]?(?P<n>{_NUM}))"
                          rf"\s+(?:was|were)\s+(?P<list>{TOKEN_LIST})", F)
# "La qualification donnait l'avantage à X devant A et B".
POLE_ADVANTAGE = re.compile(rf"(?:qualif\w*|séance|chrono\w*|essais)[^.;]{{0,80}}?donn\w+\s+l['’]avantage\s+à\s+(?P<name>{TOKEN})", F)

# Compiled here, not where they are used: a worker process forks with these ready, so the
# first report it reads does not pay for them.
GRID_AFTER_POLE = re.compile(rf"\s*(?:\([^()]*\)\s*)?,?\s*(?:devant|ahead\s+of)\s+(?P<list>{TOKEN_LIST})", F)
NOT_OVERALL_POLE = re.compile(rf"(?-i:{CLASS_NAME})\s+pole|pole(?:[- ]position)?\s+(?:en|in)\s+(?-i:{CLASS_NAME})\b|"
                              r"s['’]élancera|will\s+start|partira|next\s+race|course\s+longue|feature\s+race|"
                              r"class\s+pole|pole\s+de\s+(?:la\s+)?catégorie", F)
CLASS_IN_LINE = re.compile(rf"\b(?-i:{CLASS_NAME})\b", F)
HEADING_WIN = re.compile(r"\b(?:wins?|won|winners?|victoire|victory|s['’]impose|remporte|vainqueurs?)\b", F)
CLASS_VICTORY_NAMED = re.compile(rf"\b(?:vainqueur|winner|victoire|victory|win)\s+(?:(?:en|in|chez\s+les)\s+(?:classe\s+|class\s+)?)?"
                                 rf"(?P<cls>(?-i:{CLASS_NAME}))(?=[\s,.])", F)
# Crews written "de A-B-C" after a car: "la n°54 Dinamic de Bachler-Cairoli-Engelhart".
_CREW_PART = r"(?-i:[A-ZÀ-Þ][\w’']*(?:\s+(?:van|von|der|den|de|di|da|le|la)\s+[A-ZÀ-Þ][\w’']*)*)"
HYPHEN_CREW = re.compile(rf"\b(?:de|d['’]|of)\s*(?P<crew>{_CREW_PART}(?:-{_CREW_PART}){{2,3}})\b")
# "… est 6e devant <car> de A-B-C et <car> de D-E-F": the cars behind, in the order written.
PLACE_AHEAD = re.compile(rf"\b(?:est|était|finit|termine|terminait|a\s+terminé|was|is|finished)\s+(?P<ord>{ORDX})\s+(?:devant|ahead\s+of)\s", F)
# What may stand between two crews of such a chain: cars, numbers, teams, and the linking words.
CHAIN_GAP = re.compile(r"^(?:[\s,]|\b(?:devant|ahead\s+of|et|and|puis|then|ainsi\s+que|la|le|les|l['’]|the|deux|two|trois|three|sa|son|leur|their|its|"
                       r"voiture|car|sœur|sister|n°\s?\d+|#\d+|No\.\s?\d+)\b|#\d+|n°\s?\d+|(?-i:[A-Z0-9][\w.’'/-]*)|\d[\w.-]*)*$", F)
WIN_ANY = re.compile(WIN_VERB + r"\b" + WIN_NOT, F)
WIN_CHAIN = re.compile(rf"^(?:\s+from|[^.;]{{0,120}}?\b(?:en\s+devançant|devançant|devant|ahead\s+of|a\s+devancé|beating|beat))\s+"
                       rf"(?:(?:his|her|their|son|sa)\s+(?:(?-i:[a-zé][\w-]*|[A-Z]{{2,}}[\w-]*)\s+){{2,3}}(?=(?-i:[A-ZÀ-Þ][a-zà-ÿ]))|(?:(?:the|les|le|la|son|sa|ses|his|her|their|l['’])\s*[\w-]+\s+){{1,2}})?(?P<list>{TOKEN_LIST})", F)
CLASS_CHAIN = re.compile(rf"^[^.;]*?\b(?:en\s+devançant|devançant|devant|ahead\s+of|face\s+à)\s+(?P<list>{TOKEN_LIST})")
# A paragraph that opens on one class's fight: "Tous les regards étaient sur la bataille de la catégorie LMGT3, …".
CLASS_TOPIC = re.compile(rf"\b(?:catégorie|classe|class|category)\s+(?-i:(?P<cls>{CLASS_NAME}))\b|(?-i:(?P<cls2>{CLASS_NAME}))\s+(?:class|category)\b", F)
FIN_STRONG_RE = re.compile(FIN_STRONG, F)
ORDX_RE = re.compile(ORDX, F)
LIST_RE = re.compile(rf"(?P<list>{TOKEN_LIST})")
CLASS_AHEAD = re.compile(rf"[^.;]*?\bahead\s+of\s+(?:(?-i:[A-Z][\w.-]*['’]s)\s+(?:[A-Z][\w.-]*['’]s\s+)?)?(?P<name>{TOKEN})")
CLASS_WITH = re.compile(rf"with\s+(?P<name>{TOKEN})\s+(?:earning|taking|claiming|in)\s+(?P<ord>{ORDX})")
# A pole given to a descriptor: "Le Français, déjà vainqueur à X, s'était élancé en pole position".
# A word for the pole-sitter where a name would be: "the poleman", "the pole-sitter",
# "l'auteur de la pole(-position)", "le poleman".
POLE_REFERENCE = re.compile(r"\b(?:the\s+pole[- ]?(?:man|sitter|setter)|the\s+polesitter|le\s+poleman|"
                            r"auteure?\s+de\s+la\s+pole(?:[- ]position)?)\b", F)
POLE_DESCRIPTOR = re.compile(r"\b(?:le|la|l['’]|the)\s*(?P<word>(?-i:[A-ZÀ-Þ][\w-]+))(?:\s*,[^.;]{0,120}?,)?\s+(?:had\s+|avait\s+)?"
                             r"(?:s['’]était\s+élancée?|s['’]élançait|s['’]élance|partait|était\s+partie?|started|starting|had\s+started)\s+"
                             r"(?:from|en|de\s+la|depuis\s+la|on)\s+(?:the\s+)?pole\b(?:[- ]position)?", F)
# A class won by a margin over the rest of its field: "… avec une belle avance sur le reste du plateau LMP3",
# "… well clear of the rest of the GT3 field"; its subject a name or "le duo", "the pair".
CLASS_CLEAR = re.compile(rf"\s*(?:(?P<crew>(?:le|l['’]|the)\s*(?:duo|équipage|trio|paire|pair|crew)\b)|(?P<list>{TOKEN_LIST}){PAREN})"
                         rf"(?P<gap>(?-i:[^A-ZÀ-Þ.;:\n]){{0,80}}?)\b(?:avance|ahead|clear|lead)\s+(?:sur|over|of)\s+"
                         rf"(?:le\s+reste\s+du\s+plateau|the\s+rest\s+of\s+the)\s+(?-i:(?P<cls>{CLASS_NAME}))\b", F)
# The subject crew of the sentence before: "A et B ont décroché …".
SUBJECT_CREW = re.compile(rf"\s*(?P<list>{TOKEN_LIST})\s+(?:ont|have|had|sont|were)\b", F)
