"""Facts → updates: what the store's current facts announce, each under a stable key.

Derivation reads the store as it is now and says what is worth posting; the outbox
decides what is new. Keys name the fact, not the moment it arrived, so a re-import or a
feed that flips back and forth finds the update it already made.
"""
from __future__ import annotations

import hashlib

from bot.domain import NEUTRALISATIONS, OVERALL, Incident, UpdateDraft, incident_to_dict, result_to_dict
from bot.store.queries import Queries

_DEPLOYED = {"safety_car": "safety_car", "virtual_safety_car": "vsc", "full_course_yellow": "vsc", "red_flag": "red_flag"}
_ENDED = {"safety_car": "safety_car_in", "virtual_safety_car": "vsc", "full_course_yellow": "vsc", "red_flag": "red_flag"}


def derive_updates(queries: Queries, event_id: str) -> list[UpdateDraft]:
    """Every update the event's current facts announce, in race order."""
    event = queries.event(event_id)
    if event is None:
        return []
    base = {"event_id": event.id, "series_id": event.series_id}
    head = {"event": event.name, "year": event.date.year, "timezone": event.timezone, "starters": event.starters}
    drafts: list[UpdateDraft] = []
    for session in queries.sessions(event.id):
        where = {**head, "session": session.kind, "session_name": session.name}
        finished = session.status in ("finished", "final")
        overall = queries.results(session.id, OVERALL) if finished else []
        if session.kind == "qualifying" and finished:
            pole = next((r for r in overall if r.position == 1), None)
            if pole is not None:
                grid = [_shown(r) for r in overall if r.position]
                drafts.append(UpdateDraft(f"pole:{session.id}", "pole", session_id=session.id, **base,
                                          payload={**where, "status": session.status, "grid": grid}))
        drafts += _incident_drafts(queries.incidents(session.id), session.id, base, where, finished)
        if session.kind == "race":
            for hour, leaders in queries.hourly_leaders(session.id).items():
                drafts.append(UpdateDraft(f"hourly:{session.id}:{hour}", "hourly", session_id=session.id, **base,
                                          payload={**where, "hour": hour,
                                                   "leaders": [_shown(r) for r in leaders]}))
        if session.kind == "race" and finished:
            classes = [
                {"classification": c, "rows": [_shown(r) for r in queries.results(session.id, c)]}
                for c in queries.classifications(session.id)
            ]
            if classes:
                drafts.append(UpdateDraft(f"finish:{session.id}", "finish", session_id=session.id, **base,
                                          payload={**where, "status": session.status, "classifications": classes}))
    for quote in queries.quotes(event.id):
        fingerprint = hashlib.sha256(f"{quote.speaker}\n{quote.text}".encode()).hexdigest()[:16]
        drafts.append(UpdateDraft(f"quote:{event.id}:{fingerprint}", "quote", session_id=quote.session_id, **base,
                                  payload={**head, "speaker": quote.speaker, "role": quote.role,
                                           "text": quote.text, "language": quote.language}))
    return drafts


def _shown(result) -> dict:
    """A result as a post shows it: without the id of the source that gave it, which no
    reader sees (the same facts from a source named differently are no correction)."""
    data = result_to_dict(result)
    data.pop("source_id", None)
    return data


def _incident_drafts(incidents: list[Incident], session_id: str, base: dict, where: dict,
                     finished: bool = False) -> list[UpdateDraft]:
    drafts = []
    crashes = [i for i in incidents if i.kind == "crash"]
    marks: dict[str, int] = {}
    for inc in incidents:
        if inc.kind not in NEUTRALISATIONS:
            continue
        # The start lap (or time) identifies the period whichever source reports it; a
        # second period of the same kind from the same lap (a red flag again before the
        # leader's next lap) is numbered.
        mark = inc.start_lap if inc.start_lap is not None else (inc.start_time.isoformat() if inc.start_time else inc.seq)
        key = f"{inc.kind}:{session_id}:{mark}"
        marks[key] = marks.get(key, 0) + 1
        if marks[key] > 1:
            key += f"#{marks[key]}"
        linked = [incident_to_dict(c) for c in crashes if c.start_lap is not None and c.start_lap == inc.start_lap]
        payload = {**where, "incident": incident_to_dict(inc), "crashes": linked}
        drafts.append(UpdateDraft(key, _DEPLOYED[inc.kind], session_id=session_id, **base,
                                  payload={**payload, "phase": "start"}))
        # A period that ended with the race, on no known lap (a red flag the race never
        # resumed from, a safety car still out at the flag), announces no end: the finish
        # says it, and "restart" would be false.
        if inc.is_over and (inc.end_lap is not None or inc.end_time is not None or not finished):
            drafts.append(UpdateDraft(f"{key}:end", _ENDED[inc.kind], session_id=session_id, **base,
                                      payload={**payload, "phase": "end"}))
    return drafts
