"""Renderers: one per platform, each turning a Message into what the platform shows."""
