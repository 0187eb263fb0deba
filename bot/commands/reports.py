"""`/ingest` and `/confirm`: a race report sent from a chat, checked before it is published."""
from __future__ import annotations

from bot.commands.registry import Context, UserError
from bot.messages import Message


def _desk(ctx: Context):
    if ctx.reports is None:
        raise UserError(ctx.lang.t("cmd.no_channel"))
    return ctx.reports


def ingest(ctx: Context, report: str) -> Message:
    """Read a race report (a link, or its text pasted after the command) and show the facts
    found in it; nothing is published until an admin confirms.
    Example: /ingest https://example.org/race-report"""
    return _desk(ctx).propose(ctx, report)


def confirm(ctx: Context, token: str) -> Message:
    """Publish the facts of a report shown by /ingest (its token is under the list).
    Example: /confirm 3f9a0c1d2e4b5a6c"""
    return _desk(ctx).confirm(ctx, token)
