"""Discord slash commands generated from the core registry, and the interactions they bring.

The command tree is built as the JSON Discord takes: typed options, autocomplete where
the registry has a source, choices where it has a fixed list, names and descriptions in
English and French, Manage Channels as the default permission of admin commands. It is
synced only when its fingerprint differs from the last one synced (Discord caps command
creates per day), and admin rights are checked again on every call.
"""
from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
from collections import OrderedDict

import aiohttp
import discord

from bot.commands.registry import Command, Param, Registry, menu_text
from bot.commands.service import Commands
from bot.domain import LANGUAGES
from bot.i18n import Lang
from bot.messages import Message, error_message
from bot.render.discord_embeds import DiscordPost, render_discord
from bot.store.platform_state import PlatformState

log = logging.getLogger(__name__)
STRING, INTEGER, ATTACHMENT = 3, 4, 11
MANAGE_CHANNELS = 1 << 4
STATE_KEY = "discord.command_tree"
BUTTON = "pb:"  # custom id prefix of the core's buttons: the command line follows
CUSTOM_ID_MAX = 100
REMEMBERED = 1000  # command lines kept for buttons whose own id would be too long
NO_MENTIONS = discord.AllowedMentions.none()
MAX_REPORT_BYTES = 5_000_000
DOWNLOAD_DEADLINE = 30.0


def _describe(text: str) -> str:
    """A description within Discord's 1–100 characters."""
    return menu_text(text, 100)


def _option(p: Param) -> dict:
    option = {
        "name": p.name,
        "description": _describe(p.help),
        "type": INTEGER if p.kind is int else STRING,
        "required": p.required,
        "name_localizations": {code: Lang(code).param_name(p.name) for code in LANGUAGES if code != "en"},
        "description_localizations": {code: _describe(Lang(code).param_help(p.name, p.help))
                                      for code in LANGUAGES if code != "en"},
    }
    if p.complete:
        option["autocomplete"] = True  # Discord allows autocomplete or choices, not both
    elif p.choices:
        option["choices"] = [{"name": c, "value": c} for c in p.choices]
    if p.minimum is not None:
        option["min_value"] = p.minimum
    if p.maximum is not None:
        option["max_value"] = p.maximum
    return option


def command_tree(registry: Registry) -> list[dict]:
    """Every registry command as a Discord application command."""
    tree = []
    for cmd in registry:
        entry = {
            "name": cmd.name,
            "type": 1,
            "description": _describe(cmd.summary),
            "name_localizations": {code: Lang(code).command_name(cmd.name) for code in LANGUAGES if code != "en"},
            "description_localizations": {code: _describe(Lang(code).command_help(cmd.name, cmd.summary))
                                          for code in LANGUAGES if code != "en"},
            "options": [_option(p) for p in sorted(cmd.params, key=lambda p: not p.required)],
        }
        if any(p.file for p in cmd.params):
            # A text that may also come as a file (a report): either option will do.
            for option in entry["options"]:
                option["required"] = False
            entry["options"].append({"name": "file", "type": ATTACHMENT, "required": False,
                                     "description": "The same, as a text or HTML file",
                                     "name_localizations": {"fr": "fichier"},
                                     "description_localizations": {"fr": "La même chose, en fichier texte ou HTML"}})
        if cmd.admin_only:
            entry["default_member_permissions"] = str(MANAGE_CHANNELS)
            entry["contexts"] = [0]  # servers only: a channel's admins are a server's idea
        tree.append(entry)
    return tree


def fingerprint(tree: list[dict]) -> str:
    """A stable digest of the tree, to tell whether Discord already has it."""
    return hashlib.sha256(json.dumps(tree, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


async def sync_if_changed(registry: Registry, state: PlatformState, client: discord.Client) -> bool:
    """Send the tree to Discord when it differs from the last one sent; True if sent."""
    tree = command_tree(registry)
    digest = fingerprint(tree)
    key = f"{STATE_KEY}:{client.application_id}"  # another bot (token) has its own tree
    if state.get(key) == digest:
        log.info("Discord: command tree unchanged, not synced")
        return False
    await client.http.bulk_upsert_global_commands(client.application_id, tree)
    state.set(key, digest)
    log.info("Discord: command tree synced (%d commands)", len(tree))
    return True


class DiscordCommands:
    """Answers slash commands and autocomplete through the core."""

    def __init__(self, commands: Commands, client: discord.Client):
        self.commands = commands
        self.client = client
        self._remembered: OrderedDict[str, str] = OrderedDict()  # button key -> command line
        # The application's owner (or its team's members): operators unless the config
        # names Discord operators itself. Filled in when the platform logs in.
        self.owners: frozenset[str] = frozenset()

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Every interaction the gateway delivers: commands and autocomplete. Whatever
        goes wrong, the user gets a sentence, never Discord's "did not respond"."""
        try:
            if interaction.type == discord.InteractionType.component:
                await self._component(interaction)
            elif interaction.type == discord.InteractionType.application_command:
                await self._command(interaction)
            elif interaction.type == discord.InteractionType.autocomplete:
                await self._autocomplete(interaction)
        except Exception:  # noqa: BLE001 - one failed interaction must not look like a dead bot
            log.exception("Discord: interaction %s failed", interaction.id)
            if interaction.type == discord.InteractionType.autocomplete:
                return
            text = Lang("fr" if str(interaction.locale).startswith("fr") else "en").t("err.internal")
            try:
                if interaction.response.is_done():
                    await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
                else:
                    await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
            except discord.HTTPException as err:
                log.warning("Discord: could not tell the user either: %s", err)

    def _args(self, interaction: discord.Interaction) -> tuple[Command | None, dict, dict | None]:
        """The command, its arguments, and the file attached to it (a report), if any."""
        data = interaction.data or {}
        command = self.commands.registry.get(str(data.get("name", "")))
        args = {o["name"]: str(o.get("value", "")) for o in data.get("options", ()) if "value" in o}
        attachment = None
        if "file" in args:  # the report as a file, kept by Discord
            attachment = (data.get("resolved") or {}).get("attachments", {}).get(args.pop("file")) or {}
        return command, args, attachment

    def _context(self, interaction: discord.Interaction, admin: bool = False):
        """Who asks and where. Only an admin command that is allowed creates the channel's
        row: reading results, or a refusal, leaves no trace."""
        channel = self.commands.channel_for("discord", str(interaction.channel_id),
                                            getattr(interaction.channel, "name", None), create=admin)
        lang = None
        if channel is None and str(interaction.locale).startswith("fr"):
            lang = "fr"
        user = interaction.user.id
        return self.commands.context(lang=lang, is_admin=admin, channel=channel, user=f"discord:{user}",
                                is_operator=self.commands.is_operator("discord", user, self.owners))

    @staticmethod
    def may_manage(interaction: discord.Interaction) -> bool:
        """Checked on our side too: the default permission can be changed by a server's
        owner, and a stale client may still offer the command."""
        if interaction.guild_id is None:
            return True  # a direct message: the user's own channel
        perms = interaction.permissions
        return perms.administrator or perms.manage_channels or perms.manage_guild

    async def _command(self, interaction: discord.Interaction) -> None:
        command, args, attachment = self._args(interaction)
        if command is None:
            await interaction.response.send_message("This command is gone; Discord will refresh the list soon.",
                                                    ephemeral=True)
            return
        admin = command.role == "admin"
        if admin and not self.may_manage(interaction):
            # Refused at once, privately, before anything is written or deferred.
            ctx = self._context(interaction)
            await interaction.response.send_message(ctx.lang.t("err.not_allowed", command=command.name),
                                                    ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        deferred = command.admin_only or command.will_draw(args)
        if deferred:
            # Writes may wait on the database lock, a report on its link, a picture on its
            # drawing; reads in WAL never do. So only these defer, and the 3-second deadline
            # holds either way.
            await interaction.response.defer(thinking=True)
        ctx = self._context(interaction, admin=admin)
        if attachment is not None and any(p.file for p in command.params):
            reply = await self._report_file(ctx, attachment)
        else:
            reply = await self.commands.registry.run_async(ctx, command.name, args)
        reply = self.commands.settle(ctx, reply)
        await self._respond(interaction, reply, deferred=deferred)

    async def _report_file(self, ctx, attachment: dict) -> Message:
        """A report sent as a file: downloaded from Discord's own storage (the address comes
        from Discord, not from the user), at most 5 MB, then read like any report."""
        name = str(attachment.get("filename") or "the file")
        if not attachment.get("url") or int(attachment.get("size") or 0) > MAX_REPORT_BYTES:
            return error_message(f"{name}: larger than 5 MB, or missing; that is not a race report.", ctx.lang.code)
        try:
            raw = await asyncio.wait_for(self.client.http.get_from_cdn(attachment["url"]), DOWNLOAD_DEADLINE)
        except (asyncio.TimeoutError, discord.HTTPException, aiohttp.ClientError) as err:
            return error_message(f"{name}: could not be downloaded ({type(err).__name__}); send it again.",
                                 ctx.lang.code)
        return await self.commands.propose_file(ctx, raw[:MAX_REPORT_BYTES + 1], name)

    async def _component(self, interaction: discord.Interaction) -> None:
        """A button under an answer: its command, run for whoever pressed it (with their
        rights), shown in place of the message; a refusal goes to the presser alone."""
        custom_id = str((interaction.data or {}).get("custom_id", ""))
        line = custom_id[len(BUTTON):] if custom_id.startswith(BUTTON + "/") else self._remembered.get(custom_id)
        if not line:
            lang = Lang("fr" if str(interaction.locale).startswith("fr") else "en")
            await interaction.response.send_message(lang.t("err.button_expired"), ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)
            return
        admin = self.commands.role_of(line) == "admin"
        if admin and not self.may_manage(interaction):
            ctx = self._context(interaction)
            await interaction.response.send_message(ctx.lang.t("err.not_allowed", command=line.split()[0][1:]),
                                                    ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        if self.commands.draws(line):
            # The card button: drawing may take longer than Discord's 3 s, so answered later
            # as a new message; the answer above stays.
            await interaction.response.defer(thinking=True)
            reply = await self.commands.ask_async(line, self._context(interaction, admin=admin))
            await interaction.followup.send(**_kwargs(render_discord(reply)[0], reply), ephemeral=reply.error)
            return
        reply = await self.commands.ask_async(line, self._context(interaction, admin=admin))
        if reply.error:
            await interaction.response.send_message(**_kwargs(render_discord(reply)[0]), ephemeral=True)
            return
        await interaction.response.edit_message(**_kwargs(render_discord(reply)[0]), view=self._view(reply))

    def _view(self, reply: Message) -> discord.ui.View | None:
        """The message's buttons as Discord components (5 to a row, 5 rows at most)."""
        if reply.error or not any(reply.buttons):
            return None
        view = discord.ui.View(timeout=None)
        for row_index, row in enumerate(reply.buttons[:5]):
            for button in row[:5]:
                style = discord.ButtonStyle.primary if button.selected or button.primary \
                    else discord.ButtonStyle.secondary
                view.add_item(discord.ui.Button(label=button.label[:80], custom_id=self._custom_id(button.command),
                                                style=style, row=row_index))
        return view

    def _custom_id(self, line: str) -> str:
        """A button's id: the command line when it fits Discord's 100 characters, else a
        short key to it kept here (such a button expires when the bot restarts)."""
        if len(BUTTON + line) <= CUSTOM_ID_MAX:
            return BUTTON + line
        key = BUTTON + "k:" + hashlib.sha256(line.encode()).hexdigest()[:16]
        self._remembered[key] = line
        self._remembered.move_to_end(key)
        while len(self._remembered) > REMEMBERED:
            self._remembered.popitem(last=False)
        return key

    async def _respond(self, interaction: discord.Interaction, reply: Message, deferred: bool) -> None:
        posts = render_discord(reply)
        first, rest = posts[0], posts[1:]
        view = self._view(reply)
        extra = {"view": view} if view is not None and not rest else {}  # buttons go under the last part
        if deferred:
            await interaction.followup.send(**_kwargs(first, reply), ephemeral=reply.error, **extra)
        else:
            await interaction.response.send_message(**_kwargs(first, reply), ephemeral=reply.error, **extra)
        for i, post in enumerate(rest, 1):
            last = {"view": view} if view is not None and i == len(rest) else {}
            await interaction.followup.send(**_kwargs(post), **last)

    async def _autocomplete(self, interaction: discord.Interaction) -> None:
        command, args, _ = self._args(interaction)
        options = (interaction.data or {}).get("options", ())
        focused = next((o for o in options if o.get("focused")), None)
        suggestions: list[str] = []
        if command and focused:
            ctx = self._context(interaction)
            suggestions = self.commands.registry.complete(ctx, command.name, focused["name"], str(focused.get("value", "")), args)
        await interaction.response.autocomplete(
            [discord.app_commands.Choice(name=s[:100], value=s[:100]) for s in suggestions[:25]])


def _kwargs(post: DiscordPost, reply: Message | None = None) -> dict:
    """Keyword arguments for discord.py's send: embeds, and no mention of anyone; with the
    reply's card, the file and the first embed showing it (`attachment://`)."""
    embeds = [dict(e) for e in post.embeds]
    kwargs: dict = {"allowed_mentions": NO_MENTIONS}
    image = reply.image if reply is not None else None
    if image is not None:
        card = discord.File(io.BytesIO(image.png), filename=image.name, description=image.alt[:1024],
                            spoiler=image.spoiler)
        kwargs["file"] = card
        if embeds:
            embeds[0]["image"] = {"url": f"attachment://{card.filename}"}
    kwargs["embeds"] = [discord.Embed.from_dict(e) for e in embeds]
    if post.content:
        kwargs["content"] = post.content
    return kwargs
