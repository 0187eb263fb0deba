"""Telegram, over python-telegram-bot 22: announcements out, commands in.

One PTB Application on the core's event loop, polling getUpdates. Sends go through
PTB's AIORateLimiter as well as our dispatcher's windows: the dispatcher paces
announcements, the limiter also covers command replies. Every Telegram error becomes
one of the dispatcher's outcomes; no PTB exception leaves this package.
"""
from __future__ import annotations

import logging
import warnings
from datetime import timedelta

from telegram import InputMediaPhoto, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError,
                            TimedOut)
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from bot.commands.service import Commands
from bot.messages import Image, Message
from bot.platforms.telegram_commands import TelegramCommands
from bot.ports import TELEGRAM_LIMITS, Capabilities, Limits, MessageRef, SendFailed
from bot.render.telegram_html import render_telegram

log = logging.getLogger(__name__)
DEFAULT_API = "https://api.telegram.org/bot"
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
CONCURRENT_UPDATES = 64
MAX_IN_FLIGHT = 60
SEND_READ_TIMEOUT = 30.0
# Telegram says these when the chat is no more, or the bot is no longer in it.
_GONE = ("chat not found", "bot was kicked", "bot is not a member", "group chat was deleted", "not enough rights",
         "need administrator rights", "have no rights to send")


def failure(err: TelegramError) -> SendFailed:
    """What the dispatcher should do about a Telegram error."""
    text = str(err.message if hasattr(err, "message") else err)
    if isinstance(err, InvalidToken):
        # Its text quotes the token: keep it out of the stored reason. The post waits.
        return SendFailed("transient", "Telegram refused the bot token; check TELEGRAM_BOT_TOKEN")
    if isinstance(err, RetryAfter):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PTB 22 warns that the int form will become a timedelta
            wait = err.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return SendFailed("retry_after", f"429 Too Many Requests: retry after {seconds:g}", retry_after=seconds)
    if isinstance(err, ChatMigrated):
        return SendFailed("moved", f"the group became the supergroup {err.new_chat_id}", new_address=str(err.new_chat_id))
    if isinstance(err, Forbidden):
        return SendFailed("gone", f"403 Forbidden: {text}")
    if isinstance(err, BadRequest):
        if any(g in text.lower() for g in _GONE):
            return SendFailed("gone", f"400 Bad Request: {text}")
        if "message thread not found" in text.lower():
            # The forum topic was deleted, not the chat: the dispatcher opens a new one.
            return SendFailed("place", f"400 Bad Request: {text}")
        return SendFailed("rejected", f"400 Bad Request: {text}")
    if isinstance(err, (TimedOut, NetworkError)):
        return SendFailed("transient", f"{type(err).__name__}: {text}")
    return SendFailed("rejected", f"{type(err).__name__}: {text}")


CAPTION = 1024  # characters a photo's caption may hold
TOPIC_NAME = 128  # characters a forum topic's name may hold




def topic_of(address: str) -> tuple[str, int | None]:
    """A chat, and its forum topic when the address names one ("-100123:45")."""
    chat, _, topic = address.rpartition(":")
    return (chat, int(topic)) if chat and topic.isdigit() else (address, None)

async def _delete(bot, chat: str, message_id: str) -> None:
    """Delete a message; one already gone (a retry, a moderator) is deleted enough."""
    try:
        await bot.delete_message(chat, int(message_id))
    except BadRequest as err:
        if "not found" not in str(err).lower():
            raise

def _photos(ids: list[str]) -> int:
    """How many of a post's message ids are its card's."""
    return sum(1 for i in ids if i.startswith("p"))

class TelegramPlatform:
    """The Platform seam for Telegram, plus the bot that answers commands."""

    name = "telegram"

    def __init__(self, commands: Commands, token: str, base_url: str | None = None, poll_timeout: float = 10.0,
                 limits: Limits = TELEGRAM_LIMITS):
        # `limits`: Telegram's own, unless a test's fake says otherwise.
        # Many sends in flight (a round trip is 50-250 ms; 30 a second need several at once);
        # the dispatcher keeps one per chat, so a crash re-sends at most one post per chat.
        self.capabilities = Capabilities(max_length=4096, spoilers=True, edits=True, limits=limits,
                                         max_in_flight=MAX_IN_FLIGHT, group_prefix="-", images=True, places=True)
        self.poll_timeout = poll_timeout
        api = (base_url or DEFAULT_API).rstrip("/")
        builder = (ApplicationBuilder().token(token).base_url(api).base_file_url(api.replace("/bot", "/file/bot", 1))
                   .rate_limiter(AIORateLimiter(max_retries=0))
                   # Updates are handled side by side: one chat waiting on a slow link never
                   # holds up another chat's /results.
                   .concurrent_updates(CONCURRENT_UPDATES)
                   # A send answered late is not a failed send: retrying it would post it twice.
                   .read_timeout(SEND_READ_TIMEOUT).write_timeout(SEND_READ_TIMEOUT)
                   .job_queue(None))  # the core's scheduler owns every timed job
        self.application: Application = builder.build()
        self.commands = TelegramCommands(commands, self.application)
        self.polling_error: str | None = None
        # Parts of long posts already delivered, by nonce: a retry sends only the rest.
        self._partial: dict[str, list[str]] = {}

    async def start(self) -> None:
        """Connect, publish the command menu (English and French) and start polling."""
        await self.application.initialize()
        try:
            await self.commands.publish()
        except TelegramError as err:  # the menu is a convenience; commands work without it
            log.warning("Telegram: could not publish the command menu (%s); will try at the next start", err)
        await self.application.start()
        await self.application.updater.start_polling(
            timeout=self.poll_timeout, allowed_updates=["message", "channel_post", "callback_query"],
            error_callback=self._polling_failed,
        )
        log.info("Telegram: polling as @%s", self.application.bot.username)

    def health(self) -> str:
        """Connected while polling for updates, with the last polling error if it is failing."""
        if not (self.application.updater and self.application.updater.running):
            return "not polling"
        return f"polling, but: {self.polling_error}" if self.polling_error else "connected"

    async def stop(self) -> None:
        """Stop polling and close the connection."""
        if self.application.updater and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    def _polling_failed(self, err: TelegramError) -> None:
        self.polling_error = f"{type(err).__name__}: {err}"[:200]
        log.warning("Telegram polling: %s", err)

    async def send(self, channel: str, message: Message, nonce: str | None = None) -> MessageRef:
        """Post `message` (as many Telegram messages as its length needs) to chat `channel`."""
        key = f"{channel}:{nonce}" if nonce else None
        ids = self._partial.pop(key, []) if key else []
        try:
            # A card goes first, as a photo captioned with what it shows; the text follows
            # (a caption holds 1,024 characters, a results post more).
            if message.image is not None and not message.image.keep and not ids:
                photo = await self._optional_photo(channel, message.image)
                ids += [photo] if photo else []
            for part in render_telegram(message)[len(ids) - _photos(ids):]:
                ids.append(await self._post(channel, part))
        except TelegramError as err:
            raise failure(err) from None
        finally:
            # Whatever stopped it (an error, or the dispatcher's timeout cancelling it), the
            # retry goes on from the first part missing: nothing is sent twice.
            if key and ids and len(ids) - _photos(ids) < len(render_telegram(message)):
                self._partial[key] = ids
        return MessageRef(self.name, channel, ",".join(ids))

    async def _optional_photo(self, channel: str, image: Image) -> str | None:
        """The card, unless Telegram refuses it (no right to send photos here, a picture it
        will not take): then the text goes alone; a card never costs a post or a channel.
        A wait or a network failure is the post's, retried with it."""
        try:
            return await self._photo(channel, image)
        except (BadRequest, Forbidden) as err:
            log.warning("Telegram refused the card for %s (%s); sending the text alone", channel, err)
            return None

    async def open_place(self, channel: str, title: str, heading: Message, summary: bool = True) -> MessageRef:
        """A forum topic for a race weekend (or series) in a forum group, its heading as the
        first message; elsewhere the heading alone, pinned, and posts stay in the chat. A
        series heading in a chat without topics is not worth a message: none is sent."""
        bot, chat = self.application.bot, topic_of(channel)[0]
        try:
            where = channel
            if (await bot.get_chat(chat)).is_forum:
                topic = await bot.create_forum_topic(chat, title[:TOPIC_NAME])
                where = f"{chat}:{topic.message_thread_id}"
            elif not summary:
                return MessageRef(self.name, channel, "")
            ids = [await self._post(where, part) for part in render_telegram(heading)]
            if summary:
                try:  # pinned, so it stays at hand as the weekend goes on
                    await bot.pin_chat_message(chat, int(ids[0]), disable_notification=True)
                except TelegramError as err:
                    log.info("Telegram: could not pin the summary in %s (%s); it is posted unpinned", chat, err)
        except TelegramError as err:
            raise failure(err) from None
        return MessageRef(self.name, where, f"{where}/{','.join(ids)}")

    def link(self, channel: str, message_id: str) -> str | None:
        """A link members open to a post: supergroups and channels have them (t.me/c/…);
        a basic group or a private chat has none."""
        chat, topic = topic_of(channel)
        message = message_id.lstrip("p")
        if not chat.startswith("-100") or not message.isdigit():
            return None
        return f"https://t.me/c/{chat[4:]}/{topic}/{message}" if topic else f"https://t.me/c/{chat[4:]}/{message}"

    async def _photo(self, channel: str, image: Image) -> str:
        """Send a card; its id is marked `p` in the post's ids, so a correction edits it as a photo."""
        chat, thread = topic_of(channel)
        sent = await self.application.bot.send_photo(chat, image.png, caption=image.alt[:CAPTION],
                                                     has_spoiler=image.spoiler, filename=image.name,
                                                     message_thread_id=thread)
        return f"p{sent.message_id}"

    async def _post(self, channel: str, part: str) -> str:
        chat, thread = topic_of(channel)
        sent = await self.application.bot.send_message(chat, part, parse_mode=ParseMode.HTML, message_thread_id=thread,
                                                       link_preview_options=NO_PREVIEW)
        return str(sent.message_id)

    async def edit(self, ref: MessageRef, message: Message) -> MessageRef:
        """Correct a post in place. If the correction needs more messages than the post had,
        the extra ones follow it; if fewer, the surplus ones are deleted."""
        where, chat = ref.channel, topic_of(ref.channel)[0]  # a topic's messages are edited as the chat's
        every = ref.message_id.split(",")
        photos, ids = [i for i in every if i.startswith("p")], [i for i in every if not i.startswith("p")]
        parts = render_telegram(message)
        bot = self.application.bot
        try:
            for message_id, part in zip(ids, parts):
                try:
                    await bot.edit_message_text(part, chat_id=chat, message_id=int(message_id),
                                                parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW)
                except BadRequest as err:
                    if "not modified" not in str(err).lower():
                        raise
            kept = ids[: len(parts)]
            for part in parts[len(ids):]:
                kept.append(await self._post(where, part))
            for message_id in ids[len(parts):]:
                await _delete(bot, chat, message_id)
            # The card last: the text is what must be right; a retry after a failure here
            # edits the text again (unchanged: "not modified") and only then the card.
            kept_photos = await self._edit_photos(where, photos, message.image)
        except TelegramError as err:
            raise failure(err) from None
        return MessageRef(self.name, where, ",".join(kept_photos + kept))

    async def _edit_photos(self, where: str, photos: list[str], image: Image | None) -> list[str]:
        """The corrected card replaces the old one in place (editMessageMedia); a post that
        had none gets a new one (after its text: Telegram cannot insert above); one whose
        correction has none loses it."""
        bot, chat = self.application.bot, topic_of(where)[0]
        if image is not None and image.keep:
            return photos
        if image is None:
            for photo in photos:
                await _delete(bot, chat, photo[1:])
            return []
        if not photos:
            photo = await self._optional_photo(where, image)
            return [photo] if photo else []
        media = InputMediaPhoto(image.png, caption=image.alt[:CAPTION], has_spoiler=image.spoiler,
                                filename=image.name)
        try:
            await bot.edit_message_media(media, chat_id=chat, message_id=int(photos[0][1:]))
        except BadRequest as err:
            if "not modified" not in str(err).lower():
                # The old card is gone or will not take the new one: the text is corrected; the
                # card is left as it is rather than the correction failing.
                log.warning("Telegram refused the corrected card in %s (%s)", chat, err)
        return photos[:1]
