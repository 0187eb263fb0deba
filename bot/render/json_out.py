"""Message → JSON, for `--json`: the structured data behind the message."""
from __future__ import annotations

import json

from bot.messages import Message


def render_json(message: Message) -> str:
    """The message's data as indented JSON (non-ASCII kept readable)."""
    return json.dumps(message.data, ensure_ascii=False, indent=2)
