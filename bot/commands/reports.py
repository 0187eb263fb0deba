"""`/ingest` and `/confirm`: a race report sent from a chat, checked before it is published."""
from __future__ import annotations

from bot.commands.registry import Context, UserError
from bot.messages import Message


def _desk(ctx: Context):
    if ctx.reports is None:
        raise UserError(ctx.lang.t("cmd.no_channel"))
    return ctx.reports


async def ingest(ctx: Context, report: str) -> Message:
    """Read a race report (a link, or its text pasted after the command) and show the facts
    found in it. Only Pitboard's operators can then publish them (every channel sees them);
    anyone else gets a preview. Example: /ingest https://example.org/race-report"""
    return await _desk(ctx).propose(ctx, report)


def confirm(ctx: Context, token: str) -> Message:
    """Publish the facts of a report shown by /ingest (its token is under the list), in the
    chat where it was shown, by the operator who sent it. Example: /confirm 3f9a0c1d2e4b5a6c"""
    return _desk(ctx).confirm(ctx, token)
