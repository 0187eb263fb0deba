"""`/help`: the commands and their help, taken from the registry itself."""
from __future__ import annotations

from bot.commands.registry import Context, Registry, UserError
from bot.messages import Fields, Message, Text


def make_help(registry: Registry):
    """Build the /help handler over `registry`, so it always lists what is registered."""

    def help(ctx: Context, command: str | None = None) -> Message:  # noqa: A001 - the command is /help
        """List the commands, or explain one of them with its options. Example: /help results"""
        lang = ctx.lang
        if command:
            cmd = registry.get(command)
            if cmd is None:
                raise UserError(lang.t("err.no_command_help", name=command.lstrip("/")))
            items = [(p.name + ("" if p.required else f" ({lang.t('help.optional')})"), lang.param_help(p.name, p.help))
                     for p in cmd.params]
            blocks = [Text(lang.command_help(cmd.name, cmd.help)), Text(lang.t("help.usage", usage=cmd.usage()))]
            if items:
                blocks.append(Fields(tuple(items)))
            data = {"name": cmd.name, "help": cmd.help, "usage": cmd.usage(), "params": [p.name for p in cmd.params]}
            return Message(title=f"/{cmd.name}", blocks=tuple(blocks), lang=lang.code, data=data)
        visible = [c for c in registry if c.role == "everyone" or (c.role == "admin" and ctx.is_admin)
                   or (c.role == "operator" and ctx.is_operator)]
        items = tuple(
            (c.usage(), lang.command_help(c.name, c.summary) + (f" ({lang.t('help.' + c.role)})" if c.admin_only else ""))
            for c in visible
        )
        data = [{"name": c.name, "help": c.help, "usage": c.usage()} for c in visible]
        return Message(title=lang.t("help.title"), blocks=(Fields(items),), lang=lang.code, data=data)

    return help

