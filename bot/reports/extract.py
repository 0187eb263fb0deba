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
from bot.reports.names import NAME_RE, Roster, is_team, split_list, tidy
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
        elif c == "\n" or (c in ".!?" and not depth and (i + 1 >= end or text[i + 1] in " \n\"”»")):
            if i + 1 > pos and text[pos:i + 1].strip():
                yield pos, i + 1
            pos = i + 1
    if text[pos:end].strip():
        yield pos, end


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
        self._rookies()
        self._incidents()
        self._quotes()
        return self.out

    # --- the event --------------------------------------------------------------------------

    def _event(self) -> None:
        text, data, spans = self.text, {}, []
        year = P.YEAR.search(text)
        if year:
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
        if not found:
            return
        m = found[0]
        driver = self.name(m.group("name"))
        if driver is None:
            return
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
        overall: list[tuple[int, str, tuple[int, int], float]] = []
        for start, end in _sentences(self.text, self.race_from):
            sentence = self.text[start:end]
            if re.match(r"\s*(?:en|in)\s+(?:classe\s+|class\s+)?[A-Z][\w-]{0,10}\s*,", sentence) or \
                    re.search(r"\b(?:vainqueur|winner)\s+(?:en|in)\b", sentence, re.I):
                continue  # a class result: not the overall order
            win = P.WIN.search(self.text, start, end) or P.WIN_BY_PASSIVE.search(self.text, start, end)
            if win and not overall:
                winner = self.name(win.group("name"))
                if winner:
                    overall.append((1, winner, win.span(), 0.9))
                    rest = self.text[win.end():end]
                    chain = P.CHAIN.search(rest)
                    if chain:
                        for name in self.names(chain.group("list"), rest[chain.end():]):
                            overall.append((len(overall) + 1, name, (win.end(), end), 0.8))
                    continue
            top = P.TOP_N.search(self.text, start, end)
            if top and overall:
                n = _number(top.group("n"))
                name = self.name(top.group("name"))
                if n and name and 1 < n <= MAX_POSITION:
                    overall.append((n, name, top.span(), 0.8))
                    for k, other in enumerate(self.names(top.group("list") or "", self.text[top.end():end]), 1):
                        overall.append((n + k, other, top.span(), 0.75))
        seen: set[str] = set()
        for position, name, span, confidence in overall:
            if name not in seen:
                seen.add(name)
                self.out.add("result", {"driver": name, "position": position, "class": ""}, confidence, span)
        for pattern in P.PLACE:
            for place in pattern.finditer(self.text, self.race_from):
                self._place("result", place, 0.7)

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
            sc = next((self._said(P.SAFETY_CAR, s, e) for s, e in sentences if self._said(P.SAFETY_CAR, s, e)), None)
            if virtual and not self._quoted(virtual.start()):
                self.out.add("vsc", {"count": 1}, 0.8, virtual.span())
            elif sc and not self.out.of("safety_car"):
                count = P.NEUTRALISATIONS.search(self.text)
                data = {"count": min(max(_number(count.group("n")) or 1, 1), MAX_PERIODS) if count else 1}
                if crash_fact is not None:
                    data["cause"] = "crash"
                self.out.add("safety_car", data, 0.8, sc.span())
            if (red := self._said(P.RED_FLAG, p_start, p_end)):
                self.out.add("red_flag", {}, 0.7, red.span())

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


MAX_POSITION = 200  # no classification is longer; "top 99999" is not a place
MAX_PERIODS = 20  # safety-car periods a report can mean


def _number(text: str | None) -> int | None:
    if not text:
        return None
    text = text.lower()
    if text.isdigit():
        return int(text)
    return P.NUMBERS.get(text) or {"deux": 2, "two": 2, "une": 1, "one": 1, "six": 6}.get(text)


def extract(text: str, known: list[str] | None = None) -> Extraction:
    """The facts of a report, each with its confidence and span."""
    return Extractor(text, known).run()
