"""Every Discord error becomes one of the dispatcher's outcomes."""
from types import SimpleNamespace

import aiohttp
import discord
import pytest

from bot.platforms.discord_bot import failure


def http_error(kind, status, message, code=0, headers=None):
    # A response as aiohttp hands discord.py one: status, reason and headers are read.
    return kind(SimpleNamespace(status=status, reason="reason", headers=headers or {}),
                {"message": message, "code": code})


@pytest.mark.parametrize("error, outcome", [
    (http_error(discord.Forbidden, 403, "Missing Access", 50001), "gone"),
    (http_error(discord.NotFound, 404, "Unknown Channel", 10003), "gone"),
    (http_error(discord.HTTPException, 429, "You are being rate limited."), "retry_after"),
    (http_error(discord.DiscordServerError, 502, "Bad Gateway"), "transient"),
    (http_error(discord.HTTPException, 400, "Invalid Form Body", 50035), "rejected"),
    (aiohttp.ClientConnectionError("reset"), "transient"),
    (TimeoutError(), "transient"),
])
def test_each_error_maps_to_what_the_dispatcher_does_next(error, outcome):
    result = failure(error)
    assert result.outcome == outcome and result.reason


def test_a_deleted_message_makes_a_correction_post_anew_but_a_deleted_channel_pauses():
    assert failure(http_error(discord.NotFound, 404, "Unknown Message", 10008), editing=True).outcome == "rejected"
    assert failure(http_error(discord.NotFound, 404, "Unknown Channel", 10003), editing=True).outcome == "gone"


def test_a_429_carries_discord_s_wait_and_a_cloudflare_ban_backs_off_for_minutes():
    discord_429 = failure(http_error(discord.HTTPException, 429, "rate limited", headers={"Via": "1.1 google",
                                                                                         "Retry-After": "2"}))
    assert (discord_429.outcome, discord_429.retry_after, discord_429.is_global) == ("retry_after", 2.0, True)
    assert failure(http_error(discord.HTTPException, 429, "banned")).retry_after == 600.0
    assert failure(discord.RateLimited(42.0)).retry_after == 42.0


def test_a_refused_token_keeps_the_posts_waiting_and_edits_never_turn_into_reposts_by_accident():
    assert failure(http_error(discord.HTTPException, 401, "401: Unauthorized")).outcome == "transient"
    assert failure(http_error(discord.HTTPException, 400, "Invalid Form Body", 50035), editing=True).outcome == "transient"
