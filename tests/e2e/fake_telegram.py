"""A fake Telegram Bot API on 127.0.0.1: enough of it for python-telegram-bot to poll,
send, edit and answer buttons for real, over HTTP.

Tests play the users (`say`, `post_in_channel`, `press`), read what the bot sent, and
queue the errors Telegram gives (429 with retry_after, 403 kicked, chat migrated).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from aiohttp import web

from tests.loopback import Loopback

JSON_FIELDS = {"reply_markup", "commands", "allowed_updates", "link_preview_options", "scope", "reply_parameters",
               "entities", "media"}
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "user_id", "message_thread_id"}
BOT = {"id": 4242, "is_bot": True, "first_name": "Pitboard", "username": "PitboardBot", "can_join_groups": True,
       "can_read_all_group_messages": False, "supports_inline_queries": False}


@dataclass
class Chat:
    id: int
    type: str  # private, group, supergroup, channel
    title: str | None = None
    admins: set[int] = field(default_factory=set)
    owner: int | None = None
    forum: bool = False  # a supergroup with topics
    topics: dict[int, str] = field(default_factory=dict)  # message_thread_id -> name, of topics open

    def json(self) -> dict:
        data = {"id": self.id, "type": self.type}
        if self.forum:
            data["is_forum"] = True
        if self.title:
            data["title"] = self.title
        else:
            data["first_name"] = "Fan"
        return data


@dataclass
class Sent:
    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None
    reply_markup: dict | None
    at: float


@dataclass(frozen=True)
class Photo:
    chat_id: int
    message_id: int
    png: bytes
    caption: str
    spoiler: bool
    at: float


class FakeTelegram:
    """The fake server. `base_url` is what the bot is told (the part before the token)."""

    def __init__(self, token: str = "4242:TEST-token"):
        self.token = token
        self.chats: dict[int, Chat] = {}
        self.sent: list[Sent] = []
        self.edits: list[Sent] = []
        self.answered: list[str] = []
        self.commands: dict[str, list[dict]] = {}
        self.calls: list[str] = []
        self.errors: dict[int, deque] = defaultdict(deque)
        self.refused: list[tuple[int, float]] = []  # (chat, when) of each error given
        self.deleted: list[tuple[int, int]] = []
        self.photos: list[Photo] = []  # sendPhoto, as received (multipart): the PNG and its caption
        self.media_edits: list[Photo] = []  # editMessageMedia: a photo replaced in place
        self.no_photos: dict[int, str] = {}  # chats where sendPhoto is refused, with Telegram's words
        self.topics: list[tuple[int, int, str]] = []  # (chat, thread, name) of each topic made
        self.in_topics: list[tuple[int, int, str]] = []  # (chat, thread, text) of messages sent into topics
        self.pinned: list[tuple[int, int]] = []
        self._fail_after: dict[int, list] = {}
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (name, bytes) users sent
        self._updates: list[dict] = []
        self._new_update = asyncio.Event()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._server: Loopback | None = None
        self.base_url = ""

    # --- the server -------------------------------------------------------------------

    async def start(self) -> str:
        """Listen on a free port of 127.0.0.1; returns the base URL."""
        self._server = Loopback()
        base = await self._server.start([web.post("/bot{token}/{method}", self._handle),
                                         web.get("/file/bot{token}/{path:.*}", self._download)])
        self.base_url = f"{base}/bot"
        return self.base_url

    async def stop(self) -> None:
        """Close the server."""
        self._new_update.set()
        if self._server is not None:
            await self._server.stop()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"].lower()
        form = dict(await request.post()) if request.can_read_body else {}
        # A file comes as a multipart part (a FileField): its bytes, as Telegram would store them.
        params = {k: v.file.read() if isinstance(v, web.FileField) else json.loads(v) if k in JSON_FIELDS
                  else int(float(v)) if k in INT_FIELDS else v for k, v in form.items()}
        self.calls.append(method)
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return _error(400, f"Bad Request: method {method} is not faked")
        chat_id = params.get("chat_id")
        if method in ("sendmessage", "editmessagetext"):
            countdown = self._fail_after.get(chat_id)
            if countdown and method == "sendmessage":
                countdown[0] -= 1
                if countdown[0] < 0:
                    del self._fail_after[chat_id]
                    self.refused.append((chat_id, time.monotonic()))
                    return countdown[1]
            if self.errors[chat_id]:
                self.refused.append((chat_id, time.monotonic()))
                return self.errors[chat_id].popleft()
        return await handler(params)

    # --- Bot API methods --------------------------------------------------------------

    async def _getme(self, params):
        return _ok(BOT)

    async def _deletewebhook(self, params):
        return _ok(True)

    async def _setmycommands(self, params):
        self.commands[params.get("language_code", "")] = params["commands"]
        return _ok(True)

    async def _getupdates(self, params):
        offset = params.get("offset", 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), min(params.get("timeout", 0), 2))
            except asyncio.TimeoutError:
                pass
        return _ok(self._updates[: params.get("limit", 100)])

    async def _sendmessage(self, params):
        chat = self.chats.get(params["chat_id"])
        if chat is None:
            return _error(400, "Bad Request: chat not found")
        thread = params.get("message_thread_id")
        if thread is not None and thread not in chat.topics:
            return _error(400, "Bad Request: message thread not found")
        if thread is not None:
            self.in_topics.append((chat.id, thread, params["text"]))
        sent = Sent(chat.id, next(self._message_ids), params["text"], params.get("parse_mode"),
                    params.get("reply_markup"), time.monotonic())
        self.sent.append(sent)
        return _ok({"message_id": sent.message_id, "date": int(time.time()), "chat": chat.json(), "text": sent.text,
                    "from": BOT})

    async def _editmessagetext(self, params):
        chat = self.chats[params["chat_id"]]
        if not any(s.chat_id == chat.id and s.message_id == params["message_id"] for s in self.sent):
            return _error(400, "Bad Request: message to edit not found")
        edit = Sent(chat.id, params["message_id"], params["text"], params.get("parse_mode"),
                    params.get("reply_markup"), time.monotonic())
        self.edits.append(edit)
        return _ok({"message_id": edit.message_id, "date": int(time.time()), "chat": chat.json(), "text": edit.text,
                    "from": BOT})

    async def _sendphoto(self, params):
        chat = self.chats.get(params["chat_id"])
        if chat is None:
            return _error(400, "Bad Request: chat not found")
        if chat.id in self.no_photos:
            return _error(400, self.no_photos[chat.id])
        photo = Photo(chat.id, next(self._message_ids), params["photo"], params.get("caption", ""),
                      params.get("has_spoiler") == "true", time.monotonic())
        self.photos.append(photo)
        self.sent.append(Sent(chat.id, photo.message_id, "", None, None, photo.at))  # an id that exists, to edit
        return _ok({"message_id": photo.message_id, "date": int(time.time()), "chat": chat.json(), "from": BOT,
                    "caption": photo.caption, "photo": [{"file_id": f"photo{photo.message_id}",
                                                         "file_unique_id": f"u{photo.message_id}",
                                                         "width": 1200, "height": 800}]})

    async def _editmessagemedia(self, params):
        chat = self.chats[params["chat_id"]]
        media = params["media"]
        if not any(p.chat_id == chat.id and p.message_id == params["message_id"] for p in self.photos):
            return _error(400, "Bad Request: message to edit not found")
        # The new file is a part named by the media's `attach://NAME`.
        png = params[media["media"].removeprefix("attach://")]
        photo = Photo(chat.id, params["message_id"], png, media.get("caption", ""), bool(media.get("has_spoiler")),
                      time.monotonic())
        self.media_edits.append(photo)
        return _ok({"message_id": photo.message_id, "date": int(time.time()), "chat": chat.json(), "from": BOT,
                    "caption": photo.caption, "photo": [{"file_id": "edited", "file_unique_id": "e", "width": 1200,
                                                         "height": 800}]})

    async def _deletemessage(self, params):
        self.deleted.append((params["chat_id"], params["message_id"]))
        return _ok(True)

    async def _getfile(self, params):
        name, data = self.files[params["file_id"]]
        return _ok({"file_id": params["file_id"], "file_unique_id": params["file_id"], "file_size": len(data),
                    "file_path": f"documents/{name}"})

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        name = request.match_info["path"].rsplit("/", 1)[-1]
        data = next((d for n, d in self.files.values() if n == name), None)
        return web.Response(body=data) if data is not None else web.Response(status=404)

    async def _answercallbackquery(self, params):
        self.answered.append(params["callback_query_id"])
        return _ok(True)

    async def _getchat(self, params):
        chat = self.chats.get(params["chat_id"])
        if chat is None:
            return _error(400, "Bad Request: chat not found")
        return _ok({**chat.json(), "accent_color_id": 0, "max_reaction_count": 11,
                    "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                            "unique_gifts": False, "premium_subscription": False,
                                            "gifts_from_channels": False}})

    async def _createforumtopic(self, params):
        chat = self.chats[params["chat_id"]]
        if not chat.forum:
            return _error(400, "Bad Request: the chat is not a forum")
        thread = next(self._message_ids)
        chat.topics[thread] = params["name"]
        self.topics.append((chat.id, thread, params["name"]))
        return _ok({"message_thread_id": thread, "name": params["name"], "icon_color": 7322096})

    async def _pinchatmessage(self, params):
        self.pinned.append((params["chat_id"], params["message_id"]))
        return _ok(True)

    def delete_topic(self, chat_id: int, thread: int) -> None:
        """An admin deletes a topic: sending to it then fails as Telegram says."""
        self.chats[chat_id].topics.pop(thread, None)

    async def _getchatmember(self, params):
        chat = self.chats[params["chat_id"]]
        status = ("creator" if params["user_id"] == chat.owner else
                  "administrator" if params["user_id"] in chat.admins else "member")
        user = {"id": params["user_id"], "is_bot": False, "first_name": "Fan"}
        extra = {"can_be_edited": False, "is_anonymous": False, "can_manage_chat": True, "can_delete_messages": True,
                 "can_manage_video_chats": True, "can_restrict_members": True, "can_promote_members": False,
                 "can_change_info": True, "can_invite_users": True, "can_post_stories": False,
                 "can_edit_stories": False, "can_delete_stories": False} if status == "administrator" else {}
        if status == "creator":
            extra = {"is_anonymous": False}
        return _ok({"status": status, "user": user, **extra})

    # --- what tests do ----------------------------------------------------------------

    def chat(self, chat_id: int, kind: str, title: str | None = None, admins: tuple[int, ...] = (),
             owner: int | None = None, forum: bool = False) -> Chat:
        """Make a chat the bot is in (`forum`: a supergroup with topics)."""
        self.chats[chat_id] = Chat(chat_id, kind, title, set(admins), owner, forum)
        return self.chats[chat_id]

    def _push(self, update: dict) -> None:
        update["update_id"] = next(self._update_ids)
        self._updates.append(update)
        self._new_update.set()

    def _message(self, chat: Chat, text: str, user_id: int | None, language: str = "en") -> dict:
        message = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat.json(), "text": text}
        if user_id is not None:
            message["from"] = {"id": user_id, "is_bot": False, "first_name": "Fan", "language_code": language}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return message

    def say(self, chat_id: int, text: str, user_id: int = 7, language: str = "en", anonymous: bool = False) -> None:
        """A user writes `text` in a private chat or a group (as the group itself, when an
        anonymous administrator)."""
        if anonymous:
            message = self._message(self.chats[chat_id], text, 1087968824)  # Telegram's GroupAnonymousBot
            message["sender_chat"] = self.chats[chat_id].json()
        else:
            message = self._message(self.chats[chat_id], text, user_id, language)
        self._push({"message": message})

    def post_in_channel(self, chat_id: int, text: str) -> None:
        """An admin of a broadcast channel posts `text` there."""
        message = self._message(self.chats[chat_id], text, None)
        message["sender_chat"] = self.chats[chat_id].json()
        self._push({"channel_post": message})

    def send_file(self, chat_id: int, name: str, data: bytes, caption: str, user_id: int = 7) -> None:
        """A user sends a file with a caption (such as /ingest)."""
        file_id = f"file{len(self.files) + 1}"
        self.files[file_id] = (name, data)
        message = self._message(self.chats[chat_id], "", user_id)
        del message["text"]
        message.update(caption=caption, document={"file_id": file_id, "file_unique_id": file_id, "file_name": name,
                                                  "mime_type": "text/plain", "file_size": len(data)})
        if caption.startswith("/"):
            message["caption_entities"] = [{"type": "bot_command", "offset": 0, "length": len(caption.split()[0])}]
        self._push({"message": message})

    def fail_after(self, chat_id: int, sends: int, status: int, description: str, **parameters) -> None:
        """Let `sends` more messages through to `chat_id`, then give this error once."""
        self._fail_after[chat_id] = [sends, _error(status, description, parameters or None)]

    def press(self, sent: Sent, data: str, user_id: int = 7, language: str = "en") -> None:
        """A user presses the button with `data` under a message the bot sent."""
        message = {"message_id": sent.message_id, "date": int(time.time()), "chat": self.chats[sent.chat_id].json(),
                   "text": sent.text, "from": BOT}
        self._push({"callback_query": {"id": f"cb{len(self.answered) + 1}-{time.monotonic_ns()}",
                                       "from": {"id": user_id, "is_bot": False, "first_name": "Fan",
                                                "language_code": language},
                                       "chat_instance": "1", "message": message, "data": data}})

    def fail(self, chat_id: int, status: int, description: str, **parameters) -> None:
        """The next send or edit to `chat_id` gets this error."""
        self.errors[chat_id].append(_error(status, description, parameters or None))

    def to(self, chat_id: int) -> list[Sent]:
        """What the bot sent to a chat, in order."""
        return [s for s in self.sent if s.chat_id == chat_id]

    async def wait_for(self, predicate, timeout: float = 10.0) -> None:
        """Wait until `predicate()` holds (the bot works on its own loop turns)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; the bot sent: {[(s.chat_id, s.text[:60]) for s in self.sent]}")
            await asyncio.sleep(0.02)


def _ok(result) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str, parameters: dict | None = None) -> web.Response:
    body = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)
