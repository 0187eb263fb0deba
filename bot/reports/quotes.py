"""Quotes in a race report and who said each.

A quote is a run of words between quotation marks (« », “ ”, „ “, straight "), one that runs
on into the next paragraph included (the next paragraph opens with the same mark). Its
speaker comes from, in this order:

- the attribution right after it: "…," said Jane Doe / "…", a déclaré Jane Doe / "…,"
  Doe told Autosport / « … », a-t-il confié / "…," said the Australian / "…" — Jane Doe on
  the next line;
- the sentence that leads into it: Jane Doe said: "…" / Vainqueur en Am, Jane Doe savourait :
  « … » / Il ajoute : « … » / Selon Jane Doe, « … »;
- a heading line above a quote that opens its paragraph: "LMP2 winner: Jane Doe" /
  "Jane Doe commente sa victoire".

A pronoun or a descriptor ("he", "le Néerlandais", "the championship leader") is the
speaker of the quote just before, or else the subject of the sentence before, and only when
that is unambiguous; a surname or a first name alone is the person the report names in
full, or stays as written. A team, an organiser or a team-mate is never guessed.

One statement is one quote: the parts of a quote split by its own attribution ("…," said X.
"…") and a quote carried on in the next paragraph are joined; the same speaker quoted again
after narrative text is a new quote.

`find_quotes` is what the extractor calls. The patterns are built on first use (this module
is imported when the command line starts).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from bot.lookup import normalise
from bot.reports.names import LEADING, NAME_RE, PARTICLES, Roster, is_team, tidy

# --- words ---------------------------------------------------------------------------------

_EN_VERBS = ["said", "says", "added", "adds", "explained", "explains", "admitted", "admits", "reflected", "reflects", "noted", "notes", "insisted", "insists", "beamed", "beams", "stated", "states", "commented", "comments", "told", "tells", "continued", "continues", "concluded", "concludes", "confirmed", "confirms", "revealed", "reveals", "remarked", "remarks", "observed", "observes", "acknowledged", "acknowledges", "conceded", "concedes", "declared", "declares", "enthused", "enthuses", "joked", "jokes", "laughed", "laughs", "smiled", "smiles", "sighed", "sighs", "lamented", "laments", "quipped", "quips", "recalled", "recalls", "recounted", "recounts", "summarised", "summarises", "summarized", "summarizes", "stressed", "stresses", "emphasised", "emphasises", "emphasized", "emphasizes", "claimed", "claims", "argued", "argues", "mused", "muses", "grinned", "grins", "exclaimed", "exclaims", "reckoned", "reckons", "predicted", "predicts", "warned", "warns", "vowed", "vows", "bemoaned", "bemoans", "complained", "complains", "agreed", "agrees", "replied", "replies", "responded", "responds", "answered", "answers", "asserted", "asserts", "boasted", "boasts", "cautioned", "cautions", "elaborated", "elaborates", "suggested", "suggests", "confessed", "confesses", "confided", "confides", "gushed", "gushes", "raved", "raves", "reiterated", "reiterates", "underlined", "underlines", "highlighted", "highlights", "wrote", "writes", "posted", "posts", "tweeted", "tweets", "assessed", "assesses", "analysed", "analyses", "analyzed", "analyzes", "described", "describes", "shrugged", "enthusiastically", "smiling", "laughing", "adding", "explaining", "admitting", "reflecting", "noting", "insisting"]
# Two-word verbs: "summed up", "went on".
_EN_PHRASES = ("summed up", "sums up", "summing up", "pointed out", "points out", "went on", "goes on",
               "opened up", "opens up", "was quoted as saying", "told reporters", "told the media", "told the press")
# Regular French -er verbs (stem + ending): déclar-er gives déclare, déclarait, déclara, a déclaré.
_FR_ER = ["déclar", "comment", "expliqu", "ajout", "confi", "précis", "analys", "racont", "lanc", "soulign", "résum", "estim", "affirm", "assur", "indiqu", "confirm", "insist", "not", "relev", "observ", "regrett", "déplor", "avou", "concéd", "savour", "jubil", "rappel", "gliss", "souffl", "lâch", "témoign", "confess", "constat", "plaisant", "positiv", "philosoph", "détaill", "martel", "tempér", "nuanc", "recadr", "exult", "avanc", "prévoy", "pronostiqu", "tranch", "annonc", "complét", "enchaîn", "continu", "résum", "soupir", "rigol", "ironis", "clam", "rassur", "reconnaiss", "admett"]
# Reflexive ones: s'enthousiasmer gives s'enthousiasme, s'enthousiasmait, s'est enthousiasmé.
_FR_REFLEXIVE = ["enthousiasm", "exclam", "amus", "étonn", "agac", "emport", "lament", "félicit", "désol", "inquiét", "exprim", "confi"]
# Irregular ones: present, imperfect, past participle (and passé simple).
_FR_IRREGULAR = {
    "dire": ("dit", "disait", "dit"),
    "reconnaître": ("reconnaît", "reconnaissait", "reconnu"),
    "reconnaitre": ("reconnait", "reconnaissait", "reconnu"),
    "admettre": ("admet", "admettait", "admis"),
    "poursuivre": ("poursuit", "poursuivait", "poursuivi"),
    "conclure": ("conclut", "concluait", "conclu"),
    "sourire": ("sourit", "souriait", "souri"),
    "réagir": ("réagit", "réagissait", "réagi"),
    "répondre": ("répond", "répondait", "répondu"),
    "reprendre": ("reprend", "reprenait", "repris"),
    "promettre": ("promet", "promettait", "promis"),
    "prévenir": ("prévient", "prévenait", "prévenu"),
    "soutenir": ("soutient", "soutenait", "soutenu"),
    "convenir": ("convient", "convenait", "convenu"),
    "rire": ("rit", "riait", "ri"),
    "écrire": ("écrit", "écrivait", "écrit"),
    "réjouir": ("réjouit", "réjouissait", "réjoui"),
    "avertir": ("avertit", "avertissait", "averti"),
    "décrire": ("décrit", "décrivait", "décrit"),
}

# Words before a name that are not part of it: titles, roles, nationalities, makes.
_TITLES = set(LEADING) | {
    "junior", "rookie", "champion", "pilote", "pilot", "driver", "rider", "veteran", "vétéran", "youngster", "star",
    "ace", "legend", "mr", "mrs", "ms", "dr", "sir", "former", "ex", "reigning", "defending", "world", "double",
    "triple", "new", "young", "jeune", "pole-sitter", "polesitter", "poleman", "racer", "local", "hero", "home",
    "also", "as", "while", "with", "for", "in", "on", "at", "of", "from", "by", "to", "that", "this", "although",
    "though", "before", "since", "until", "once", "meanwhile", "however", "today", "yesterday", "despite", "behind",
    "ahead", "trailing", "saturday", "sunday", "friday", "monday", "samedi", "dimanche", "vendredi", "lundi",
    "pendant", "lorsque", "puis", "ensuite", "derrière", "devant", "malgré", "grâce", "pour", "chez", "avec",
    "sans", "dans", "en", "au", "aux", "du", "des", "ce", "cette", "il", "elle", "seul", "enfin", "selon",
    "according", "speaking", "asked", "interrogé", "questionné", "both", "un", "une", "a", "an", "his",
    "her", "son", "sa", "ses", "our", "notre", "lui", "he", "she", "they", "we", "i", "je", "nous", "it", "its",
    "team", "équipe", "teammate", "team-mate", "coéquipier", "coéquipière", "pro", "am", "gt", "lmp2", "lmp3",
    "lmgt3", "hypercar", "gtd", "gtp", "gte", "silver", "bronze", "gold", "platinum", "class",
    "porsche", "ferrari", "bmw", "audi", "mercedes", "mercedes-amg", "mercedes-benz", "lamborghini", "mclaren",
    "toyota", "peugeot", "alpine", "cadillac", "acura", "honda", "ford", "chevrolet", "corvette", "lexus", "nissan",
    "hyundai", "ducati", "yamaha", "suzuki", "ktm", "aprilia", "kawasaki", "renault", "jaguar", "maserati",
    "williams", "haas", "sauber", "alfa", "romeo", "penske", "andretti", "ganassi", "mahindra", "nio", "ds",
    "lotus", "bentley", "genesis", "lancia", "citroën", "skoda", "volkswagen", "vw", "subaru", "kia", "mini",
    "opel", "seat", "cupra", "dallara", "oreca", "ligier", "duqueine", "bugatti", "mazda", "dodge",
}
_NATIONALITIES_EN = ["british", "briton", "english", "scottish", "scot", "welsh", "irish", "french", "frenchman", "frenchwoman", "german", "italian", "spanish", "spaniard", "dutch", "dutchman", "belgian", "swiss", "austrian", "portuguese", "brazilian", "argentine", "argentinian", "american", "canadian", "mexican", "colombian", "venezuelan", "chilean", "uruguayan", "australian", "aussie", "kiwi", "japanese", "chinese", "indian", "thai", "malaysian", "indonesian", "danish", "dane", "swedish", "swede", "norwegian", "finnish", "finn", "polish", "russian", "czech", "hungarian", "monegasque", "luxembourger", "estonian", "lithuanian", "latvian", "israeli", "emirati", "saudi", "turkish", "greek", "croatian", "slovenian", "slovak", "romanian", "ukrainian", "filipino", "singaporean", "korean", "zealander", "new-zealander", "south-african"]
_NATIONALITIES_FR = ["britannique", "anglais", "écossais", "gallois", "irlandais", "français", "allemand", "italien", "espagnol", "néerlandais", "hollandais", "batave", "belge", "suisse", "helvète", "autrichien", "portugais", "brésilien", "argentin", "américain", "canadien", "mexicain", "colombien", "vénézuélien", "chilien", "uruguayen", "australien", "néo-zélandais", "japonais", "nippon", "chinois", "indien", "thaïlandais", "malaisien", "indonésien", "danois", "suédois", "norvégien", "finlandais", "polonais", "russe", "tchèque", "hongrois", "monégasque", "luxembourgeois", "sud-africain", "estonien", "lituanien", "letton", "israélien", "émirati", "saoudien", "turc", "grec", "croate", "slovène", "slovaque", "roumain", "ukrainien", "philippin", "singapourien", "coréen", "tricolore", "transalpin", "ibère", "nordique"]


def _feminine(word: str) -> set[str]:
    forms = {word, word + "s"}
    if word.endswith(("ien", "éen")):
        forms |= {word + "ne", word + "nes"}
    elif not word.endswith(("e", "s")) or word.endswith(("ais", "ois")):
        forms |= {word + "e", word + "es"}
    return forms


_NATIONALITIES = set(_NATIONALITIES_EN) | {f for w in _NATIONALITIES_FR for f in _feminine(w)}
# Descriptors that name someone other than a driver the report is about: never guessed.
_NOT_A_DRIVER = {
    "team", "équipe", "écurie", "squad", "outfit", "manufacturer", "constructeur", "marque", "brand", "organisers",
    "organizers", "organisateurs", "organisation", "fia", "stewards", "commissaires", "statement", "communiqué",
    "spokesman", "spokeswoman", "spokesperson", "porte-parole", "boss", "principal", "directeur", "director",
    "manager", "engineer", "ingénieur", "patron", "chief", "ceo", "président", "president", "chairman", "father",
    "mother", "père", "mère", "wife", "husband", "femme", "mari", "brother", "sister", "frère", "sœur", "son",
    "fils", "fille", "daughter", "teammate", "team-mate", "coéquipier", "coéquipière", "équipier", "équipière",
    "partenaire", "partner", "co-driver", "copilote", "navigator", "rival", "rivals", "adversaire", "opponent",
    "owner", "propriétaire", "founder", "fondateur", "official", "officials", "officiel", "race", "course",
    "direction", "management", "group", "groupe", "company", "société", "sponsor", "crew", "mechanic",
    "mécanicien", "strategist", "stratège", "coach", "doctor", "médecin", "journalist", "journaliste", "commentator",
    "consultant", "pundit", "analyst", "former", "ancien", "legend", "légende", "steward",
}
# Words of a team's name that bot.reports.names does not list.
_TEAM_WORDS = {"gt", "gt2", "gt4", "lmp2", "lmp3", "motorsports", "racing", "squadra", "scuderia", "équipe", "works"}
# Single capitalised words after "said" that are outlets or organisations, not people.
_NOT_A_PERSON = {"autosport", "motorsport", "reuters", "afp", "ap", "espn", "sky", "bbc", "canal", "eurosport",
                 "l'équipe", "lequipe", "nbc", "fox", "fia", "imsa", "aco", "indycar", "nascar", "dorna", "formula",
                 "the", "he", "she", "il", "elle", "they", "ils", "elles", "we", "nous", "on", "i", "je"}
# Words between a saying verb and its speaker: "a déclaré de son côté Jane Doe", "said later Doe".
_FILLER = re.compile(r"(?:[ \t\u00a0]*,?[ \t\u00a0]*(?:de\s+son\s+côté|pour\s+sa\s+part|quant\s+à\s+(?:lui|elle)|"
                     r"(?:lui|elle)\s+aussi|à\s+son\s+tour|ensuite|alors|encore|aussi|également|"
                     r"plus\s+tard|then|later|afterwards|too|also|simply|later\s+on)\b[ \t\u00a0]*,?)*", re.IGNORECASE)
_UPPER = "A-ZÀ-ÖØ-ÞŒŠŽ"
_LOWER = "a-zß-öø-ÿœšž"
_WORD = rf"[{_UPPER}][{_UPPER}{_LOWER}'’]*(?:-[{_UPPER}][{_UPPER}{_LOWER}'’]*)*"
_PART = "(?:" + "|".join(PARTICLES) + ")"


def _fr_verb_forms() -> tuple[list[str], list[str]]:
    """(forms with the speaker after or before, inverted forms whose speaker is il/elle), as
    plain lower-case strings (apostrophe ', single spaces)."""
    plain, inverted = [], []
    auxes = ("a", "avait", "aura", "aurait")
    invs = ("-t-il", "-t-elle", "-il", "-elle")

    def de(verb: str) -> str:  # "Et Jane Doe d'ajouter :", "… de poursuivre"
        """The infinitive after "de" (elided before a vowel)."""
        return ("d'" if verb[0] in "aeiouéèêh" else "de ") + verb

    for stem in _FR_ER:
        if stem.endswith(("ss", "tt")):  # reconnaiss-, admett-: the imperfect only
            plain.append(stem + "ait")
            inverted += [stem + "ait" + i for i in invs]
            continue
        soft = stem + ("e" if stem.endswith("g") else "")  # "glissa", "mangea"
        pres, imp, past, simple = stem + "e", soft + "ait", stem + "é", soft + "a"
        plain += [pres, imp, simple, de(stem + "er")] + [f"{a} {past}" for a in auxes]
        inverted += [f + i for f in (pres, imp, simple) for i in invs] + [f"{a}{i} {past}" for a in auxes for i in invs]
    for stem in _FR_REFLEXIVE:
        se = "s'" if stem[0] in "aeiouéèêh" else "se "
        plain += [se + stem + "e", se + stem + "ait", f"s'est {stem}é", f"s'est {stem}ée", de(stem + "er")]
        inverted += [se + stem + f + i for f in ("e", "ait") for i in invs] + [
            f"s'est{i} {stem}{e}" for i in invs for e in ("é", "ée")]
    for pres, imp, past in _FR_IRREGULAR.values():
        plain += [pres, imp] + [f"{a} {past}" for a in auxes]
        inverted += [f + i for f in (pres, imp) for i in invs] + [f"{a}{i} {past}" for a in auxes for i in invs]
    plain += ["s'est réjoui", "s'est réjouie", "se réjouit", "se réjouissait"]
    return plain, inverted


def _trie(words: list[str]) -> str:
    """One regular expression matching any of `words`, as a trie: each position tries one
    branch per next letter, not every word (hundreds of verb forms stay fast)."""
    tree: dict = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        """The pattern of one node of the word tree: its branches, optional where a word ends."""
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return "(?:" + body + ")?"
        return body

    return build(tree)


def _fold(text: str) -> str:
    """The text with one apostrophe and one kind of space (same length, same positions)."""
    return text.replace("’", "'").replace("\u00a0", " ").replace("\t", " ")


def _verb_at(text: str, pos: int, inverted: bool = False) -> int | None:
    """Where a saying verb starting at `pos` ends."""
    rx = _patterns()
    m = (rx.inverted if inverted else rx.verb).match(_fold(text[pos:pos + 60]))
    return pos + m.end() if m else None


def _verbs_in(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _patterns().verb.finditer(_fold(text))]


@dataclass(frozen=True)
class _Patterns:
    verb: re.Pattern  # any saying verb, at a position
    inverted: re.Pattern  # "a-t-il déclaré", "explique-t-elle": the speaker is a pronoun
    after: re.Pattern  # the start of an attribution after a quote
    name: re.Pattern  # a name at a position, a lower-case particle first included
    single: re.Pattern  # one capitalised word
    descriptor: re.Pattern  # "the Australian", "le Néerlandais", "the 18-year-old Italian"
    dash_line: re.Pattern  # a pull-quote's attribution on its own line
    heading_label: re.Pattern  # "LMP2 winner: Jane Doe"
    selon: re.Pattern  # "Selon Jane Doe, « … »"
    sentence_end: re.Pattern
    openers: re.Pattern
    stops: dict[str, re.Pattern]  # what ends or breaks a quotation, by its opening mark


def warm_up() -> None:
    """Build the patterns now (the report workers do, before their first job)."""
    _patterns()


@lru_cache(maxsize=1)
def _patterns() -> _Patterns:
    fr_plain, fr_inverted = _fr_verb_forms()
    en = _EN_VERBS + list(_EN_PHRASES)
    verb = r"(?<![\w'-])" + _trie(sorted({v.lower() for v in en + fr_plain})) + r"(?![\w'-])"
    inv = r"(?<![\w'-])" + _trie(sorted({v.lower() for v in fr_inverted})) + r"(?![\w'-])"
    name = (rf"(?-i:(?<![\w-])(?:{_PART}[ \t\u00a0]+){{0,2}}{_WORD}(?:[ \t\u00a0]+(?:{_PART}[ \t\u00a0]+){{0,2}}"
            rf"{_WORD}){{0,4}})")
    return _Patterns(
        verb=re.compile(verb, re.IGNORECASE),
        inverted=re.compile(inv, re.IGNORECASE),
        after=re.compile(r"[ \t\u00a0]*(?:[,;]|[.!?](?=[ \t\u00a0]*[a-zà-ÿ—–-]))?[ \t\u00a0]*(?:[—–―-]+[ \t\u00a0]*)?"),
        name=re.compile(name),
        single=re.compile(rf"(?-i:{_WORD})"),
        descriptor=re.compile(r"(?:the|le|la|l['’]|les|a|an|un|une|our|notre|his|her|son|sa)\b[ \t\u00a0]*"
                              r"(?P<words>[^,.;:!?«»“”\"\n()]{1,60}?)(?=[ \t\u00a0]*(?:[,.;:!?«»“”\"\n(]|$|"
                              r"\b(?:who|qui|after|before|après|avant|as|when|lors|in|at|on|with|to|au|à|de|"
                              r"du|pour|about|of|dans|en|sur|than|que|said|says|told|added)\b))", re.IGNORECASE),
        dash_line=re.compile(rf"[ \t\u00a0]*\n\s*[—–―-]+[ \t\u00a0]*(?P<name>{name})"),
        heading_label=re.compile(rf"^[^\n:.!?]{{0,60}}[:—–]\s*(?P<name>{name})\s*(?:\([^)\n]{{0,60}}\))?\s*$|"
                                 rf"^\s*(?P<name2>{name})\s*(?:\([^)\n]{{0,60}}\))?\s*:\s*$"),
        selon=re.compile(rf"\b(?:selon|d['’]après|pour|according\s+to|for|in\s+the\s+words\s+of)\s+"
                         rf"(?P<name>{name})\s*,?\s*$", re.IGNORECASE),
        sentence_end=re.compile(r"(?<!\bNo)(?<!\bNr)(?<!\bSt)(?<!\bMr)(?<!\bDr)(?<!\bJr)(?<!\bSr)(?<!\bvs)(?<!\bMs)"
                                r"[.!?…](?=[\s\"”»’]|$)|\n"),
        openers=re.compile('[«“„"]'),
        stops={c: re.compile("[" + re.escape(closers + c) + "\n]") for c, closers in _CLOSE.items()},
    )


# --- quotation marks -----------------------------------------------------------------------

_CLOSE = {"«": "»", "“": "”", "„": "“”", '"': '"'}


@dataclass
class _Segment:
    start: int  # the opening mark
    end: int  # just after the closing mark
    words: str


def _segments(text: str) -> list[_Segment]:
    """Each quotation in the text, one carried on into the next paragraph (the paragraph
    opens with the same mark and the last one did not close) as one segment."""
    found: list[_Segment] = []
    i = 0
    openers = _patterns().openers
    while True:
        m = openers.search(text, i)
        if not m:
            return found
        i = m.start()
        c = m.group(0)
        if c == '"' and not _opens_straight(text, i):
            i += 1
            continue
        seg, resume = _close(text, i, c)
        if seg is None:
            i = max(resume, i + 1)
            continue
        found.append(seg)
        i = seg.end


def _close(text: str, i: int, c: str) -> tuple[_Segment | None, int]:
    """The quotation opened by `c` at `i`, or None and where to look on from."""
    closers, n = _CLOSE[c], len(text)
    stops = _patterns().stops[c]
    parts, part_start, j = [], i + 1, i + 1
    while j < n and j - i < 6000:
        m = stops.search(text, j, min(n, i + 6000))
        if not m:
            break
        j, d = m.start(), m.group(0)
        if d in closers and (c != '"' or _closes_straight(text, j)) and not (c == "„" and d == c):
            parts.append(text[part_start:j])
            words = " ".join(" ".join(p.split()) for p in parts if p.strip())
            return _Segment(i, j + 1, words.strip(" \t\n\u00a0")), j + 1
        if d == "\n":
            k = j
            while k < n and text[k] in " \t\r\n\u00a0":
                k += 1
            if k < n and text[k] == c and (c != '"' or _opens_straight(text, k)):
                parts.append(text[part_start:j])  # the quote carries on in the next paragraph
                j = part_start = k + 1
                continue
            if c == '"' or "\n" in text[j + 1:k]:
                return None, j  # a straight quote, or a blank line: not closed in its paragraph
            j += 1
            continue
        if d == c:
            return None, j  # another quote opens before this one closes
        j += 1
    return None, j


_WINDOW = 1500  # how far back a quote's line or paragraph is looked for: reading stays linear


def _line_start(text: str, pos: int) -> int:
    """Where the line holding `pos` starts (at most _WINDOW characters back)."""
    low = max(0, pos - _WINDOW)
    return max(text.rfind("\n", low, pos) + 1, low)


def _opens_straight(text: str, i: int) -> bool:
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not (before.isalnum() or before in "\"'’") and not after.isspace()


def _closes_straight(text: str, j: int) -> bool:
    before = text[j - 1]
    after = text[j + 1] if j + 1 < len(text) else " "
    return not before.isspace() and not after.isalnum()


# --- names ---------------------------------------------------------------------------------


class _People:
    """The people a report names in full, to expand a surname or a first name alone."""

    def __init__(self, text: str, roster: Roster):
        self.roster = roster
        self.full: list[str] = []
        seen = set()
        for m in NAME_RE.finditer(text):
            name = _clean(m.group(0))
            if name and len(name.split()) >= 2 and normalise(name) not in seen:
                seen.add(normalise(name))
                self.full.append(name)

    def resolve(self, word: str) -> str | None:
        """The full name a surname (or a first name) alone means; the word as written when
        the report never gives it in full; None for an outlet or a make."""
        word = word.strip("'’")
        if word.endswith(("'s", "’s")):
            return None  # "Doe's car": not a speaker
        key = normalise(word)
        if not key or key in _NOT_A_PERSON or key in _TITLES or key in _NATIONALITIES:
            return None
        last = [f for f in self.full if normalise(f).endswith(" " + key)]
        if len(last) == 1:
            return last[0]
        if not last:
            first = [f for f in self.full if normalise(f).split()[0] == key]
            if len(first) == 1:
                return first[0]
        known = self.roster.resolve(word)
        if known:
            return known
        return tidy(word) if not is_team(word) else None

    def mentions(self, text: str) -> list[tuple[int, str]]:
        """(position, person) of each person named in `text`, in order: full names, and
        words that are the surname of exactly one of them."""
        out: list[tuple[int, str]] = []
        taken: list[tuple[int, int]] = []
        for m in _patterns().name.finditer(text):
            name = _clean(m.group(0))
            if name and _full(name):
                out.append((m.start(), name))
                taken.append(m.span())
            elif name:
                person = self._known_single(name)
                if person:
                    out.append((m.start(), person))
                    taken.append(m.span())
        for m in _patterns().single.finditer(text):
            if any(s <= m.start() < e for s, e in taken):
                continue
            person = self._known_single(m.group(0))
            if person:
                out.append((m.start(), person))
        return sorted(out)

    def _known_single(self, word: str) -> str | None:
        key = normalise(word.removesuffix("’s").removesuffix("'s"))
        matches = [f for f in self.full if normalise(f).endswith(" " + key)]
        return matches[0] if len(matches) == 1 else None


def _full(name: str) -> bool:
    """A first name and a surname, not a surname alone ("ten Voorde")."""
    words = name.split()
    return len(words) >= 2 and words[0][:1].isupper()


def _clean(raw: str) -> str | None:
    """A written name without the words before it that are not the name ("Porsche Junior",
    "Brazilian", "Le Néerlandais"); None for a team."""
    words = raw.split()
    while len(words) > 1 and (words[0].lower().strip("'’") in _TITLES or words[0].lower() in _NATIONALITIES):
        words = words[1:]
    if not words or (len(words) == 1 and (words[0].lower() in _TITLES or words[0].lower() in _NATIONALITIES)):
        return None
    name = tidy(" ".join(words))
    if is_team(name) or any(w.lower() in _NOT_A_DRIVER or w.lower() in _TEAM_WORDS for w in name.split()):
        return None
    return name


# --- attribution ---------------------------------------------------------------------------


@dataclass
class _Found:
    kind: str  # "name" (a person), "context" (a pronoun or a descriptor), "none" (a team, an outlet)
    speaker: str | None = None
    end: int = 0  # where the attribution ends (in the text searched)
    confidence: float = 0.0


def _who(text: str, pos: int, people: _People, name: Callable[[str], str | None]) -> _Found | None:
    """The speaker written at `pos`: a name, a surname alone, a pronoun or a descriptor."""
    rx = _patterns()
    rest = text[pos:pos + 120]
    lead = len(rest) - len(rest.lstrip(" \t\u00a0"))
    rest = rest[lead:]
    m = re.match(r"(he|she|il|elle)\b", rest, re.IGNORECASE)
    if m:
        return _Found("context", end=pos + lead + m.end())
    m = rx.name.match(rest)
    if m:
        raw = m.group(0)
        end = pos + lead + m.end()
        possessive = raw.endswith(("'s", "’s"))
        cleaned = None if possessive else _clean(raw)
        if cleaned and _full(cleaned):
            person = name(cleaned)
            return _Found("name", person, end, 0.9) if person else _Found("none", end=end)
        if cleaned:  # a surname or first name alone, "ten Voorde" included
            person = people.resolve(cleaned)
            return _Found("name", person, end, 0.8) if person else _Found("none", end=end)
        words = [w.lower().strip("'’") for w in raw.split()]
        if not possessive and not any(w in _NOT_A_DRIVER for w in words) and all(
                w in _TITLES or w in _NATIONALITIES for w in words):
            return _Found("context", end=end)  # "The Australian said", "le Néerlandais"
        # A team, a title or someone's role before a name: "Mercedes boss Toto Wolff",
        # "Doe's engineer Jo Banks".
        tail = re.match(r"[ \t\u00a0]+(?:[a-zà-ÿ-]+[ \t\u00a0]+){0,3}", text[end:end + 60])
        if tail:
            inner = rx.name.match(text, end + tail.end())
            if inner and (c := _clean(inner.group(0))) and _full(c):
                person = name(c)
                return _Found("name", person, inner.end(), 0.85) if person else _Found("none", end=inner.end())
        return _Found("none", end=end)
    m = rx.descriptor.match(rest)
    if m:
        end = pos + lead + m.end()
        words = m.group("words")
        inner = rx.name.search(words)
        if inner and (c := _clean(inner.group(0))) and _full(c):
            # "said an elated Jane Doe", "a déclaré le pilote britannique Jane Doe"
            person = name(c)
            return _Found("name", person, end, 0.85) if person else _Found("none", end=end)
        lowered = {w.strip("'’") for w in re.split(r"[\s-]+", words.lower())}
        if lowered & _NOT_A_DRIVER or "team-mate" in words.lower():
            return _Found("none", end=end)
        return _Found("context", end=end)
    return None


def _after(text: str, seg: _Segment, people: _People, name: Callable[[str], str | None]) -> _Found | None:
    """The attribution right after a quote: "…," said X / "…," X said / « … », a-t-il dit."""
    rx = _patterns()
    dash = rx.dash_line.match(text, seg.end)
    if dash:
        found = _who(text, dash.start("name"), people, name)
        if found and found.kind == "name":
            return found
    lead = rx.after.match(text, seg.end)
    pos = lead.end()
    if text[seg.end:pos].count("\n"):
        return None
    inv = _verb_at(text, pos, inverted=True)
    if inv:
        return _Found("context", end=inv)
    verb_end = _verb_at(text, pos)
    if verb_end:
        # "said Jane Doe", "a déclaré le Néerlandais", "said an emotional Doe", "a déclaré de
        # son côté Jane Doe"
        filler = _FILLER.match(text, verb_end)
        return _who(text, filler.end(), people, name) or _Found("none", end=verb_end)
    m = re.match(r"(?:selon|d['’]après|according\s+to|dixit)\s+", text[pos:pos + 20], re.IGNORECASE)
    if m:
        return _who(text, pos + m.end(), people, name)
    who = _who(text, pos, people, name)
    if who:
        # "Doe said", "he added", "the Australian explained", "Doe told Autosport"
        gap = re.match(r"[ \t\u00a0]*(?:,[^,.;:\n]{1,60},[ \t\u00a0]*)?(?:(?:also|then|later|simply|just|"
                       r"quickly|afterwards|ensuite|alors|aussi)[ \t\u00a0]+)?", text[who.end:who.end + 80], re.IGNORECASE)
        if _verb_at(text, who.end + gap.end()):
            return who
    return None


def _before(text: str, seg: _Segment, line_start: int, people: _People,
            name: Callable[[str], str | None]) -> _Found | None:
    """The sentence that leads into a quote: Jane Doe said: "…" / Il ajoute : « … »."""
    rx = _patterns()
    before = text[max(line_start, seg.start - 400):seg.start]
    if not before.strip() or before.rstrip()[-1] in ".!?\"”»’)…":
        return None  # the sentence before has ended: it does not lead into the quote
    cuts = [m.end() for m in rx.sentence_end.finditer(before)]
    sentence = before[cuts[-1] if cuts else 0:]
    offset = seg.start - len(sentence)
    stripped = sentence.rstrip(" \t\u00a0")
    if not stripped:
        return None
    low = max(0, len(stripped) - 120)
    selon = rx.selon.search(stripped, low)
    if selon:
        return _who(text, offset + selon.start("name"), people, name)
    tail = max(0, len(stripped) - 60)  # the verb is among the last words, or it does not lead in
    verbs = [(a + tail, b + tail) for a, b in _verbs_in(stripped[tail:])]
    colon = stripped.endswith(":")
    last_verb = verbs[-1] if verbs else None
    # The verb ends the sentence ("…, Doe said, “…”", "Il ajoute : « … »", "and said: “…”").
    verb_at_end = last_verb and re.fullmatch(r"[ \t\u00a0]*(?:[a-zà-ÿ]+[ \t\u00a0]+){0,2}?[:,]?[ \t\u00a0]*"
                                             r"(?:that|que|qu['’])?[ \t\u00a0]*", stripped[last_verb[1]:])
    if not colon and not verb_at_end:
        return None
    if last_verb and verb_at_end:
        # The subject, not a name inside a clause about it ("Doe, who drove for Vortex GT, said:").
        head = _RELATIVE.sub(lambda m: " " * len(m.group(0)), stripped[:last_verb[0]])
        if re.search(r"\b(?:he|she|il|elle)[ \t\u00a0]+(?:[a-zà-ÿ]+[ \t\u00a0]+){0,2}$", head, re.IGNORECASE) or \
                re.search(r"\b(?:he|she|il|elle)$", head.rstrip(), re.IGNORECASE):
            return _Found("context", end=seg.start)
        mentions = people.mentions(head)
        found = _person_from_mentions(text, offset, head, people, name, last=True)
        if found:
            return found
        if not mentions:
            after = _who(text, offset + last_verb[1], people, name)  # "Et Jane Doe d'ajouter :"
            if after and after.kind == "name":
                return after
        return None
    # A colon with no saying verb: the subject of the sentence ("Vainqueur en B, Jane Doe
    # ne cachait pas sa joie : « … »"), or the last speaker for "Il ne cachait pas sa joie :".
    if re.match(r"\s*(?:he|she|il|elle)\b", stripped, re.IGNORECASE):
        return _Found("context", end=seg.start)
    return _person_from_mentions(text, offset, stripped, people, name, last=False)


_RELATIVE = re.compile(r",\s*(?:who|whose|which|where|qui|dont|où)\b[^,]*(?:,|$)", re.IGNORECASE)


def _person_from_mentions(text: str, offset: int, span: str, people: _People, name: Callable[[str], str | None],
                          last: bool) -> _Found | None:
    """The person named in `span` nearest its end (`last`) or first."""
    rx = _patterns()
    candidates = []
    for m in NAME_RE.finditer(span):
        if m.group(0).endswith(("'s", "’s")):
            continue
        c = _clean(m.group(0))
        if c and _full(c):
            candidates.append((m.start(), c))
        elif c:
            person = people._known_single(c)
            if person:
                candidates.append((m.start(), person))
    taken = {pos for pos, _ in candidates}
    for m in rx.single.finditer(span):
        if m.start() not in taken and not any(s <= m.start() < s + len(n) for s, n in candidates) and \
                (person := people._known_single(m.group(0))) and not m.group(0).endswith(("'s", "’s")):
            candidates.append((m.start(), person))
    if not candidates:
        return None
    candidates.sort()
    pos, who = candidates[-1] if last else candidates[0]
    person = name(who) if _full(who) else people.resolve(who)
    return _Found("name", person, offset + pos, 0.85) if person else None


def _heading(text: str, line_start: int, people: _People, name: Callable[[str], str | None]) -> _Found | None:
    """A heading line right above a quote's paragraph: "LMP2 winner: Jane Doe", "Jane Doe:",
    "Jane Doe commente sa victoire"."""
    rx = _patterns()
    prev_end = line_start - 1
    while prev_end > 0 and not text[_line_start(text, prev_end):prev_end].strip():
        prev_end = _line_start(text, prev_end) - 1
    if prev_end <= 0:
        return None
    line = text[_line_start(text, prev_end):prev_end].strip()
    if not line or len(line) > 100 or line[-1] in ".!?»”\"":
        return None
    label = rx.heading_label.match(line)
    if label:
        raw = label.group("name") or label.group("name2")
        c = _clean(raw)
        if c and _full(c) and (person := name(c)):
            return _Found("name", person, confidence=0.75)
        return None
    if _verbs_in(line):
        mentions = {p for _, p in people.mentions(line)}
        if len(mentions) == 1:
            (who,) = mentions
            return _Found("name", name(who) if _full(who) else people.resolve(who), confidence=0.75)
    return None


def _context(text: str, start: int, people: _People, last: str | None, last_end: int) -> str | None:
    """Who "he" or "the Australian" is: the speaker of the quote just before when nobody
    else is named since, else the subject of the sentence before, when that is clear."""
    if last and 0 <= last_end <= start and start - last_end < 600 and all(
            p == last for _, p in people.mentions(text[last_end:start])):
        return last  # nobody else named since the last quote
    rx = _patterns()
    para_start = _line_start(text, start)
    if not text[para_start:start].strip():  # the quote opens its paragraph: the one before
        para_start = _line_start(text, len(text[max(0, para_start - _WINDOW):para_start].rstrip()) +
                                 max(0, para_start - _WINDOW))
    before = text[max(para_start, max(last_end, 0)):start]
    cuts = [0] + [m.end() for m in rx.sentence_end.finditer(before)]
    for a, b in reversed(list(zip(cuts, cuts[1:] + [len(before)]))):
        sentence = before[a:b]
        mentions = people.mentions(sentence)
        if not mentions:
            continue
        distinct = {p for _, p in mentions}
        if len(distinct) == 1:
            return mentions[0][1]
        (first_pos, first), (second_pos, _) = mentions[0], next(m for m in mentions if m[1] != mentions[0][1])
        pair = sentence[first_pos:second_pos]
        if len(pair.split()) <= 5 and re.search(r"(?:,|&|\band|\bet|\bwith|\bavec)\s*$", pair, re.IGNORECASE):
            return None  # "Doe and Roe …": two subjects
        words_before = len(sentence[:first_pos].split())
        return first if words_before <= 2 else None
    return None


# --- quotes --------------------------------------------------------------------------------

# One statement, one quote: the parts of a quote split by its attribution, and a quote carried
# on in the next paragraph, are joined (the development set's gold counts them once). False
# gives each part as a quote of its own, the same speaker's.
JOIN_PARTS = True


@dataclass
class _Quote:
    speaker: str
    confidence: float
    start: int
    end: int
    parts: list[str] = field(default_factory=list)


def find_quotes(text: str, roster: Roster, name: Callable[[str], str | None]) -> Iterator[tuple[str, str, float, tuple[int, int]]]:
    """(speaker, words, confidence, span) of each quoted statement whose speaker can be
    told; `name` turns a written name into a driver (None for a team), `roster` resolves
    surnames."""
    people = _People(text, roster)
    quotes: list[_Quote] = []
    last: _Quote | None = None
    last_end = -1  # the end of the last quotation, attributed or not
    for seg in _segments(text):
        if len(seg.words.split(None, 2)) < 2:
            last_end = seg.end
            continue  # one word in quotes is a name for something, never a statement
        line_start = _line_start(text, seg.start)
        opens_paragraph = not text[line_start:seg.start].strip()
        after = _after(text, seg, people, name)
        explicit = after is not None and after.kind == "name" and after.speaker
        if len(seg.words.split()) < (2 if explicit else 4) or not re.search(r"\w", seg.words):
            last_end = seg.end
            continue  # a word in quotes ("spéciale") is emphasis, not a quote
        found = after if explicit else None
        if after is not None and after.kind == "none":
            last_end = seg.end
            continue  # a team, an outlet or a team-mate said it
        if found is None:
            before = _before(text, seg, line_start, people, name)
            if before is not None and before.kind == "name" and before.speaker:
                found = before
            elif before is not None and before.kind == "context" or after is not None and after.kind == "context":
                who = _context(text, seg.start, people, last.speaker if last else None,
                               last.end if last else -1)
                found = _Found("name", who, 0, 0.7) if who else None
                if found is None:
                    last_end = seg.end
                    continue
        between = text[last.end:seg.start] if last else ""
        if found is None and last is not None and _continues(text, last, seg):
            found = _Found("name", last.speaker, 0, min(last.confidence, 0.85))  # its speaker was not named here
        if found is None and opens_paragraph:
            h = _heading(text, line_start, people, name)
            if h and h.speaker:
                found = h
        if found is None and last is not None and opens_paragraph and len(between) < 300 and \
                all(p == last.speaker for _, p in people.mentions(between)) and not _segments(between) and \
                last_end == last.end:
            found = _Found("name", last.speaker, 0, 0.6)  # the same speaker, after a line of narrative
        if found is None or not found.speaker:
            last_end = seg.end
            continue
        # A part carrying its own named attribution after it ("«…», a déclaré X.") is a
        # statement of its own, even from the same speaker right after the last one.
        if JOIN_PARTS and last is not None and found.speaker == last.speaker and not explicit and \
                _continues(text, last, seg, found):
            last.parts.append(seg.words)
            last.end = seg.end
            last_end = seg.end
            continue
        last = _Quote(found.speaker, found.confidence or 0.8, seg.start, seg.end, [seg.words])
        quotes.append(last)
        last_end = seg.end
    for q in quotes:
        yield q.speaker, " ".join(p for p in q.parts if p).strip(), q.confidence, (q.start, q.end)


def _continues(text: str, last: _Quote, seg: _Segment, found: _Found | None = None) -> bool:
    """Whether `seg` carries on the statement `last`: nothing between them but the
    attribution of `last` (one sentence), and at most a paragraph break after it."""
    rx = _patterns()
    between = text[last.end:seg.start]
    head, _, tail = between.partition("\n")
    if tail.strip():
        return False  # a line of narrative in between: a new statement
    if found is not None and found.end and last.end <= found.end <= seg.start:
        return False  # the new part has its own attribution before it ("Il ajoute :")
    if not head.strip(" \t\u00a0,.;"):
        return True
    # "…," said Doe, who won. "…": the attribution sentence, and nothing after it.
    if not (_verbs_in(head) or _patterns().inverted.search(_fold(head))):
        return False
    ends = [m.end() for m in rx.sentence_end.finditer(head)]
    return len(ends) <= 1 and (not ends or not head[ends[0]:].strip()) and not head.rstrip().endswith(":")
