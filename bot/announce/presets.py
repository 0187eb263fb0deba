"""Channels preset in the config file, applied when the bot starts.

The file is the source of truth for what it names: each start re-applies its
subscriptions and settings, so an edit to the file takes effect at the next start.
Channels and settings the file does not name are left as the commands made them.
"""
from __future__ import annotations

from bot.channel import Channel, ChannelPreset
from bot.store.channels import Channels


def apply_presets(channels: Channels, presets: tuple[ChannelPreset, ...]) -> list[Channel]:
    """Create or update each preset channel, its settings and what it follows, atomically."""
    done = []
    with channels.transaction():
        for preset in presets:
            channel = channels.ensure(preset.platform, preset.address, preset.name)
            for target_kind, target_id in preset.follow:
                channels.subscribe(channel.id, target_kind, target_id, preset.kinds)
            done.append(channels.configure(channel.id, **dict(preset.settings)))
    return done
