"""Every command Pitboard offers, registered once with its parameters.

Platforms read this registry to build their own command surfaces; nothing here knows
about Discord, Telegram or the terminal.
"""
from __future__ import annotations

from bot.commands.charts import CHART_KINDS, KIND_ALIASES, chart
from bot.commands.common import SESSION_ALIASES
from bot.commands.events import events, next_sessions
from bot.commands.help import make_help
from bot.commands.incidents import safetycar
from bot.commands.quotes import quotes
from bot.commands.registry import Context, Param, Registry
from bot.commands.reports import confirm, ingest
from bot.commands.results import pole, results
from bot.commands.subscriptions import chat_id, sample_post, settings, subscribe, unsubscribe
from bot.domain import LANGUAGES, SESSION_KINDS, UPDATE_KINDS
from bot.lookup import normalise

EVENT = Param("event", "The event: a name, venue or alias such as lemans, with a year if needed", required=True,
              complete="events", greedy=True)


def build_registry() -> Registry:
    """The registry with every command and autocomplete source."""
    registry = Registry()
    registry.add(
        results,
        EVENT,
        Param("session", "Which session: race, qualifying or practice", choices=SESSION_KINDS,
              aliases=SESSION_ALIASES, complete="sessions"),
        Param("class", "Only this class, e.g. B (default: overall and every class)", complete="classes",
              dest="car_class"),
        Param("image", "true: answer with a picture of the classification too", choices=("true", "false"),
              aliases={"on": "true", "yes": "true", "oui": "true", "vrai": "true", "off": "false", "no": "false",
                       "non": "false", "faux": "false"}),
        example="/results lemans",
        draws="image",
    )
    registry.add(pole, EVENT, example="/pole lemans")
    registry.add(safetycar, EVENT, example="/safetycar lemans")
    registry.add(chart, EVENT, Param("kind", "What to draw: positions (the default) or gaps to the leader",
                                     choices=CHART_KINDS, aliases=KIND_ALIASES),
                 example="/chart imola gaps", draws=True)
    registry.add(
        quotes,
        EVENT,
        Param("driver", "Only what this driver said (a last name is enough)", complete="drivers"),
        Param("search", "Only quotes containing these words"),
        Param("page", "Which page of quotes, when they come a few at a time", kind=int, minimum=1, maximum=1000),
        example="/quotes lemans driver:Cammish",
    )
    registry.add(events, Param("query", "Words to search for: name, venue, alias or year", greedy=True),
                 example="/events le mans")
    registry.add(next_sessions, Param("count", "How many sessions to list (1–25)", kind=int, minimum=1, maximum=25),
                 example="/next", name="next")
    target = Param("target", "What to follow: a series, an event, or all", required=True, complete="targets",
                   greedy=True)
    registry.add(subscribe, target, Param("kinds", f"Only these kinds of post, comma-separated: {', '.join(UPDATE_KINDS)}",
                                          complete="kinds"),
                 example="/subscribe porsche-carrera-cup-france", role="admin")
    registry.add(unsubscribe, target, example="/unsubscribe porsche-carrera-cup-france", role="admin")
    registry.add(sample_post, example="/test", role="admin", name="test")
    registry.add(chat_id, example="/chatid", role="admin", name="chatid")
    registry.add(
        settings,
        Param("language", "Language of posts and answers", choices=LANGUAGES, aliases={"english": "en", "francais": "fr", "français": "fr"}, dest="lang"),
        Param("timezone", "Time zone for session times, e.g. Europe/Paris"),
        Param("spoiler_delay", "Post results this many minutes late (0–1440)", kind=int, minimum=0, maximum=1440),
        Param("spoiler", "Hide results behind spoiler markup", choices=("on", "off")),
        Param("role", "A role to mention in posts, or none"),
        Param("reminders", "Remind this many minutes before sessions, 0 for never (0–120)", kind=int, minimum=0,
              maximum=120),
        Param("digest", "A daily digest of the last day's posts and the next sessions", choices=("on", "off")),
        Param("hourly", "An endurance race's class leaders at each hour", choices=("on", "off")),
        Param("images", "A picture of the classification with finish and pole posts", choices=("on", "off")),
        Param("threads", "Each race weekend's posts in a thread (Discord) or topic (Telegram): event, series or off",
              choices=("off", "event", "series"), aliases={"on": "event"}),
        Param("server_events", "This Discord server lists the sessions followed here as scheduled events",
              choices=("on", "off")),
        example="/settings language:fr spoiler_delay:10",
        role="admin",
    )
    registry.add(ingest, Param("report", "A link to the report, or its text", required=True, greedy=True, raw=True,
                                file=True),
                 example="/ingest https://example.org/race-report", role="admin")
    registry.add(confirm, Param("token", "The token shown under the facts", required=True),
                 example="/confirm 3f9a0c1d2e4b5a6c", role="operator")
    registry.add(make_help(registry), Param("command", "A command to explain", complete="commands"),
                 example="/help results", name="help")

    registry.completer("events", complete_events)
    registry.completer("sessions", complete_sessions)
    registry.completer("classes", complete_classes)
    registry.completer("drivers", complete_drivers)
    registry.completer("targets", complete_targets)
    registry.completer("kinds", lambda ctx, prefix, args: [k for k in UPDATE_KINDS if k.startswith(prefix.lower())])
    registry.completer("commands", lambda ctx, prefix, args: [c.name for c in registry if c.name.startswith(prefix.lower())])
    return registry


def complete_events(ctx: Context, prefix: str, args: dict) -> list[str]:
    """Event names matching what is typed; the most recent events when nothing is."""
    q = ctx.queries
    found = [q.event(i) for i in q.search_events(prefix)] if prefix.strip() else q.events(limit=25)
    return [f"{e.name} {e.date.year}" for e in found]


def _event_of(ctx: Context, args: dict):
    typed = args.get("event")
    found = ctx.queries.find_event(typed) if typed else None
    return ctx.queries.event(found.event_id) if found and found.event_id else None


def complete_sessions(ctx: Context, prefix: str, args: dict) -> list[str]:
    """The kinds of session the chosen event has."""
    event = _event_of(ctx, args)
    kinds = [s.kind for s in ctx.queries.sessions(event.id)] if event else list(SESSION_KINDS)
    return [k for k in dict.fromkeys(kinds) if k.startswith(prefix.lower())]


def complete_classes(ctx: Context, prefix: str, args: dict) -> list[str]:
    """The classes of the chosen event."""
    event = _event_of(ctx, args)
    classes = ["overall", *(event.classes if event else ())]
    return [c for c in classes if normalise(c).startswith(normalise(prefix))]


def complete_drivers(ctx: Context, prefix: str, args: dict) -> list[str]:
    """Drivers of the chosen event whose name contains what is typed."""
    event = _event_of(ctx, args)
    if event is None:
        return []
    typed = normalise(prefix)
    return [d for d in ctx.queries.drivers(event.id) if typed in normalise(d)]


def complete_targets(ctx: Context, prefix: str, args: dict) -> list[str]:
    """`all`, the series and the events matching what is typed."""
    typed = normalise(prefix)
    series = [s.id for s in ctx.queries.all_series() if typed in normalise(f"{s.id} {s.name}")]
    return (["all"] if "all".startswith(typed) else []) + series + complete_events(ctx, prefix, args)
