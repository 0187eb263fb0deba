"""Platforms: the only package that may import a chat SDK (discord, telegram)."""
