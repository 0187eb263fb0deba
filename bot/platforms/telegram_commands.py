"""Telegram commands: every command of the core registry, in private chats, groups,
supergroups (`/results@BotName lemans`) and channels, with buttons to switch a result's
session and class and to page through quotes.

A handler parses, asks the core, renders and replies; what a command means lives in the
registry, not here.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from dataclasses import replace

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ChatMemberStatus, ChatType, MessageEntityType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.app import App
from bot.commands.registry import menu_text
from bot.i18n import LANGUAGES, Lang
from bot.messages import Message, QuoteBlock, error_message
from bot.render.telegram_html import render_telegram
from bot.render.text import render_text

log = logging.getLogger(__name__)
QUOTES_PER_PAGE = 3
MAX_REPORT_BYTES = 5_000_000
DOWNLOAD_DEADLINE = 30.0  # seconds to fetch a file a user sent, from Telegram's own servers
REMEMBERED = 1000  # command lines kept for buttons whose own data would be too long
CALLBACK_MAX = 64  # bytes Telegram keeps of a button's data
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class TelegramCommands:
    """Registers the handlers on a PTB Application and answers through the core."""

    def __init__(self, app: App, application: Application):
        self.app = app
        self.application = application
        self._remembered: OrderedDict[str, str] = OrderedDict()  # button key -> command line
        updates = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
        application.add_handler(MessageHandler(filters.COMMAND & updates, self.on_command))
        application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE & updates, self.on_migrate))
        application.add_handler(MessageHandler(filters.Document.ALL & filters.CaptionRegex(r"^/ingest\b") & updates,
                                               self.on_document))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_error_handler(self.on_error)

    async def publish(self) -> None:
        """The command menu, in English and in French (setMyCommands per language)."""
        bot = self.application.bot
        for code in LANGUAGES:
            lang = Lang(code)
            commands = [BotCommand(c.name, menu_text(lang.command_help(c.name, c.summary), 256))
                        for c in self.app.registry]
            await bot.set_my_commands(commands, language_code=None if code == "en" else code)

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A /command in any chat: run it through the registry and reply."""
        msg, chat = update.effective_message, update.effective_chat
        text = msg.text or msg.caption or ""
        entity = next((e for e in msg.entities or () if e.type == MessageEntityType.BOT_COMMAND and e.offset == 0), None)
        if entity is None:
            return
        name, _, addressee = text[1:entity.length].partition("@")
        if addressee and addressee.lower() != (context.bot.username or "").lower():
            return  # meant for another bot in the group
        name = "help" if name.lower() == "start" else name.lower()
        command = self.app.registry.get(name)
        if command is None and chat.type != ChatType.PRIVATE and not addressee:
            return  # an unknown command in a group is probably another bot's
        is_admin = await self._is_admin(update) if command is not None and command.role == "admin" else False
        channels = self.app.channels
        # Only an admin command that is allowed needs a channel row: reading results, or a
        # refusal, leaves no trace.
        channel = channels.ensure("telegram", str(chat.id), chat.title or chat.username) if is_admin \
            else channels.find("telegram", str(chat.id))
        lang = None if channel else _user_lang(msg.from_user)
        line = f"/{name}{text[entity.length:]}"
        ctx = self._context(msg, lang, channel, is_admin)
        if name == "ingest" and is_admin:  # a pasted report keeps its paragraphs (parsing would join them)
            reply = await self.app.registry.run_async(ctx, "ingest", {"report": text[entity.length:].strip()})
        else:
            reply = await self.app.ask_async(line, ctx)
        await self._reply(update, reply, line)

    def _context(self, msg, lang: str | None, channel, is_admin: bool):
        """The command context of whoever sent `msg`: who they are, and whether they are an
        operator. A post signed by a chat (a channel, an anonymous admin) is nobody's."""
        user = msg.from_user
        if msg.sender_chat is not None or user is None:
            who, operator = f"telegram:chat{(msg.sender_chat or msg.chat).id}", False
        else:
            who, operator = f"telegram:{user.id}", self.app.is_operator("telegram", user.id)
        return self.app.context(lang=lang, is_admin=is_admin, channel=channel, is_operator=operator, user=who)

    async def on_document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A report sent as a file with the caption /ingest: read it, show its facts."""
        msg, chat = update.effective_message, update.effective_chat
        channel = self.app.channels.find("telegram", str(chat.id))
        lang = None if channel else _user_lang(msg.from_user)
        if not await self._is_admin(update):
            reply = await self.app.registry.run_async(self._context(msg, lang, channel, False), "ingest",
                                                      {"report": "-"})  # the registry's refusal
        elif (msg.document.file_size or 0) > MAX_REPORT_BYTES:
            reply = error_message(f"{msg.document.file_name}: larger than 5 MB; that is not a race report.")
        else:
            try:
                file = await asyncio.wait_for(msg.document.get_file(), DOWNLOAD_DEADLINE)
                raw = bytes(await asyncio.wait_for(file.download_as_bytearray(), DOWNLOAD_DEADLINE))
            except (asyncio.TimeoutError, TelegramError) as err:
                reply = error_message(f"{msg.document.file_name}: could not be downloaded ({type(err).__name__}); "
                                      "send it again.")
            else:
                channel = self.app.channels.ensure("telegram", str(chat.id), chat.title or chat.username)
                ctx = self._context(msg, lang, channel, True)
                reply = await self.app.reports.propose_file(ctx, raw[:MAX_REPORT_BYTES + 1],
                                                            msg.document.file_name or "a file")
        await self._reply(update, reply, "/ingest")

    async def _is_admin(self, update: Update) -> bool:
        """The sender may change this chat's settings."""
        msg = update.effective_message
        return await self._may_manage(update.effective_chat, msg.from_user, msg.sender_chat)

    async def _may_manage(self, chat, user, sender_chat) -> bool:
        """In a private chat, always; in a channel, whoever can post; in a group, its
        administrators (anonymous ones post as the group itself)."""
        if chat.type in (ChatType.PRIVATE, ChatType.CHANNEL):
            return True
        if sender_chat and sender_chat.id == chat.id:
            return True
        if user is None:
            return False
        try:
            member = await self.application.bot.get_chat_member(chat.id, user.id)
        except TelegramError as err:
            log.warning("Telegram: cannot check admins of %s: %s", chat.id, err)
            return False
        return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)

    async def _reply(self, update: Update, reply: Message, line: str) -> None:
        chat = update.effective_chat
        page = 0
        reply, keyboard = self._with_buttons(reply, line, page)
        parts = render_telegram(reply)
        thread = update.effective_message.message_thread_id if update.effective_message.is_topic_message else None
        for i, part in enumerate(parts):
            await self.application.bot.send_message(
                chat.id, part, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW, message_thread_id=thread,
                reply_markup=keyboard if i == len(parts) - 1 else None)

    def _data(self, kind: str, page: int, text: str) -> str:
        """A button's data: the command itself when it fits in Telegram's 64 bytes,
        else a short key to it kept here (such a button expires when the bot restarts)."""
        data = f"{kind}|{page}|{text}"
        if len(data.encode()) <= CALLBACK_MAX:
            return data
        key = hashlib.sha256(text.encode()).hexdigest()[:12]
        self._remembered[key] = text
        self._remembered.move_to_end(key)
        while len(self._remembered) > REMEMBERED:
            self._remembered.popitem(last=False)
        return f"k|{page}|{key}"

    def _with_buttons(self, reply: Message, line: str, page: int) -> tuple[Message, InlineKeyboardMarkup | None]:
        """Buttons for /results (session, class) and /quotes (pages)."""
        if reply.error:
            return reply, None
        if isinstance(reply.data, dict) and reply.data.get("confirm"):
            label = Lang(reply.lang).t("ingest.publish")
            return reply, InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=f"c|0|{reply.data['confirm']}")]])
        nav = reply.data.get("navigation") if isinstance(reply.data, dict) else None
        if nav:
            return reply, self._results_keyboard(Lang(reply.lang), nav)
        quotes = [b for b in reply.blocks if isinstance(b, QuoteBlock)]
        if line.startswith("/quotes") and len(quotes) > QUOTES_PER_PAGE:
            pages = -(-len(quotes) // QUOTES_PER_PAGE)
            page = min(max(page, 0), pages - 1)
            shown = quotes[page * QUOTES_PER_PAGE:(page + 1) * QUOTES_PER_PAGE]
            reply = replace(reply, title=f"{reply.title} ({page + 1}/{pages})", blocks=tuple(shown))
            buttons = []
            if page > 0:
                buttons.append(InlineKeyboardButton("‹", callback_data=self._data("l", page - 1, line)))
            if page < pages - 1:
                buttons.append(InlineKeyboardButton("›", callback_data=self._data("l", page + 1, line)))
            return reply, InlineKeyboardMarkup([buttons])
        return reply, None

    def _results_keyboard(self, lang: Lang, nav: dict) -> InlineKeyboardMarkup | None:
        event, session, chosen = nav["event_id"], nav["session"], nav["class"]

        def button(label: str, session_kind: str, car_class: str | None) -> InlineKeyboardButton:
            """A button that shows the results of this session and class."""
            line = f"/results {event} session:{session_kind}" + ("" if car_class is None else f" class:{car_class or 'overall'}")
            return InlineKeyboardButton(label, callback_data=self._data("l", 0, line))

        rows = []
        if len(nav["sessions"]) > 1:
            rows.append([button(("• " if s == session else "") + lang.t(f"session.{s}"), s, None) for s in nav["sessions"]])
        if len(nav["classes"]) > 1:
            row = [button(("• " if chosen is None else "") + lang.t("all_classes"), session, None)]
            row += [button(("• " if c == chosen else "") + (lang.t("class", name=c) if c else lang.t("overall")), session, c)
                    for c in nav["classes"]]
            rows.append(row)
        return InlineKeyboardMarkup(rows) if rows else None

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button under a result or a quote page: show what it asks for, in place."""
        query = update.callback_query
        kind, _, rest = (query.data or "").partition("|")
        number, _, text = rest.partition("|")
        page = int(number) if number.isdecimal() and len(number) < 4 else 0
        if kind == "c":
            await self._confirm(update, text)
            return
        line = self._remembered.get(text) if kind == "k" else text if kind == "l" else None
        if not line or not line.startswith(("/results ", "/quotes ")):
            # Not a button we made (or one from before a restart): say so, run nothing.
            await query.answer(Lang(_user_lang(query.from_user) or "en").t("err.button_expired"))
            return
        await query.answer()
        chat = update.effective_chat
        channel = self.app.channels.find("telegram", str(chat.id)) if chat else None
        lang = None if channel else _user_lang(query.from_user)
        reply = await self.app.ask_async(line, self.app.context(lang=lang, channel=channel))
        reply, keyboard = self._with_buttons(reply, line, page)
        parts = render_telegram(reply)
        try:
            await query.edit_message_text(parts[0], parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
                                          reply_markup=keyboard if len(parts) == 1 else None)
        except BadRequest as err:
            if "not modified" not in str(err).lower():
                raise
        for i, part in enumerate(parts[1:], 2):  # a longer answer continues below
            await self.application.bot.send_message(chat.id, part, parse_mode=ParseMode.HTML,
                                                    link_preview_options=NO_PREVIEW,
                                                    reply_markup=keyboard if i == len(parts) else None)

    async def _confirm(self, update: Update, token: str) -> None:
        """The Publish button under a report's facts: for the operator who sent the report,
        in this chat; anyone else is told why, and the facts stay listed."""
        query, chat = update.callback_query, update.effective_chat
        user = query.from_user
        channel = self.app.channels.find("telegram", str(chat.id)) if chat else None
        ctx = self.app.context(lang=_user_lang(user), channel=channel, user=f"telegram:{user.id}",
                               is_operator=self.app.is_operator("telegram", user.id))
        reply = await self.app.registry.run_async(ctx, "confirm", {"token": token})
        if reply.error:
            await query.answer(render_text(reply)[:200], show_alert=True)
            return
        await query.answer()
        await query.edit_message_text(render_telegram(reply)[0], parse_mode=ParseMode.HTML,
                                      link_preview_options=NO_PREVIEW)

    async def on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup: its channel, settings and posts follow it."""
        msg = update.effective_message
        if msg.migrate_to_chat_id:
            channel = self.app.channels.find("telegram", str(msg.chat.id))
            if channel:
                self.app.channels.move(channel.id, str(msg.migrate_to_chat_id))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A failed reply is logged, never fatal; the next message is answered as usual."""
        log.warning("Telegram: handling an update failed: %s", context.error)


def _user_lang(user) -> str | None:
    """French for a user whose Telegram speaks French; otherwise the default."""
    return "fr" if user is not None and (user.language_code or "").startswith("fr") else None
