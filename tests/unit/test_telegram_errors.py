"""Every Telegram error becomes one of the dispatcher's outcomes."""
import pytest
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.platforms.telegram_bot import failure


@pytest.mark.parametrize("error, outcome", [
    (RetryAfter(3), "retry_after"),
    (ChatMigrated(-1001234), "moved"),
    (Forbidden("Forbidden: bot was kicked from the group chat"), "gone"),
    (Forbidden("Forbidden: bot was blocked by the user"), "gone"),
    (BadRequest("Chat not found"), "gone"),
    (BadRequest("Not enough rights to send text messages to the chat"), "gone"),
    (BadRequest("Can't parse entities: unsupported start tag"), "rejected"),
    (BadRequest("Message is too long"), "rejected"),
    (TimedOut(), "transient"),
    (NetworkError("Bad Gateway"), "transient"),
])
def test_each_error_maps_to_what_the_dispatcher_does_next(error, outcome):
    result = failure(error)
    assert result.outcome == outcome
    assert result.reason  # a readable reason is kept for the delivery row


def test_retry_after_carries_the_wait_and_a_migration_the_new_chat():
    assert failure(RetryAfter(7)).retry_after == 7.0
    assert failure(ChatMigrated(-1001234)).new_address == "-1001234"
