"""A report from a file, a link or stdin, to facts, to the store.

HTML goes through trafilatura (the article, without menus and comments); plain text is
read as is. The facts land with the report as their source (priority below timing and
event files), replacing only what this same report said before.
"""
from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass
from datetime import date

from bot.lookup import ACCEPT_SCORE, normalise, rank
from bot.redaction import redact_url
from bot.domain import SOURCE_PRIORITY, Event, EventBundle, Incident, Quote, Result, Series, Session, Source
from bot.reports.extract import Extraction, extract
from bot.store.queries import Queries

MAX_BYTES = 5_000_000


class ReportError(ValueError):
    """A report that cannot be read, told as one sentence."""


@dataclass(frozen=True)
class Report:
    text: str
    where: str  # the path, the URL or "stdin"
    url: str | None = None


def read_report(where: str, timeout: float = 20.0) -> Report:
    """Read a report from a path, an http(s) URL or `-` (stdin), HTML or plain text. This is
    the terminal's reader: an operator's link may point anywhere, even the local network."""
    url = where if re.match(r"https?://", where) else None
    try:
        if where == "-":
            raw = sys.stdin.buffer.read(MAX_BYTES + 1)
        elif url:
            import asyncio

            from bot.reports.fetch import FetchRefused, fetch_untrusted  # only for links (httpx is slow to load)

            try:
                fetched = asyncio.run(fetch_untrusted(url, deadline=timeout, max_bytes=MAX_BYTES, allow=lambda ip: True))
            except FetchRefused as err:
                raise ReportError(str(err)) from None
            raw, url = fetched.body, fetched.url
        else:
            with open(where, "rb") as handle:  # never more than the limit in memory
                raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ReportError(f"{where}: no such file; give a path, a link or - for stdin.") from None
    except OSError as err:
        raise ReportError(f"{where}: cannot be read ({err.strerror or err}).") from None
    return report_from_bytes(raw, "stdin" if where == "-" else where, url)


def report_from_bytes(raw: bytes, where: str, url: str | None = None) -> Report:
    """A report from its bytes (a file sent in a chat, a download): HTML or plain text."""
    if len(raw) > MAX_BYTES:
        raise ReportError(f"{where}: more than {MAX_BYTES // 1_000_000} MB; that is not a race report.")
    text = raw.decode("utf-8", errors="replace")
    if "\x00" in text[:20000] or text.count("\ufffd") > len(text) // 20:
        raise ReportError(f"{where}: is not text (a binary file?); send the report as text or HTML.")
    if re.search(r"<(?:html|body|p|article|div)\b", text[:5000], re.I):
        import trafilatura  # only for HTML

        text = trafilatura.extract(text, include_comments=False, include_tables=False, favor_recall=True) or ""
    text = text.replace("\r\n", "\n").strip()
    if len(text.split()) < 20:
        raise ReportError(f"{where}: has almost no text ({len(text.split())} words); is it the article?")
    return Report(text, where, url)


def find_event(queries: Queries, extraction: Extraction) -> str | None:
    """The stored event the report is about, if the store knows it: by a heading ("2017 -
    Porsche Carrera Cup Le Mans"), else by what the text shares with each event of its year
    (or named like its title or venue): the drivers it names, the event's name, venue or
    aliases, its series. Two events equally likely: none (never a guess)."""
    facts = extraction.of("event")
    data = facts[0].data if facts else {}
    year = data.get("year")
    for name in (data.get("title"), data.get("venue")):
        if name and year:
            # Only a name that fits one event of that year: two (a support race and the main
            # event both "Le Mans 2017") are left to the scoring below, which never guesses.
            ranked = rank(f"{name} {year}", queries.alias_index())
            if ranked and ranked[0][1] >= ACCEPT_SCORE and (len(ranked) == 1 or ranked[1][1] < ranked[0][1]):
                event = queries.event(ranked[0][0])
                if event and event.date.year == year:
                    return event.id
    candidates: list[str] = []
    if year:
        candidates += queries.search_events(str(year), limit=300)
    else:  # no year in the text: a report is about a recent event
        candidates += [event.id for event in queries.events(limit=200)]
    for name in (data.get("title"), data.get("venue"), data.get("series")):
        if name:
            candidates += queries.search_events(name, limit=20)
    text = f" {normalise(extraction.text)} "
    named = {normalise(f.data[key]) for f in extraction.facts for key in ("driver", "speaker") if f.data.get(key)}
    scored = []
    for event_id in dict.fromkeys(candidates):
        event = queries.event(event_id)
        if event is None or (year and event.date.year != year):
            continue
        known = {normalise(part) for d in queries.drivers(event_id) for part in d.split(" / ")}
        shared = len(named & known)
        places = [event.name, event.venue or "", *event.aliases]
        place = any(len(normalise(p)) >= 4 and f" {normalise(p)} " in text for p in places)
        series = queries.series(event.series_id)
        in_series = bool(series and len(normalise(series.name)) >= 4 and f" {normalise(series.name)} " in text)
        # Named drivers are the strongest sign; a place alone is one only with the series or a driver.
        if shared >= 2 or (place and (in_series or shared or year)):
            scored.append((3 * shared + 2 * place + in_series, event_id))
    scored.sort(reverse=True)
    if scored and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return scored[0][1]
    return None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "report"


def to_bundle(report: Report, extraction: Extraction, queries: Queries, published_by: str | None = None,
              part: str | None = None) -> EventBundle:
    """The facts as a bundle for the store, attached to the known event or a new one;
    `published_by` names who made them public (an operator, the terminal). A report
    published in `part`s (what was sure enough at once, then what was confirmed) stores each
    as its own source, so one never replaces the other; the same part again replaces itself."""
    digest = hashlib.sha256(report.text.encode()).hexdigest()[:12]
    where, url = redact_url(report.where), redact_url(report.url) if report.url else None
    source = Source(f"report-{digest}" + (f"-{part}" if part else ""), "report", f"Report {where}"[:200], url,
                    extraction.language, SOURCE_PRIORITY["report"], published_by)
    event_id = find_event(queries, extraction)
    data = extraction.of("event")[0].data if extraction.of("event") else {}
    if event_id:
        event = queries.event(event_id)
        series = queries.series(event.series_id)
        sessions = {s.kind: s for s in queries.sessions(event_id)}
    else:
        if not (data.get("title") and data.get("year")):
            raise ReportError(f"{report.where}: cannot tell which event this report is about (no heading with a year "
                              "and a name, and no known event matches); nothing was stored.")
        title, year = data["title"], data["year"]
        series = Series(_slug(data.get("series") or title), data.get("series") or title)
        # The report gives the year, not the day: the event says so rather than invent one.
        event = Event(f"{_slug(title)}-{year}", series.id, title, date(year, 1, 1), "UTC", venue=data.get("venue"),
                      circuit_length_m=data.get("circuit_length_m"), starters=data.get("starters"),
                      aliases=tuple(a for a in (data.get("venue"),) if a), date_known=False)
        sessions = {}
    quali = sessions.get("qualifying") or Session(f"{event.id}/qualifying", event.id, "qualifying", "Qualifying",
                                                  status="finished", day=event.date)
    race = sessions.get("race") or Session(f"{event.id}/race", event.id, "race", "Race", status="finished", day=event.date)
    pole_ms = {f.data["driver"]: f.data.get("lap_time_ms") for f in extraction.of("pole")}
    results = [Result(quali.id, "", f.data["position"], (f.data["driver"],), best_lap_ms=pole_ms.get(f.data["driver"]),
                      source_id=source.id) for f in sorted(extraction.of("grid"), key=lambda f: f.data["position"])]
    results += [Result(race.id, "", f.data["position"], _crew(f.data), number=_number(f.data), team=f.data.get("team"),
                       source_id=source.id)
                for f in sorted(extraction.of("result"), key=lambda f: f.data["position"])]
    results += [Result(race.id, f.data["class"], f.data["position"], _crew(f.data), car_class=f.data["class"],
                       number=_number(f.data), team=f.data.get("team"), source_id=source.id)
                for f in sorted(extraction.of("class_result"), key=lambda f: (f.data["class"], f.data["position"]))]
    incidents = []
    lang = extraction.language
    for f in extraction.of("crash"):
        location = {lang: f.data["location"]} if "location" in f.data else None
        incidents.append(Incident(race.id, len(incidents) + 1, "crash", start_lap=None, location=location,
                                  drivers=tuple(f.data["drivers"]), source_id=source.id))
    for kind, incident_kind in (("safety_car", "safety_car"), ("vsc", "virtual_safety_car"), ("red_flag", "red_flag")):
        for f in extraction.of(kind):
            cause = {"en": "crash", "fr": "accident"} if f.data.get("cause") == "crash" else None
            for _ in range(f.data.get("count", 1) or 1):
                incidents.append(Incident(race.id, len(incidents) + 1, incident_kind, cause=cause, source_id=source.id,
                                          ended=True))
    # A quote the store already has from another source (an event file's excerpt of the
    # same words) is not added twice.
    known = [normalise(q.text) for q in queries.quotes(event.id) if q.source_id != source.id] if event_id else []
    fresh = [f for f in extraction.of("quote")
             if not any(k in normalise(f.data["text"]) or normalise(f.data["text"]) in k for k in known)]
    quotes = [Quote(event.id, i, f.data["speaker"], f.data["text"], f.data["language"], f.data["role"], race.id,
                    source_id=source.id) for i, f in enumerate(fresh, 1)]
    used = {r.session_id for r in results} | {i.session_id for i in incidents} | {race.id}
    return EventBundle(series, event, (source,), tuple(s for s in (quali, race) if s.id in used), tuple(results),
                       tuple(incidents), tuple(quotes))


def _crew(data: dict) -> tuple[str, ...]:
    """The drivers of a result: a crew is written "A / B / C"."""
    return tuple(name.strip() for name in data["driver"].split(" / ") if name.strip()) or (data["driver"],)


def _number(data: dict) -> str | None:
    """The car number a result names ("#26", "n°85", "No. 7"), as digits."""
    found = re.search(r"\d{1,3}", data.get("car") or "")
    return found.group(0) if found else None


def analyse(report: Report, queries: Queries) -> Extraction:
    """Extract the facts, using the drivers the store already knows for that event."""
    first = extract(report.text)
    event_id = find_event(queries, first)
    return extract(report.text, queries.drivers(event_id)) if event_id else first


def as_json(report: Report, extraction: Extraction) -> dict:
    """The facts with confidence and the span of text each came from."""
    return {
        "source": report.where,
        "language": extraction.language,
        "facts": [{"kind": f.kind, **f.data, "confidence": f.confidence, "span": list(f.span),
                   "span_text": report.text[f.span[0]:f.span[1]]} for f in extraction.facts],
    }
