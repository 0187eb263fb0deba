"""A race report in, facts out: event, pole and grid, incidents, finishing order overall
and by class, rookies, and quotes with their speakers.

Every fact carries a confidence and the character span of the words it came from, so a
person (or `--dry-run --json`) can check it against the text. Nothing is guessed beyond
what a pattern matched: a report that names no result yields no result.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.laptime import LapTimeError, parse_lap_time
from bot.reports.names import NAME_RE, NOT_DRIVER_WORDS, NOT_SURNAME, PARTICLES, TITLE_WORDS, Roster, is_team, split_list, tidy
from bot.reports.quotes import find_quotes


class _Patterns:
    """bot.reports.patterns, imported when a report is first read: compiling its expressions
    takes a tenth of a second, which every `pitboard` command (and every start of the bot)
    would pay otherwise, though few of them read a report. The report workers' server
    imports it up front (bot.reports.jobs.PRELOAD), so no job pays it either."""

    def __getattr__(self, name: str):
        from bot.reports import patterns

        return getattr(patterns, name)


P = _Patterns()


@dataclass(frozen=True)
class Fact:
    kind: str  # event, pole, grid, result, class_result, rookie, crash, safety_car, vsc, red_flag, quote
    data: dict
    confidence: float
    span: tuple[int, int]


@dataclass
class Extraction:
    text: str
    language: str
    facts: list[Fact] = field(default_factory=list)

    def of(self, kind: str) -> list[Fact]:
        """The facts of one kind, in the order found."""
        return [f for f in self.facts if f.kind == kind]

    def add(self, kind: str, data: dict, confidence: float, span: tuple[int, int]) -> Fact:
        """Record a fact unless the same one is already known."""
        fact = Fact(kind, data, round(confidence, 2), span)
        if not any(f.kind == kind and f.data == data for f in self.facts):
            self.facts.append(fact)
        return fact


def language(text: str) -> str:
    """fr or en, by counting each language's commonest words."""
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    score = {lang: sum(w in stop for w in words) for lang, stop in P.STOPWORDS.items()}
    return max(score, key=score.get)


def _sentences(text: str, start: int = 0, end: int | None = None):
    """(start, end) of each sentence: cut at . ! ? and at paragraph breaks, not inside quotes."""
    end = len(text) if end is None else end
    pos, depth = start, 0
    for i in range(start, end):
        c = text[i]
        if c in "«“":
            depth += 1
        elif c in "»”" and depth:
            depth -= 1
        elif c == "\n" or (c in ".!?" and not depth and (i + 1 >= end or text[i + 1] in " \n\"”»") and
                            not (c == "." and _ABBREVIATION.search(text, max(start, i - 4), i))):
            if i + 1 > pos and text[pos:i + 1].strip():
                yield pos, i + 1
            pos = i + 1
    if text[pos:end].strip():
        yield pos, end


_CLAUSE_CUT = re.compile(r"[;:–—]|,\s|\s(?:while|whilst|but|mais|tandis\s+que|alors\s+que|before|avant\s+de|after|après)\s", re.I)
# "No. 7", "St. Petersburg", "J. Smith": a full stop that ends no sentence.
_ABBREVIATION = re.compile(r"(?:\b(?:No|Nr|St|Mr|Dr|vs|Jr|Sr|Mt)|(?<![\w.])[A-Z])$")


class Extractor:
    """One pass over a report; `known` drivers (of the event, if known) help with names."""

    def __init__(self, text: str, known: list[str] | None = None):
        self.text = text
        self.out = Extraction(text, language(text))
        self.roster = Roster(known)
        self.race_from = len(text)

    def name(self, raw: str) -> str | None:
        """The driver a written name means (None for a team that looks like a person)."""
        name = tidy(raw)
        if is_team(name):
            return None
        return self.roster.add(name)

    def names(self, raw: str, after: str = "") -> list[str]:
        """The drivers of a written list, in order; the last one is left out when the words
        `after` the list say something else of them ("…, Hugo Vernet ayant abandonné")."""
        names = [n for n in (self.name(x) for x in split_list(raw)) if n]
        return names[:-1] if names and P.CLAUSE_AFTER.match(after) else names

    def run(self) -> Extraction:
        """Every kind of fact, in an order where later rules can use earlier facts."""
        self._event()
        self._race_start()
        self._pole_and_grid()
        self._race_results()
        self._class_results()
        self._settle_classes()
        self._rookies()
        self._incidents()
        self._quotes()
        if not self.out.of("pole"):
            self._pole_by_reference()  # last: the drivers the whole report names are known by now
        self._teams()
        return self.out

    def _teams(self) -> None:
        """A result's team, where the report writes it in brackets after the driver:
        "Jean Blanc (Blanc Racing)", "(CH/Lechner Racing)" — only a bracket that reads as a team
        (Racing, Motorsport, Team …), never a nationality or a car number."""
        for fact in self.out.facts:
            if fact.kind not in ("result", "class_result") or "team" in fact.data or " / " in fact.data["driver"]:
                continue
            name = re.escape(fact.data["driver"])
            m = re.search(rf"{name}\s*\(([^()\n]{{2,60}})\)", self.text)
            if not m:
                continue
            team = m.group(1).split("/")[-1].strip()
            if is_team(team) and len(team.split()) <= 5:
                fact.data["team"] = team

    # --- the event --------------------------------------------------------------------------

    def _event(self) -> None:
        text, data, spans = self.text, {}, []
        quoted = [q.span() for q in P.QUOTES.finditer(text)]
        year = next((y for y in P.YEAR.finditer(text) if not any(a <= y.start() < b for a, b in quoted)), None)
        if year:  # the first year the reporter writes: not one inside a quote
            data["year"] = int(year.group(1))
            spans.append(year.span())
        # A heading such as "2017 - Porsche Carrera Cup Le Mans".
        heading = P.HEADING.search(text)
        if heading:
            data["title"] = heading.group("title").strip()
            data.setdefault("year", int(heading.group("year")))
            spans.append(heading.span())
        dateline = P.DATELINE.match(text)
        if dateline:
            data["venue"] = dateline.group("venue").strip()
            spans.append(dateline.span("venue"))
        if "title" in data and "venue" in data and data["title"].lower().endswith(data["venue"].lower()):
            data["series"] = data["title"][: -len(data["venue"])].strip(" -–")
        length = P.LENGTH.search(text)
        if length:
            data["circuit_length_m"] = round(float(length.group("km").replace(",", ".")) * 1000)
        starters = P.STARTERS.search(text)
        if starters:
            data["starters"] = int(starters.group("n"))
        if data:
            self.out.add("event", data, 0.7, (min(s for s, _ in spans), max(e for _, e in spans)) if spans else (0, 0))

    # --- sections -----------------------------------------------------------------------

    def _race_start(self) -> None:
        pole = next((m for p in P.POLE for m in [p.search(self.text)] if m), None)
        after = pole.end() if pole else 0
        marker = P.RACE_START.search(self.text, after)
        win = P.WIN.search(self.text, after)
        candidates = [m.start() for m in (marker, win) if m]
        self.race_from = min(candidates) if candidates else len(self.text)

    # --- qualifying -----------------------------------------------------------------------

    def _pole_and_grid(self) -> None:
        found = sorted((m for p in P.POLE for m in p.finditer(self.text, 0, self.race_from)), key=lambda m: m.start())
        driver = self.name(found[0].group("name")) if found else None
        if driver is None:
            self._grid_more()
            found = sorted((m for p in P.POLE + P.POLE_MORE for a, b in self._short() for m in p.finditer(self.text, a, b)),
                           key=lambda m: m.start())
            found = [m for m in found if self._overall_pole(m)]
            driver = self.token(found[0].group("name"), alone=True) if found else None
            if driver is None:
                self._descriptor_pole()
                return
            m = found[0]
            data = {"driver": driver, "position": 1}
            car = self._car_team(self.text[m.start():m.end() + 60])
            self.out.add("pole", {**data, **car}, 0.75, m.span())
            self.out.add("grid", data, 0.75, m.span())
            # "… donnait l'avantage à X devant A et B": the next places, when the sentence lists them.
            end = next((b for a, b in self._short() if a <= m.start() < b), m.end())
            behind = P.GRID_AFTER_POLE.match(self.text, m.end(), end)
            if behind:
                for position, name in enumerate(self.token_list(behind.group("list")), 2):
                    if name and name != driver:
                        self.out.add("grid", {"driver": name, "position": position}, 0.7, m.span())
            return
        m = found[0]
        data = {"driver": driver, "position": 1}
        if m.group("time"):
            try:
                data["lap_time_ms"] = parse_lap_time(m.group("time"))
            except LapTimeError:
                pass  # "1:75.123" is no lap time: keep the pole, drop the time
        self.out.add("pole", data, 0.9 if "lap_time_ms" in data else 0.8, m.span())
        self.out.add("grid", {"driver": driver, "position": 1}, 0.9, m.span())
        # "… devant deux Britanniques : A et B" — the places behind the pole, in order.
        window_end = min(self.race_from, m.end() + 700)
        behind = P.GRID_BEHIND_POLE.search(self.text, m.end(), window_end)
        if behind:
            names = [n for n in self.names(behind.group("list")) if n != driver]
            for position, name in enumerate(names, 2):
                self.out.add("grid", {"driver": name, "position": position}, 0.75, behind.span("list"))
        for pattern in P.PLACE:
            for place in pattern.finditer(self.text, 0, self.race_from):
                self._place("grid", place, 0.75)

    def _pole_by_reference(self) -> None:
        """"The poleman made a slower getaway", "Auteur de la pole-position, le Hollandais …":
        a pole told by a word for the pole-sitter instead of a name. It is the driver the
        sentences just before it name, when they name exactly one (the report's drivers are
        known by now); otherwise nothing."""
        sentences = self._short()
        for k, (a, b) in enumerate(sentences):
            m = P.POLE_REFERENCE.search(self.text, a, b)
            if not m or self._quoted_at(m.start()):
                continue
            window = self.text[sentences[max(0, k - 2)][0]:m.start()]
            named = set()
            for word in re.finditer(r"(?-i:[A-ZÀ-Þ][\w'’-]+)(?:\s+(?-i:[A-ZÀ-Þ][\w'’-]+))*", window):
                found = self.roster.resolve(tidy(word.group(0))) or self.roster.resolve(word.group(0).split()[-1])
                if found:
                    named.add(found)
            # Anyone else named there could be meant too: a person-like name the report gives
            # no fact about still makes the reference ambiguous (places and teams aside).
            for other in NAME_RE.finditer(window):
                person = tidy(other.group(0))
                words = {w.lower() for w in person.split()}
                if person.split()[0].lower().strip("'’") in _ARTICLES:
                    continue  # "The Brno round": a capital that starts a sentence, not a first name
                if not is_team(person) and not words & _PLACE_WORDS and not self.roster.resolve(person):
                    named.add(person)
            if len(named) == 1:
                driver = named.pop()
                self.out.add("pole", {"driver": driver, "position": 1}, 0.65, m.span())
                self.out.add("grid", {"driver": driver, "position": 1}, 0.65, m.span())
            return

    def _descriptor_pole(self) -> None:
        """"Le Français … s'était élancé en pole position": the pole of the one driver the text
        calls by that nationality; nothing when none or several fit."""
        for a, b in self._short():
            m = P.POLE_DESCRIPTOR.search(self.text, a, b)
            if not m or self._quoted_at(m.start()):
                continue
            driver = self.descriptor(m.group("word"))
            if driver:
                self.out.add("pole", {"driver": driver, "position": 1}, 0.7, m.span())
                self.out.add("grid", {"driver": driver, "position": 1}, 0.7, m.span())
            return

    def descriptor(self, word: str) -> str | None:
        """The one driver a nationality stands for: "le Français" is "Jean Blanc" when the text
        writes "le Français Jean Blanc" (or "Jean Blanc (Français") next to that name and no other."""
        if word.lower() not in P.DEMONYMS:
            return None
        w = re.escape(word)
        found = set()
        for m in re.finditer(rf"(?<![\w-]){w}\s+(?P<name>{P.NAME})|(?P<name2>{P.NAME})\s*\((?:[^()]*[\s/,])?{w}\b", self.text):
            driver = self.token(m.group("name") or m.group("name2"), alone=False)
            if driver:
                found.add(driver)
        return found.pop() if len(found) == 1 else None

    def _short(self) -> list[tuple[int, int]]:
        """The sentences short enough to be prose (hostile input is one endless "sentence")."""
        if not hasattr(self, "_short_spans"):
            self._short_spans = [(a, b) for a, b in _sentences(self.text) if b - a <= MAX_SENTENCE]
        return self._short_spans

    def _overall_pole(self, m: re.Match) -> bool:
        """A pole of the race described: not in a quote, not a class pole, not the next race's."""
        if self._quoted_at(m.start()) or not self.token(m.group("name"), alone=True):
            return False
        raw = m.group("name").split()
        if len(raw) == 1 and len(re.findall(rf"\b{re.escape(raw[0])}\b", self.text)) < 3 and \
                len(self._full_names().get(raw[0].lower(), ())) != 1:
            return False  # a surname alone: only a driver the report keeps naming ("Rossi")
        around = self.text[max(0, m.start() - 40):min(len(self.text), m.end() + 40)]
        if P.NOT_OVERALL_POLE.search(around):
            return False
        return True

    def _grid_more(self) -> None:
        """Grid slots written without a pole: "Parti troisième, X", "from fourth place on the grid"."""
        for pattern in P.GRID_MORE:
            for m in (m for a, b in self._short() for m in pattern.finditer(self.text, a, b)):
                position = _ordinal_text(m.group("ord"))
                driver = self.token(m.group("name"), alone=False) if not self._quoted_at(m.start()) else None
                if position and driver and 1 < position <= MAX_POSITION and not any(
                        f.data["driver"] == driver for f in self.out.of("grid")):
                    self.out.add("grid", {"driver": driver, "position": position}, 0.7, m.span())

    def _place(self, kind: str, m: re.Match, confidence: float) -> None:
        position = {**P.ORDINALS["fr"], **P.ORDINALS["en"]}.get(m.group("ord").lower().strip())
        name = self.name(m.group("name"))
        if position and name and not any(f.data.get("position") == position for f in self.out.of(kind)):
            self.out.add(kind, {"driver": name, "position": position}, confidence, m.span())

    def _rookies(self) -> None:
        for start, end in _sentences(self.text):
            rookie = P.ROOKIE.search(self.text, start, end)
            if not rookie:
                continue
            names = [n for n in (self.name(x.group(0)) for x in NAME_RE.finditer(self.text, start, rookie.start())) if n]
            if names:
                session = "qualifying" if start < self.race_from else "race"
                self.out.add("rookie", {"driver": names[-1], "session": session}, 0.7, (start, end))

    # --- race -------------------------------------------------------------------------------

    def _race_results(self) -> None:
        """The overall finishing order: every shape reporters use, then only the places no
        two rules disagree on (a driver at two places, or two drivers at one, is left out)."""
        self._cands: list[tuple[int, str, float, tuple[int, int], dict]] = []
        self._numbered_lists()
        self._prose_results()
        # The reference shapes: "X s'imposait … en devançant A, B" and "Y complétait le top 5 devant …".
        self._legacy_results()
        self._settle_results()

    # Candidates ----------------------------------------------------------------------------

    def _places_ending_at(self, names: list[str], last: int, span: tuple[int, int]) -> None:
        """"… rounded out the top five": the names take the places up to `last`, in order
        (the winner's place is told elsewhere, never by such a list)."""
        for position, driver in enumerate(names, last - len(names) + 1):
            if position >= 2:
                self._cand(position, driver, 0.75, span)

    def _cand(self, position: int | None, driver: str | None, confidence: float, span: tuple[int, int],
              extra: dict | None = None) -> None:
        if position and driver and 1 <= position <= MAX_POSITION:
            self._cands.append((position, driver, confidence, span, extra or {}))

    def _settle_results(self) -> None:
        best: dict[str, tuple[int, float]] = {}
        ambiguous: set[str] = set()
        for position, driver, confidence, _, _ in self._cands:
            if driver in best and best[driver][0] != position:
                if confidence > best[driver][1] + 0.05:
                    best[driver] = (position, confidence)
                elif best[driver][1] <= confidence + 0.05:
                    ambiguous.add(driver)
            elif driver not in best or confidence > best[driver][1]:
                best[driver] = (position, confidence)
        chosen: dict[int, tuple[str, float, tuple[int, int], dict]] = {}
        clash: set[int] = set()
        for position, driver, confidence, span, extra in sorted(self._cands, key=lambda c: -c[2]):
            if driver in ambiguous or best[driver][0] != position:
                continue
            if position in chosen:
                if not _same_entry(chosen[position][0], driver) and confidence >= chosen[position][1] - 0.05:
                    clash.add(position)
                continue
            chosen[position] = (driver, confidence, span, extra)
        for position in sorted(chosen):
            if position in clash:
                continue
            driver, confidence, span, extra = chosen[position]
            self.out.add("result", {"driver": driver, "position": position, "class": "", **extra}, confidence, span)

    # Names ---------------------------------------------------------------------------------

    def _full_names(self) -> dict[str, set[str]]:
        """Surname -> the full names the text gives for it (to read "Busch" as "Kyle Busch")."""
        if not hasattr(self, "_surnames"):
            self._surnames: dict[str, set[str]] = {}
            for m in NAME_RE.finditer(self.text):
                words = m.group(0).split()
                while words and words[0] in NOT_SURNAME:
                    words = words[1:]
                name = tidy(" ".join(words))
                if is_team(name) or len(name.split()) < 2:
                    continue
                name = re.sub(r"['’]s?$", "", name)
                self._surnames.setdefault(name.split()[-1].lower(), set()).add(name)
        return self._surnames

    def token(self, raw: str, alone: bool = True) -> str | None:
        """A driver from a written name or a surname alone; `alone`: a surname no full name
        in the text explains is kept as written ("Cook")."""
        raw = re.sub(r"\s*\([^()]*\)\s*$", "", raw.strip()).strip(" ,;:")
        raw = re.sub(r"^.*['’]s\s+(?=[A-ZÀ-Þ])", "", raw)  # "Charouz Racing System's Logan Sargeant"
        raw = re.sub(r"^[LlDd]['’](?=[A-ZÀ-Þ])", "", raw)  # "l'Oreca", "d'Audi"
        if not raw:
            return None
        words = raw.split()
        if len(words) == 1:
            word = words[0].strip("'’")
            if word in NOT_SURNAME or not word[:1].isupper() or len(word) < 3 or word.isupper() and len(word) < 4:
                return None
            if word.lower() in NOT_DRIVER_WORDS:
                return None
            full = self._full_names().get(word.lower(), set())
            if len(full) == 1:
                return self.name(next(iter(full)))
            if full or not alone:
                return None
            return self.roster.resolve(word) or word
        while len(words) > 1 and (words[0] in NOT_SURNAME and words[0] not in ("De", "Van", "Von")
                                  or words[0].lower() in ("en", "in", "the", "dans", "on", "at", "for", "from")
                                  or words[0].isupper() and len(words[0]) <= 4 and len(words) > 2
                                  or words[0].lower() in PARTICLES):
            words = words[1:]  # "En", "Le Français", "TF de Jonny Edgar": not part of the name
        if len(words) == 1 and words[0].lower() in TITLE_WORDS:
            return None  # "Le Français": a descriptor
        if any(len(w.strip(".")) == 1 or w.isupper() and len(w) <= 3 for w in words):
            return None  # "En B", "AF Corse": a class or a team, not a driver
        name = tidy(" ".join(words))
        if len(name.split()) == 1:
            return None  # "Team Alpha": what is left of a team or a title is no surname
        return self.name(name)

    def token_list(self, raw: str, alone: bool = True, after: str = "") -> list[str | None]:
        """The entries of a written list, in order; None for an entry that names no driver.
        With the words `after` it: in "devant A, B tentait …" B starts a new clause."""
        raw = re.sub(r"\([^()]*\)", " ", raw)
        if after and not re.search(r"\s(?:et|and)\s", raw) and "," in raw and P.CLAUSE_VERB.match(after):
            raw = raw[:raw.rfind(",")]
        items = re.split(r"\s*,\s*|\s+(?:et|and)\s+|\s*;\s*", raw)
        out: list[str | None] = []
        for item in items:
            item = item.strip()
            if not item:
                continue
            if re.match(r"(?:des|du|de\s+l['’]équipe|of\s+team)\s", item, re.I):
                out.append(None)  # "la Porsche des Iron Dames": a team
                continue
            m = P.ITEM_NAME.search(item)
            out.append(self.token(m.group(0), alone) if m else None)
        return out

    def crew(self, raw: str) -> str | None:
        """A crew written "A, B et C" or "A/B/C" as "A / B / C"; a single driver as is."""
        names = [n for n in self.token_list(raw.replace("/", ",")) if n]
        return " / ".join(dict.fromkeys(names)) if names else None

    # Numbered lists -------------------------------------------------------------------------

    def _numbered_lists(self) -> None:
        """"1. Ralph Boschung (Campos)": the first numbered list under a heading about the race,
        not the standings, the qualifying or a stage."""
        lines = list(P.NUMBERED.finditer(self.text))
        if not lines:
            return
        blocks: list[list[re.Match]] = []
        for m in lines:
            gap = self.text[blocks[-1][-1].end():m.start()] if blocks else ""
            if blocks and len(gap) < 200 and not re.search(r"\n\s*[^\s\d•*·–-][^\n]*\n", gap + "\n"):
                blocks[-1].append(m)
            else:
                blocks.append([m])
        for block in blocks:
            before = self.text[max(0, block[0].start() - 300):block[0].start()]
            heading = before.rstrip().rsplit("\n", 1)[-1]
            first = block[0].group("rest")
            if P.NOT_RESULT_HEADING.search(heading) or int(block[0].group("n")) != 1 or len(block) < 2 or \
                    any(P.NOT_RESULT_HEADING.search(m.group("rest")) for m in block):
                continue
            if re.search(r"(?:^|\s)(?:1\.|2\.)\s", first):
                continue  # several items on one line: a standings table
            numbers = [int(m.group("n")) for m in block]
            if numbers != sorted(numbers) or len(set(numbers)) != len(numbers):
                continue
            for m in block:
                driver = self._list_entry(m.group("rest"))
                self._cand(int(m.group("n")), driver, 0.9, m.span("rest"))
            return  # the first race list only: the next is another race or the standings

    def _list_entry(self, rest: str) -> str | None:
        """"Sébastien Loeb-Daniel Elena (FRA-MON/Citroën)" -> "Sébastien Loeb / Daniel Elena"."""
        rest = re.split(r"\s[+(]|\s+(?:en|in|à|at)\s+\d|\s+\d", rest, maxsplit=1)[0]
        crew = re.split(r"\s*/\s*|\s+-\s+", rest)
        if len(crew) == 1:
            m = NAME_RE.match(rest.strip())
            if not m:
                return None
            words = m.group(0).split()
            # "Loeb-Daniel": a hyphen joining a surname and the next driver's first name.
            inner = [i for i, w in enumerate(words[1:-1], 1) if "-" in w]
            if len(words) >= 3 and len(inner) == 1 and len(words) - inner[0] >= 2:
                i = inner[0]
                a, b = words[i].split("-", 1)
                crew = [" ".join(words[:i] + [a]), " ".join([b] + words[i + 1:])]
            else:
                crew = [m.group(0)]
        names = [self.token(c.strip()) for c in crew if c.strip()]
        names = [n for n in names if n]
        return " / ".join(names) if names else None

    # Sentences ------------------------------------------------------------------------------

    def _prose_results(self) -> None:
        sentences = list(_sentences(self.text))
        self._class_spans: list[tuple[int, int, str]] = []
        section_class = para_class = None
        last_position = 0
        for k, (start, end) in enumerate(sentences):
            if end - start > MAX_SENTENCE:
                continue  # no reporter writes one this long: a list of words, not a sentence
            sentence = self.text[start:end]
            line_start = self.text.rfind("\n", 0, start) + 1
            line = self.text[line_start:self.text.find("\n", start) if "\n" in self.text[start:] else len(self.text)]
            if _is_heading(line):
                cls = P.CLASS_IN_LINE.search(line)
                section_class = cls.group(0) if cls and cls.group(0) not in ("B", "Am") and P.HEADING_WIN.search(line) else None
                if not P.WIN_HEADLINE.search(line):
                    continue
                self._headline(line, line_start)
                continue
            if P.NUMBERED.match(self.text, line_start) and P.NUMBERED.match(self.text, line_start).end() >= end:
                continue  # a list line: read as a list
            head = P.CLASS_HEAD.match(sentence)
            if line_start >= start - 2:  # a paragraph's first sentence: "En LMP2, …" sets its class
                para_class = head.group("cls") if head else None
                topic = P.CLASS_TOPIC.search(sentence) if not head else None
                if topic and not P.WIN_ANY.search(sentence) and not P.ORDX_RE.search(sentence) and \
                        not P.FIN_STRONG_RE.search(sentence) and (topic.group("cls") or topic.group("cls2")) not in ("B", "Am"):
                    para_class = topic.group("cls") or topic.group("cls2")
                    continue  # the topic sentence itself states no place
            cls = head.group("cls") if head else (para_class or section_class)
            named = P.CLASS_VICTORY_NAMED.search(sentence)
            if named and not cls and named.group("cls") not in ("B", "Am"):
                cls = named.group("cls")  # "La victoire en LMP3 Pro/Am est revenue à …"
            if cls or re.search(r"\b(?:vainqueur|winner|victoire|victory|win)\s+(?:en|in|chez\s+les)\s+(?:classe\s+|class\s+)?[A-Z]", sentence):
                self._class_spans.append((start, end, cls or ""))
                if cls:
                    self._class_sentence(start, end, cls)
                continue
            prev = self.text[sentences[k - 1][0]:sentences[k - 1][1]] if k else ""
            last_position = self._sentence_places(start, end, prev, last_position)

    def _clause(self, start: int, end: int, lo: int, hi: int) -> str:
        """The clause around text[start:end] inside the sentence text[lo:hi]: cut at ; : — and at
        commas and "while", "but", "mais", "tandis que"."""
        cut = _CLAUSE_CUT
        left = lo
        for m in cut.finditer(self.text, lo, start):
            left = m.end()
        right = cut.search(self.text, end, hi)
        return self.text[left:right.start() if right else hi]

    def _running(self, m: re.Match, lo: int, hi: int) -> bool:
        """Whether a match sits in a clause about the running order (a lap, the start, a stop)."""
        clause = self._clause(m.start(), m.end(), lo, hi)
        return bool(P.RUNNING.search(clause)) and not P.FINAL_LAP.search(clause)

    def _subject_ok(self, at: int) -> bool:
        """A name right after "le coéquipier de" is not the subject of the verb after it."""
        return not P.OF_PERSON.search(self.text[max(0, at - 40):at])

    def _sentence_places(self, start: int, end: int, prev: str, last_position: int) -> int:
        """The places one sentence states; returns the last position it gave (for "Suivent …")."""
        text, sentence = self.text, self.text[start:end]
        # What the narrative says, not a quote in it ("… to have earned some important points").
        narrative = re.sub(r"[“«\"][^”»\"]*$", " ", P.QUOTES.sub(" ", sentence))
        standings = P.STANDINGS.search(P.TITLE_STANDING.sub(" ", narrative))
        prev = re.sub(r"[“«\"][^”»\"]*$", " ", P.QUOTES.sub(" ", prev))
        penalty = re.search(r"pénalit|penalt|reléguer|relégué|demoted|disqualif", sentence, re.I)
        found_last = 0
        winner = self._winner_in(start, end)
        chain_from = None
        if winner:
            driver, span, extra = winner
            self._cand(1, driver, 0.9, span, extra)
            found_last = 1
            chain_from = span[1]
        else:
            win = P.WIN_ANY.search(sentence)
            if win and not self._quoted_at(start + win.start()):
                chain_from = start + win.end()  # "Le Batave a devancé A (2e)": the places behind a winner
        if chain_from is not None:
            rest = text[chain_from:end]
            chain = P.WIN_CHAIN.search(rest)
            if chain and not re.search(r"\b(?:championnat|championship|standings|points)\b", rest[:chain.end()], re.I) \
                    and not P.RUNNING.search(rest[:chain.start("list")]):
                names = self.token_list(chain.group("list"), after=rest[chain.end():])
                for i, d in enumerate(names, 2):
                    if d:
                        self._cand(i, d, 0.8, (chain_from, end))
                        found_last = i
        if standings and not re.search(r"\b(?:finished|terminé|termine|finishing|finish)\b", sentence, re.I):
            return found_last or 0
        for m in list(P.FINISH_CREW.finditer(text, start, end)) + list(P.PLACE_FOR.finditer(text, start, end)) + \
                list(P.CREW_AFTER.finditer(text, start, end)):
            position = self._ordinal(m)
            names = [n for n in self._crew_items(m) if n]
            if len(names) >= 2 and position and not self._running(m, start, end) and not penalty and \
                    not P.CLASS_HINT.match(text, m.end(), end):
                self._cand(position, " / ".join(names), 0.8, m.span())
                found_last = max(found_last, position)
        for m in P.FINISH_PLACE.finditer(text, start, end):
            position = self._ordinal(m)
            to_finish = bool(re.search(r"\bto\s*$", m.group("gap") or "")) and m.group("verb").lower() == "finish"
            weak = not P.FIN_STRONG_RE.match(m.group("verb")) and not m.group("final")
            if not position or self._running(m, start, end) or (penalty and not m.group("final")):
                continue
            gap = m.group("gap") or ""
            if re.search(r"\bto\s*$", gap) and m.group("verb").lower() == "finish":
                gap = re.sub(r"\b(?:from|depuis)\b", " ", gap)  # "X recovered from a spin to finish third"
            if gap and P.GAP_NOT.search(gap):
                continue  # "X helped his team-mate finish second", "X hoped to finish third"
            if not self._subject_ok(m.start()) or self._quoted_at(m.start()) or \
                    P.OTHER_RACE.search(self._clause(m.start(), m.end(), start, end)):
                continue
            if re.search(r"\b(?:passed|passing|overtook|overtaking|beat|beating|chased|caught|behind|ahead\s+of|dépass\w*|doubl\w*|"
                         r"devant|derrière)\s+$", text[max(start, m.start() - 20):m.start()], re.I):
                continue  # "X passed Y on the last lap, finishing seventh": Y is no subject
            if re.search(r"\b(?:from|of|in|at|to|near|de|du|à)\s+$", text[max(start, m.start() - 8):m.start()], re.I):
                continue  # "the driver from Hanover … to finish second": a place, not the subject
            lead_in = text[start:m.start()]  # "Au 10e tour, X était 3e": the sentence opens on a running order
            if weak and (P.RUNNING.search(prev) and not P.FINAL_LAP.search(prev) and not to_finish or standings or
                         P.RUNNING.search(lead_in) and not P.FINAL_LAP.search(lead_in) or
                         P.SESSION.search(self._clause(m.start(), m.end(), start, end)) or
                         re.search(r"\b(?:pole|qualif\w*|grid|grille|essais|practice|session|séance)\b", prev + sentence, re.I)):
                continue
            hint = P.CLASS_HINT.match(text, m.end(), end)
            if hint:  # "… 11e place en GT": a class rank, with the crew the sentence gives
                driver = self.token(m.group("name"))
                cls = re.search(rf"(?-i:{P.CLASS_NAME})\s*$", hint.group(0))
                if driver and cls and not weak and not standings:
                    crew = [driver]
                    more = P.CLASS_CREW.match(text, hint.end(), end)
                    if more:
                        dem = more.group("dem")
                        lead = dem if dem and dem.lower().rstrip("s") not in P.DEMONYMS and dem.lower() not in P.DEMONYMS else ""
                        crew += [n for n in self.token_list(f"{lead} {more.group('list')}".strip()) if n]
                    self.out.add("class_result", {"driver": " / ".join(dict.fromkeys(crew)), "position": position,
                                                  "class": cls.group(0)}, 0.75, m.span())
                continue
            driver = self.token(m.group("name"))
            hyphen = P.HYPHEN_CREW.search(m.group("name"))
            if hyphen and driver:  # "la n°88 AKKA de A-B-C, est 6e": the crew, not the team before it
                driver = " / ".join(self.token(x.strip(), alone=False) or x.strip() for x in hyphen.group("crew").split("-"))
            self._cand(position, driver, 0.75 if weak else 0.8, m.span())
            found_last = max(found_last, position)
            after = P.AHEAD_OF.match(text, m.end(), end)
            if after and driver:
                names = self.token_list(after.group("list"), after=text[after.end():end])
                for i, d in enumerate(names, position + 1):
                    if d:
                        self._cand(i, d, 0.7, after.span())
                        found_last = max(found_last, i)
        for m in P.APPOS_FINISH.finditer(text, start, end):
            if (m.group("adv") or m.group("mark")) and not self._running(m, start, end) and not penalty:
                self._cand(self._ordinal(m), self.token(m.group("name")), 0.75, m.span())
        inverted = P.INVERTED.match(text, start, end)
        if inverted and not penalty and not self._running(inverted, start, end):
            position = self._ordinal(inverted)
            names = [n for n in self.token_list(inverted.group("list")) if n]
            if position and names:
                crew = re.search(r"\b(?:pour|for)\s", inverted.group(0)[:inverted.start("list") - inverted.start()], re.I)
                self._cand(position, " / ".join(names) if crew else names[0], 0.75, inverted.span())
                found_last = max(found_last, position)
        top = P.TOP_INVERTED.match(text, start, end)
        if top and not self._running(top, start, end):
            names = self.token_list(top.group("list"))
            n = 3 if top.group("podium") else _number(top.group("n"))
            if n and n <= MAX_POSITION and names and None not in names:
                self._places_ending_at(names, n, top.span())
                found_last = max(found_last, n)
        for m in P.TOP_LIST.finditer(text, start, end):
            names = self.token_list(m.group("list"))
            n = 3 if m.group("podium") else _number(m.group("n"))
            if not n or n > MAX_POSITION or not names or any(x is None for x in names) or self._running(m, start, end):
                continue
            self._places_ending_at(names, n, m.span())
            found_last = max(found_last, n)
        for m in P.ROUNDING.finditer(text, start, end):
            names = self.token_list(m.group("list"))
            n = _number(m.group("n")) if m.group("n") else 3
            if n and names and None not in names:
                self._places_ending_at(names, n, m.span())
        for m in P.FOLLOWED_HOME.finditer(text, start, end):
            position = self._ordinal(m)
            if position and position > 1:
                self._cand(position, self.token(m.group("name")), 0.75, m.span())
                self._cand(position - 1, self.token(m.group("other")), 0.75, m.span())
        for m in P.PAREN_PLACE.finditer(text, start, end):
            if not self._running(m, start, end) and not standings:
                self._cand(self._ordinal(m), self.token(m.group("name")), 0.75, m.span())
        subject = P.SUBJECT_FINISH.match(text, start, end) if re.search(
            r"finish|termin|fini|taking|claiming|securing|prenant|décrochant", sentence, re.I) else None
        if subject:
            ord_at = subject.start("ord") if subject.group("ord") else subject.start("ord2")
            position = _ordinal_text(subject.group("ord") or subject.group("ord2"))
            if not penalty and not P.STANDINGS.search(subject.group(0)) and not self._quoted_at(subject.start("name")) and \
                    not P.GAP_NOT.search(re.sub(r"\b(?:from|depuis)\b", " ", subject.group("gap"))) and \
                    not P.OTHER_RACE.search(subject.group(0)) and not P.CLASS_HINT.match(text, subject.end(), end) and \
                    not self._running(subject, ord_at, end) and not P.SESSION.search(subject.group(0)) and \
                    not (subject.group("ord2") and P.SESSION.search(sentence)):
                self._cand(position, self.token(subject.group("name")), 0.7, subject.span())
        car_verb = re.search(r"hissé|amené|emmené|porté|placé|ramené|brought|took|drove|guided|steered|hauled", sentence, re.I)
        for m in P.CAR_TO_PLACE.finditer(text, start, end) if car_verb else ():
            if self._running(m, start, end) or penalty or self._quoted_at(m.start()) or P.CLASS_HINT.match(text, m.end(), end) or \
                    P.SESSION.search(self._clause(m.start(), m.end(), start, end)) or P.OTHER_RACE.search(m.group(0)):
                continue
            names = [n for n in self.token_list(m.group("list")) + self.token_list(m.group("more") or "") if n]
            if names:
                self._cand(self._ordinal(m), " / ".join(dict.fromkeys(names)), 0.7, m.span())
        for m in P.PLACE_AHEAD.finditer(text, start, end):
            position = self._ordinal(m)
            lead_in = text[start:m.start()]
            if not position or penalty or standings or self._running(m, start, end) or self._quoted_at(m.start()) or \
                    (P.RUNNING.search(lead_in) and not P.FINAL_LAP.search(lead_in)):
                continue
            at = m.end()
            for k, crew in enumerate(P.HYPHEN_CREW.finditer(text, m.end(), end), 1):
                if not P.CHAIN_GAP.match(text[at:crew.start()]):
                    break  # "devant X, qui a perdu …": the chain ends where prose begins
                names = [self.token(part.strip(), alone=False) or part.strip() for part in crew.group("crew").split("-")]
                self._cand(position + k, " / ".join(names), 0.7, crew.span())
                at = crew.end()
        for m in P.WAS_NAME_IN.finditer(text, start, end):
            clause = self._clause(m.start(), m.end(), start, end)
            if self._running(m, start, end) or penalty or standings or self._quoted_at(m.start()) or \
                    P.SESSION.search(clause) or P.OTHER_RACE.search(clause) or \
                    re.search(r"\b(?:for\s+(?:much|most|the\s+first|a\s+while)|until|jusqu|pendant|during|durant|at\s+(?:that|this)\s+(?:point|stage))\b",
                              text[m.end():end], re.I) or \
                    (P.RUNNING.search(prev) and not P.FINAL_LAP.search(prev)) or P.CLASS_HINT.match(text, m.end(), end):
                continue
            self._cand(self._ordinal(m), self.token(m.group("name")), 0.7, m.span())
        for m in P.BEHIND_IN.finditer(text, start, end):
            if not self._running(m, start, end):
                self._cand(self._ordinal(m), self.token(m.group("name")), 0.7, m.span())
        for m in P.RESPECTIVELY.finditer(text, start, end):
            names = self.token_list(m.group("list"))
            ords = [_ordinal_text(o) for o in P.ORDX_RE.findall(m.group("ords"))]
            if len(names) == len(ords) and None not in names and None not in ords:
                for d, o in zip(names, ords):
                    self._cand(o, d, 0.75, m.span())
        if penalty:
            for m in P.RELEGATED.finditer(text, start, end):
                driver = self.token(m.group("name")) if m.group("name") else None
                position = self._ordinal(m)
                if driver and position:
                    self._cand(position, driver, 0.95, m.span())
        suivent = P.SUIVENT.match(sentence)
        if suivent and last_position:
            names = [n for n in self.token_list(suivent.group("list"), alone=False) if n]
            for i, d in enumerate(names, last_position + 1):
                self._cand(i, d, 0.7, (start, end))
                found_last = i
        return found_last

    def _crew_items(self, m: re.Match) -> list[str | None]:
        """A crew's names; "la Porsche des Iron Dames, A, B et C": the team before them is none."""
        items = self.token_list(m.group("list"))
        if re.search(r"\b(?:des|of|de\s+l['’]équipe|du)\s*$", self.text[max(0, m.start("list") - 20):m.start("list")], re.I):
            items = items[1:]
        return items

    def _ordinal(self, m: re.Match) -> int | None:
        if "final" in m.groupdict() and m.group("final"):
            return 3
        return _ordinal_text(m.group("ord")) if m.group("ord") else None

    def _winner_in(self, start: int, end: int):
        """The overall winner a sentence names: (driver or crew, span, extra) or None."""
        text, sentence = self.text, self.text[start:end]
        for m in P.WIN_BY_CREW.finditer(text, start, end):
            crew = self.crew(m.group("crew").replace("-", ","))
            if crew:
                return crew, m.span(), {}
        for m in P.WIN_BY_LIST.finditer(text, start, end):
            if self._quoted_at(m.start()) or P.OTHER_RACE.search(self._clause(m.start(), m.end(), start, end)):
                continue
            names = [n for n in self.token_list(m.group("list")) if n]
            if not names:
                continue
            before = text[start:m.start()]
            if re.search(r"\b(?:pole|qualif)", before, re.I) and not names:
                continue
            extra = self._car_team(before + m.group(0))
            return " / ".join(dict.fromkeys(names)), m.span(), extra
        for m in P.WIN_PASSIVE.finditer(text, start, end):
            rest = m.group("rest")
            names = self._names_in(rest)
            if names:
                return " / ".join(names), m.span(), self._car_team(rest)
        m = P.WIN_INFINITIVE.match(text, start, end)
        if m and not self._quoted_at(m.start()):
            names = [n for n in self.token_list(m.group("list")) if n]
            if names:
                return " / ".join(names), m.span(), {}
        for m in P.WIN_DROVE.finditer(text, start, end):
            names = [n for n in self.token_list(m.group("list")) if n]
            if names:
                return " / ".join(names), m.span(), self._car_team(m.group(0))
        as_he = re.search(r"\b(?:as|when|and)\s+(?:he|she|they)\s", sentence, re.I)
        for m in P.WIN_AS_HE.finditer(text, start, end) if as_he else ():
            if self._quoted_at(m.start()) or P.GAP_NOT.search(m.group("gap")) or \
                    P.OTHER_RACE.search(self._clause(m.start(), m.end(), start, end)):
                continue
            names = [n for n in self.token_list(m.group("list")) if n]
            if len(names) == 1:
                return names[0], m.span(), {}
        return None

    def _names_in(self, rest: str) -> list[str]:
        """The drivers a passive clause names: "l'Oreca n°14 de A, B et C" -> [A, B, C]: the
        first list with a full name in it (a car or team before it names no driver)."""
        for m in P.LIST_RE.finditer(rest):
            names = [n for n in self.token_list(m.group("list")) if n]
            if names and any(len(n.split()) > 1 for n in names):
                return list(dict.fromkeys(names))
        return []

    def _car_team(self, words: str) -> dict:
        car = re.search(r"(?:#|n°|N°|No\.\s?)\s?\d{1,3}", words)
        return {"car": car.group(0)} if car else {}

    def _headline(self, line: str, at: int) -> None:
        """"Engelhart wins rain race": a headline's winner, a surname the text names in full."""
        m = P.WIN_HEADLINE.search(line)
        if m:
            driver = self.token(m.group("name"), alone=False)
            if driver and len(driver.split()) > 1:
                self._cand(1, driver, 0.7, (at + m.start(), at + m.end()))

    def _legacy_results(self) -> None:
        overall: list[tuple[int, str, tuple[int, int], float]] = []
        for start, end in _sentences(self.text, self.race_from):
            sentence = self.text[start:end]
            if re.match(r"\s*(?:en|in)\s+(?:classe\s+|class\s+)?[A-Z][\w-]{0,10}\s*,", sentence) or \
                    re.search(r"\b(?:vainqueur|winner)\s+(?:en|in)\b", sentence, re.I):
                continue  # a class result: not the overall order
            top = P.TOP_N.search(self.text, start, end)
            if top:
                n = _number(top.group("n"))
                name = self.name(top.group("name"))
                if n and name and 1 < n <= MAX_POSITION:
                    overall.append((n, name, top.span(), 0.8))
                    for k, other in enumerate(self.names(top.group("list") or "", self.text[top.end():end]), 1):
                        overall.append((n + k, other, top.span(), 0.75))
        for position, name, span, confidence in overall:
            self._cand(position, name, confidence, span)
        for pattern in P.PLACE[:1]:
            for place in pattern.finditer(self.text, self.race_from):
                position = _ordinal_text(place.group("ord"))
                if not P.RUNNING.search(self.text, max(0, place.start() - 80), place.end()):
                    self._cand(position, self.name(place.group("name")), 0.7, place.span())

    def _quoted_at(self, position: int) -> bool:
        if not hasattr(self, "_quote_spans"):
            self._quote_spans = [m.span() for m in P.QUOTES.finditer(self.text)]
        return self._quoted(position)

    def _class_sentence(self, start: int, end: int, cls: str) -> None:
        """A sentence about one class: its winner and places go to class results."""
        winner = self._winner_in(start, end)
        if winner:
            driver, span, extra = winner
            self.out.add("class_result", {"driver": driver, "position": 1, "class": cls, **extra}, 0.8, span)
            chain = P.CLASS_CHAIN.search(self.text[span[1]:end])
            if chain:
                for i, d in enumerate(self.token_list(chain.group("list")), 2):
                    if d:
                        self.out.add("class_result", {"driver": d, "position": i, "class": cls}, 0.75, span)
        for m in list(P.FINISH_CREW.finditer(self.text, start, end)) + list(P.PLACE_FOR.finditer(self.text, start, end)) + \
                list(P.CREW_AFTER.finditer(self.text, start, end)):
            names = [n for n in self._crew_items(m) if n]
            position = self._ordinal(m)
            if position and names:
                self.out.add("class_result", {"driver": " / ".join(names), "position": position, "class": cls}, 0.75, m.span())

    def _class_results(self) -> None:
        for pattern in P.CLASS_WIN:
            for m in pattern.finditer(self.text):
                winner = self.name(m.group("name"))
                cls = m.group("cls")
                if not winner or cls.lower() in ("course", "tête", "the", "race", "qualifying"):
                    continue
                names = [winner] + (self.names(m.group("list")) if "list" in m.groupdict() and m.group("list") else [])
                for position, name in enumerate(names, 1):
                    self.out.add("class_result", {"driver": name, "position": position, "class": cls},
                                 0.85 if position == 1 else 0.8, m.span())
        for pattern, (start, end) in ((p, se) for se in self._short() for p in P.CLASS_VICTORY):
            for m in pattern.finditer(self.text, start, end):
                if self._quoted_at(m.start()) or P.OTHER_RACE.search(self.text[m.start():min(end, m.end() + 16)]):
                    continue
                winner = self.token(m.group("name"))
                if winner and not any(f.data["class"] == m.group("cls") and f.data["position"] == 1
                                      for f in self.out.of("class_result")):
                    self.out.add("class_result", {"driver": winner, "position": 1, "class": m.group("cls")}, 0.8, m.span())
        spans = self._short()
        for k, (start, end) in enumerate(spans):
            m = P.CLASS_CLEAR.match(self.text, start, end) if "plateau" in self.text[start:end] or "rest of" in self.text[start:end] else None
            if not m or self._quoted_at(m.start()) or P.GAP_NOT.search(m.group("gap")) or \
                    P.RUNNING.search(m.group("gap")) or any(f.data["class"] == m.group("cls") and f.data["position"] == 1
                                                           for f in self.out.of("class_result")):
                continue
            names = [n for n in self.token_list(m.group("list"))] if m.group("list") else []
            if m.group("crew") and k:  # "le duo": the crew the sentence before has as its subject
                before = P.SUBJECT_CREW.match(self.text, *spans[k - 1])
                names = self.token_list(before.group("list")) if before else []
                if len(names) < 2:
                    names = []
            if names and None not in names:
                self.out.add("class_result", {"driver": " / ".join(names), "position": 1, "class": m.group("cls")}, 0.7, m.span())
        # "X clinched victory in the Pro-Am category, ahead of Y, with Z earning third".
        for f in list(self.out.of("class_result")):
            if f.data["position"] != 1:
                continue
            end = next((e for s, e in _sentences(self.text) if s <= f.span[0] < e), None)
            if end is None:
                continue
            rest = self.text[f.span[1]:end]
            ahead = P.CLASS_AHEAD.match(rest)
            if ahead:
                d = self.token(ahead.group("name"))
                if d:
                    self.out.add("class_result", {"driver": d, "position": 2, "class": f.data["class"]}, 0.7, f.span)
            for m in P.CLASS_WITH.finditer(rest):
                d = self.token(m.group("name"))
                o = _ordinal_text(m.group("ord"))
                if d and o:
                    extra = self._car_team(rest[m.end():m.end() + 30])
                    self.out.add("class_result", {"driver": d, "position": o, "class": f.data["class"], **extra}, 0.7, f.span)

    def _settle_classes(self) -> None:
        """Class places two sentences disagree on are left out (a crew given as 2nd and 3rd)."""
        facts = self.out.of("class_result")
        drop = set()
        for f in facts:
            for g in facts:
                if f is g or f.data["class"] != g.data["class"]:
                    continue
                same = _same_entry(f.data["driver"], g.data["driver"])
                if same != (f.data["position"] == g.data["position"]):
                    drop.update({id(f), id(g)})
        self.out.facts = [f for f in self.out.facts if id(f) not in drop]

    def _quoted(self, position: int) -> bool:
        return any(s <= position < e for s, e in self._quote_spans)

    def _said(self, pattern: re.Pattern, start: int, end: int) -> re.Match | None:
        """A match of `pattern` told by the reporter: not inside a quote, not negated."""
        for m in pattern.finditer(self.text, start, end):
            if not self._quoted(m.start()) and not P.NEGATED.search(self.text, start, end):
                return m
        return None

    def _incidents(self) -> None:
        self._quote_spans = [m.span() for m in P.QUOTES.finditer(self.text)]
        paragraphs = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", self.text)]
        crash_fact = None
        for p_start, p_end in paragraphs:
            if p_end <= self.race_from and not P.SAFETY_CAR.search(self.text, p_start, p_end):
                continue
            virtual = P.VIRTUAL.search(self.text, p_start, p_end)
            sentences = list(_sentences(self.text, p_start, p_end))
            for i, (start, end) in enumerate(sentences):
                crash = self._said(P.CRASH, start, end)
                if crash and crash_fact is None:
                    names = [n for n in (self.name(x.group(0)) for x in NAME_RE.finditer(self.text, start, end)) if n]
                    if not names and i + 1 < len(sentences) and self._said(P.CRASH, *sentences[i + 1]):
                        names = [n for n in (self.name(x.group(0)) for x in NAME_RE.finditer(self.text, *sentences[i + 1])) if n]
                    location = P.LOCATION.search(self.text, start, end)
                    data = {"drivers": names}
                    if location:
                        data["location"] = location.group(0)
                    crash_fact = self.out.add("crash", data, 0.7, (start, end))
            full = []
            for s, e in sentences:
                m = self._said(P.SAFETY_CAR, s, e)
                if m is None or self.text[max(0, m.start() - 8):m.start()].lower().endswith("virtual "):
                    continue
                # Beside a VSC, "the safety car period ended" is the VSC again: only a
                # sentence that brings a safety car out, apart from the VSC, is a second one.
                if virtual and (P.VIRTUAL.search(self.text, s, e) or not P.DEPLOYED.search(self.text, s, e)
                                or P.SC_ENDED.search(self.text, s, e)):
                    continue
                full.append(m)
            if virtual and not self._quoted(virtual.start()):
                self.out.add("vsc", {"count": 1}, 0.8, virtual.span())
            if full and not self.out.of("safety_car"):
                data = {"count": self._sc_count()}
                if crash_fact is not None:
                    data["cause"] = "crash"
                self.out.add("safety_car", data, 0.8, full[0].span())
            if (red := self._said(P.RED_FLAG, p_start, p_end)):
                self.out.add("red_flag", {}, 0.7, red.span())

    def _sc_count(self) -> int | None:
        """Full safety-car periods: the largest count or rank the text gives ("three safety
        cars", "une deuxième voiture de sécurité"); unknown (None) when it says "several" or
        "again" without a number; one when it speaks of a single safety car."""
        counts = []
        for m in P.SC_COUNT.finditer(self.text):
            if self._quoted(m.start()):
                continue
            n = _number(m.group("n") or m.group("n2")) if (m.group("n") or m.group("n2")) else _ordinal_text(m.group("ord"))
            if n:
                counts.append(n)
        if counts:
            return min(max(counts), MAX_PERIODS)
        count = P.NEUTRALISATIONS.search(self.text)
        if count:
            return min(max(_number(count.group("n")) or 1, 1), MAX_PERIODS)
        for a, b in self._short():
            if P.SAFETY_CAR.search(self.text, a, b) and any(
                    not self._quoted(m.start()) for m in P.SC_UNCLEAR.finditer(self.text, a, b)):
                return None  # "several interruptions by the safety car", "deployed once again"
        return 1

    # --- quotes -----------------------------------------------------------------------------

    def _quotes(self) -> None:
        for speaker, words, confidence, span in find_quotes(self.text, self.roster, self.name):
            self.out.add("quote", {"speaker": speaker, "text": words, "language": self.out.language,
                                   "role": self._role(speaker)}, confidence, span)

    def _role(self, speaker: str) -> str | None:
        if any(f.data == {"driver": speaker, "position": 1, "class": ""} for f in self.out.of("result")):
            return "winner"
        if any(f.data["driver"] == speaker and f.data["position"] == 1 for f in self.out.of("class_result")):
            return "class_winner"
        if any(f.data["driver"] == speaker for f in self.out.of("pole")):
            return "pole"
        return None


# Words of a venue's name: "circuit d'Albert Park" names no one who could hold a pole.
_PLACE_WORDS = {"park", "circuit", "ring", "raceway", "speedway", "autodromo", "autódromo", "street", "grand", "prix"}
_ARTICLES = {"the", "a", "an", "le", "la", "les", "l", "un", "une", "sur", "on", "in", "at", "au", "aux", "du", "des"}
MAX_POSITION = 200  # no classification is longer; "top 99999" is not a place
MAX_PERIODS = 20  # safety-car periods a report can mean
MAX_SENTENCE = 1500  # characters: a longer "sentence" is no prose the shapes are read in


def _number(text: str | None) -> int | None:
    if not text:
        return None
    text = text.lower()
    if text.isdigit():
        return int(text)
    return P.NUMBERS.get(text) or {"deux": 2, "two": 2, "une": 1, "one": 1, "six": 6}.get(text)


def _ordinal_text(word: str | None) -> int | None:
    """3 from "third", "troisième", "3e", "3ème", "3rd", "P3"."""
    if not word:
        return None
    word = word.strip().lower()
    if word in P.ORDINAL_WORDS:
        return P.ORDINAL_WORDS[word]
    m = re.match(r"p?(\d{1,3})", word)
    return int(m.group(1)) if m else None


def _same_entry(a: str, b: str) -> bool:
    """Two ways to write one entry: a crew and one of its drivers."""
    pa, pb = set(a.split(" / ")), set(b.split(" / "))
    return bool(pa & pb)


def _is_heading(line: str) -> bool:
    """A title or sub-heading line: short, no full stop at its end."""
    line = line.strip()
    return 0 < len(line) <= 90 and not re.search(r"[.!?:»”\")]$", line) and not re.match(r"\d{1,2}[.)]\s", line) \
        and len(line.split()) <= 12


def extract(text: str, known: list[str] | None = None) -> Extraction:
    """The facts of a report, each with its confidence and span."""
    return Extractor(text, known).run()
