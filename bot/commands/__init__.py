"""Platform-neutral commands: the registry, its handlers and line parsing."""
from bot.commands.catalog import build_registry
from bot.commands.parse import parse_line
from bot.commands.registry import Command, Context, Param, Registry, UserError

__all__ = ["build_registry", "parse_line", "Command", "Context", "Param", "Registry", "UserError"]
