"""Channels preset in the config file, applied when the bot starts.

The file is the source of truth for what it names: each start re-applies its
subscriptions and settings, so an edit to the file takes effect at the next start.
Channels and settings the file does not name are left as the commands made them.
"""
from __future__ import annotations

from sqlite_utils import Database

from bot.announce.channels import Channel, Channels
from bot.config import ChannelPreset


def apply_presets(db: Database, presets: tuple[ChannelPreset, ...]) -> list[Channel]:
    """Create or update each preset channel, its settings and what it follows, atomically."""
    channels = Channels(db)
    done = []
    with db.atomic():
        for preset in presets:
            channel = channels.ensure(preset.platform, preset.address, preset.name)
            for target_kind, target_id in preset.follow:
                channels.subscribe(channel.id, target_kind, target_id, preset.kinds)
            done.append(channels.configure(channel.id, **dict(preset.settings)))
    return done
