"""Announcements: channels and subscriptions, the outbox, the dispatcher and the scheduler."""
