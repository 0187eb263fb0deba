"""Telegram commands: every command of the core registry, in private chats, groups,
supergroups (`/results@BotName lemans`) and channels, with the buttons the core puts under
its answers (another session or class of a result, the next page of quotes, Publish).

A handler parses, asks the core, renders and replies; what a command or a button means
lives in the core, not here. A button runs its command line for whoever presses it, with
that person's rights, and shows the answer in place of the message.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ChatMemberStatus, ChatType, MessageEntityType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.commands.registry import menu_text
from bot.commands.service import Commands
from bot.domain import LANGUAGES
from bot.i18n import Lang
from bot.messages import Message, error_message
from bot.render.telegram_html import render_telegram
from bot.render.text import render_text

log = logging.getLogger(__name__)
PAGE_SIZE = 3  # quotes a page: a phone screen
MAX_REPORT_BYTES = 5_000_000
DOWNLOAD_DEADLINE = 30.0  # seconds to fetch a file a user sent, from Telegram's own servers
REMEMBERED = 1000  # command lines kept for buttons whose own data would be too long
CALLBACK_MAX = 64  # bytes Telegram keeps of a button's data
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


CAPTION = 1024  # characters a photo's caption may hold

class TelegramCommands:
    """Registers the handlers on a PTB Application and answers through the core."""

    def __init__(self, commands: Commands, application: Application):
        self.commands = commands
        self.application = application
        self._remembered: OrderedDict[str, str] = OrderedDict()  # button key -> command line
        updates = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
        application.add_handler(MessageHandler(filters.COMMAND & updates, self.on_command))
        application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE & updates, self.on_migrate))
        # A document captioned with a command that takes a file (a report for /ingest).
        takes_file = "|".join(c.name for c in commands.registry if any(p.file for p in c.params)) or "(?!)"
        application.add_handler(MessageHandler(filters.Document.ALL & filters.CaptionRegex(rf"^/(?:{takes_file})\b")
                                               & updates, self.on_document))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_error_handler(self.on_error)

    async def publish(self) -> None:
        """The command menu, in English and in French (setMyCommands per language)."""
        bot = self.application.bot
        for code in LANGUAGES:
            lang = Lang(code)
            menu = [BotCommand(c.name, menu_text(lang.command_help(c.name, c.summary), 256))
                    for c in self.commands.registry]
            await bot.set_my_commands(menu, language_code=None if code == "en" else code)

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
        if self.commands.registry.get(name) is None and chat.type != ChatType.PRIVATE and not addressee:
            return  # an unknown command in a group is probably another bot's
        line = f"/{name}{text[entity.length:]}"
        reply = await self._run(line, chat, msg.from_user, msg.sender_chat)
        await self._reply(update, reply)

    async def _run(self, line: str, chat, user, sender_chat) -> Message:
        """Run `line` as its sender in `chat`: an admin command only for the chat's admins,
        and only an allowed one makes the chat a channel here (a refusal leaves no trace)."""
        is_admin = await self._may_manage(chat, user, sender_chat) if self.commands.role_of(line) == "admin" else False
        channel = self.commands.channel_for("telegram", str(chat.id), chat.title or chat.username, create=is_admin)
        lang = None if channel else _user_lang(user)
        return await self.commands.ask_async(line, self._context(user, sender_chat, chat, lang, channel, is_admin))

    def _context(self, user, sender_chat, chat, lang: str | None, channel, is_admin: bool):
        """The command context of whoever sent a message: who they are, and whether they are
        an operator. A post signed by a chat (a channel, an anonymous admin) is nobody's."""
        if sender_chat is not None or user is None:
            who, operator = f"telegram:chat{(sender_chat or chat).id}", False
        else:
            who, operator = f"telegram:{user.id}", self.commands.is_operator("telegram", user.id)
        return self.commands.context(lang=lang, is_admin=is_admin, channel=channel, is_operator=operator, user=who,
                                     page_size=PAGE_SIZE)

    async def on_document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A report sent as a file with the caption /ingest: read it, show its facts."""
        msg, chat = update.effective_message, update.effective_chat
        command = (msg.caption or "").split()[0].split("@")[0]
        if not await self._may_manage(chat, msg.from_user, msg.sender_chat):
            reply = await self._run(f"{command} -", chat, msg.from_user, msg.sender_chat)  # the refusal
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
                channel = self.commands.channel_for("telegram", str(chat.id), chat.title or chat.username, create=True)
                ctx = self._context(msg.from_user, msg.sender_chat, chat, None, channel, True)
                reply = await self.commands.propose_file(ctx, raw[:MAX_REPORT_BYTES + 1],
                                                         msg.document.file_name or "a file")
        await self._reply(update, reply)

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

    async def _reply(self, update: Update, reply: Message) -> None:
        chat = update.effective_chat
        keyboard = self._keyboard(reply)
        parts = render_telegram(reply)
        thread = update.effective_message.message_thread_id if update.effective_message.is_topic_message else None
        if reply.image is not None:  # the card first, captioned with what it shows; the text below it
            await self._photo(chat.id, reply, thread)
        for i, part in enumerate(parts):
            await self.application.bot.send_message(
                chat.id, part, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW, message_thread_id=thread,
                reply_markup=keyboard if i == len(parts) - 1 else None)

    async def _photo(self, chat_id: int, reply: Message, thread: int | None = None) -> None:
        image = reply.image
        await self.application.bot.send_photo(chat_id, image.png, caption=image.alt[:CAPTION], filename=image.name,
                                              has_spoiler=image.spoiler, message_thread_id=thread)

    def _keyboard(self, reply: Message) -> InlineKeyboardMarkup | None:
        """The message's buttons as an inline keyboard."""
        rows = [[InlineKeyboardButton(b.label, callback_data=self._data(b.command)) for b in row]
                for row in reply.buttons if row]
        return InlineKeyboardMarkup(rows) if rows and not reply.error else None

    def _data(self, line: str) -> str:
        """A button's data: the command line itself when it fits in Telegram's 64 bytes,
        else a short key to it kept here (such a button expires when the bot restarts)."""
        if len(line.encode()) <= CALLBACK_MAX:
            return line
        key = "k:" + hashlib.sha256(line.encode()).hexdigest()[:12]
        self._remembered[key] = line
        self._remembered.move_to_end(key)
        while len(self._remembered) > REMEMBERED:
            self._remembered.popitem(last=False)
        return key

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button under an answer: its command, run for whoever pressed it, shown in place
        of the message (a refusal is shown to the presser alone)."""
        query, chat = update.callback_query, update.effective_chat
        data = query.data or ""
        line = data if data.startswith("/") else self._remembered.get(data)
        if not line or chat is None:
            # Not a button we made (or one from before a restart): say so, run nothing.
            await query.answer(Lang(_user_lang(query.from_user) or "en").t("err.button_expired"))
            return
        reply = await self._run(line, chat, query.from_user, None)
        if reply.error:
            await query.answer(render_text(reply)[:200], show_alert=True)
            return
        await query.answer()
        if reply.image is not None:
            # The card button: the picture comes as a new message (in the same forum topic);
            # the answer above stays.
            message = query.message
            thread = message.message_thread_id if message is not None and message.is_topic_message else None
            await self._photo(chat.id, reply, thread)
            return
        keyboard = self._keyboard(reply)
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

    async def on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup: its channel, settings and posts follow it."""
        msg = update.effective_message
        if msg.migrate_to_chat_id:
            self.commands.channel_moved("telegram", str(msg.chat.id), str(msg.migrate_to_chat_id))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A failed reply is logged, never fatal; the next message is answered as usual."""
        log.warning("Telegram: handling an update failed: %s", context.error)


def _user_lang(user) -> str | None:
    """French for a user whose Telegram speaks French; otherwise the default."""
    return "fr" if user is not None and (user.language_code or "").startswith("fr") else None
