"""A fake Telegram Bot API server (aiohttp) for tests and the benchmark.

It speaks the real HTTP protocol on an ephemeral 127.0.0.1 port, so a real PTB `Application`
with our real transport talks to it exactly as it would to api.telegram.org. It records every
request (method + parsed payload) so tests assert the payloads that really went over the wire.

    fake = FakeTelegram()
    await fake.start()                       # fake.base_url / fake.file_url for the config
    fake.push_text(42, "/start")             # a user writes; the bot gets it via getUpdates
    [call] = await fake.wait_for("sendMessage")
    call.payload["reply_markup"]["inline_keyboard"]
    fake.push_callback(42, call.result["message_id"], "lang:en")

Implemented methods: getMe, getUpdates (long poll, offset semantics), deleteWebhook,
setWebhook, getWebhookInfo, sendMessage, editMessageText, answerCallbackQuery, sendDocument
(multipart), sendPhoto (by file id), sendLocation, sendVenue, getFile (+ file download).
Optional rate limits answer 429 with `retry_after` like Telegram does.

As a separate process (the benchmark): `python -m tests.fake_telegram --port N`. It prints
`READY <port>` when listening, and offers a small control API under `/_fake/` to feed updates
at a steady rate and read back the latency from "update available" to "reply received".
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import math
import re
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token-for-the-fake-bot-api"
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Trợ lý số (test)",
    "username": "trolyso_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
SEND_METHODS = {"sendMessage", "sendDocument", "sendLocation", "sendVenue", "editMessageText"}
# Parameters that are plain strings; every other string parameter is JSON-encoded by clients
# (PTB sends reply_markup, chat_id, ... as JSON text), so it is decoded before recording.
_STRING_PARAMS = {
    "text",
    "caption",
    "title",
    "address",
    "callback_query_id",
    "url",
    "secret_token",
    "parse_mode",
    "inline_message_id",
    "file_id",
    "phone_number",
    "first_name",
    "last_name",
    "foursquare_id",
    "foursquare_type",
    "google_place_id",
    "google_place_type",
    "ip_address",
}


@dataclass
class Call:
    """One request the bot made: the method, its decoded parameters, and what we answered."""

    method: str
    payload: dict[str, Any]
    result: Any = None
    status: int = 200
    at: float = 0.0


@dataclass
class _Chat:
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_message_id: int = 1


def _decode(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str) and key not in _STRING_PARAMS:
            try:
                value = json.loads(value)
            except ValueError:
                pass
        out[key] = value
    return out


class FakeTelegram:
    def __init__(
        self,
        token: str = TOKEN,
        *,
        rate_per_second: float | None = None,
        rate_per_chat_per_second: float | None = None,
        retry_after: int = 1,
        record: bool = True,
    ):
        self.token = token
        self.rate_per_second = rate_per_second
        self.rate_per_chat_per_second = rate_per_chat_per_second
        self.retry_after = retry_after
        self.record = record
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] = {"url": ""}
        self.port = 0
        self._updates: deque[dict[str, Any]] = deque()
        self._update_ids = count(1)
        self._chats: dict[int, _Chat] = defaultdict(_Chat)
        self._files: dict[str, tuple[str, bytes, str]] = {}
        self._callback_ids = count(1)
        self._poll_waiters: list[asyncio.Future[None]] = []
        self._reply_waiters: list[asyncio.Future[None]] = []
        self._recorded = asyncio.Condition()
        self._sent_times: deque[float] = deque()
        self._chat_sent_times: dict[int, deque[float]] = defaultdict(deque)
        self._runner: web.AppRunner | None = None
        self._closing = False
        # Latency bookkeeping: per chat, when each update became available (FIFO), and the
        # delay until the bot's reply to that chat arrived.
        self._available_at: dict[int, deque[float]] = defaultdict(deque)
        self.latencies: list[float] = []
        self.first_available: float | None = None
        self.last_reply: float | None = None
        self._feed_task: asyncio.Task | None = None
        self._cpu_at_reset = time.process_time()
        # Chats whose replies are held back until the event is set (a slow chat), and chats
        # that blocked the bot (403).
        self._holds: dict[int, asyncio.Event] = {}
        self.blocked: set[int] = set()
        # setMyCommands: language code ("" for the default menu) → the commands set.
        self.commands: dict[str, list[dict[str, Any]]] = {}
        # Counted even when not recording (the broadcast benchmark): messages delivered per
        # chat (and when the first and last arrived), and 429 answers.
        self.delivered: Counter[int] = Counter()
        self._delivered_span: dict[int, tuple[float, float]] = {}
        self.too_many = 0

    # ---- lifecycle --------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        app.router.add_post("/_fake/feed", self._ctl_feed)
        app.router.add_post("/_fake/reset", self._ctl_reset)
        app.router.add_get("/_fake/wait", self._ctl_wait)
        app.router.add_get("/_fake/stats", self._ctl_stats)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeTelegram:
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = self._runner.addresses[0][1]  # the ephemeral port we got
        return self

    async def stop(self) -> None:
        self._closing = True
        if self._feed_task:
            self._feed_task.cancel()
        _release(self._poll_waiters)  # end long polls now, not at their timeout
        if self._runner:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---- what tests read --------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(
        self, method: str, count: int = 1, *, within: float = 10.0, **match: Any
    ) -> list[Call]:
        """Wait until the bot has called `method` `count` times (optionally only calls whose
        payload has the given values, e.g. chat_id=42); returns those calls."""

        def found() -> list[Call]:
            return [
                c
                for c in self.calls
                if c.method == method and all(c.payload.get(k) == v for k, v in match.items())
            ]

        async with asyncio.timeout(within), self._recorded:
            await self._recorded.wait_for(lambda: len(found()) >= count)
        return found()

    def delete_message(self, chat_id: int, message_id: int) -> None:
        del self._chats[chat_id].messages[message_id]

    def hold(self, chat_id: int) -> asyncio.Event:
        """Keep the bot's sends to `chat_id` waiting until the returned event is set."""
        self._holds[chat_id] = asyncio.Event()
        return self._holds[chat_id]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """The message as it now stands in the chat (after any edits)."""
        return self._chats[chat_id].messages[message_id]

    # ---- what users do ----------------------------------------------------------------------

    @staticmethod
    def user(
        user_id: int, language_code: str | None = "vi", first_name: str = "Lan"
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    def _user_message(
        self, chat_id: int, user_id: int | None, language_code: str | None, **content: Any
    ) -> dict[str, Any]:
        chat = self._chats[chat_id]
        message_id = chat.next_message_id
        chat.next_message_id += 1
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Lan"},
            "from": self.user(user_id or chat_id, language_code),
            **content,
        }

    def push(self, update: dict[str, Any], chat_id: int | None = None) -> dict[str, Any]:
        """Make an update available to getUpdates (an `update_id` is assigned)."""
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        now = asyncio.get_running_loop().time()
        if chat_id is not None:
            self._available_at[chat_id].append(now)
            if self.first_available is None:
                self.first_available = now
        _release(self._poll_waiters)
        return update

    def push_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        language_code: str | None = "vi",
    ) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self.push(
            {"message": self._user_message(chat_id, user_id, language_code, **content)}, chat_id
        )

    def push_callback(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        language_code: str | None = "vi",
    ) -> dict[str, Any]:
        """The user presses a button with `data` under the bot's message `message_id`."""
        query = {
            "id": str(next(self._callback_ids)),
            "from": self.user(user_id or chat_id, language_code),
            "message": copy.deepcopy(self.message(chat_id, message_id)),
            "chat_instance": f"ci{chat_id}",
            "data": data,
        }
        return self.push({"callback_query": query}, chat_id)

    def push_location(
        self, chat_id: int, latitude: float, longitude: float, *, user_id: int | None = None
    ) -> dict[str, Any]:
        location = {"latitude": latitude, "longitude": longitude}
        return self.push(
            {"message": self._user_message(chat_id, user_id, "vi", location=location)}, chat_id
        )

    def push_contact(
        self,
        chat_id: int,
        phone: str,
        *,
        user_id: int | None = None,
        contact_user_id: int | None = None,
        first_name: str = "Lan",
    ) -> dict[str, Any]:
        contact: dict[str, Any] = {"phone_number": phone, "first_name": first_name}
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        return self.push(
            {"message": self._user_message(chat_id, user_id, "vi", contact=contact)}, chat_id
        )

    def push_document(
        self,
        chat_id: int,
        filename: str,
        data: bytes,
        mime_type: str = "application/pdf",
        *,
        caption: str | None = None,
        user_id: int | None = None,
    ) -> dict[str, Any]:
        file_id = f"file{len(self._files) + 1}"
        self._files[file_id] = (f"documents/{file_id}_{filename}", data, mime_type)
        document = {
            "file_id": file_id,
            "file_unique_id": "u" + file_id,
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        extra = {"caption": caption} if caption else {}
        return self.push(
            {"message": self._user_message(chat_id, user_id, "vi", document=document, **extra)},
            chat_id,
        )

    def push_photo(
        self,
        chat_id: int,
        data: bytes,
        *,
        caption: str | None = None,
        user_id: int | None = None,
        language_code: str | None = "vi",
    ) -> str:
        """A picture sent by the user, in two sizes as Telegram sends them (smallest first);
        returns the large size's file id (getFile and the file download serve `data`)."""
        large = f"photo{len(self._files) + 1}"
        self._files[large] = (f"photos/{large}.jpg", data, "image/jpeg")
        sizes = [
            {"file_id": large + "s", "file_unique_id": "us" + large, "width": 90, "height": 90},
            {
                "file_id": large,
                "file_unique_id": "u" + large,
                "width": 1280,
                "height": 720,
                "file_size": len(data),
            },
        ]
        extra = {"caption": caption} if caption else {}
        self.push(
            {"message": self._user_message(chat_id, user_id, language_code, photo=sizes, **extra)},
            chat_id,
        )
        return large

    # ---- the Bot API ------------------------------------------------------------------------

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(status: int, description: str, **parameters: Any) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.method == "GET":
            return _decode(dict(request.query))
        ctype = request.content_type
        if ctype == "application/json":
            raw = await request.read()
            return _decode(json.loads(raw) if raw else {})
        if ctype == "multipart/form-data":
            params: dict[str, Any] = {}
            reader = await request.multipart()
            async for part in reader:
                if part.filename is not None:
                    params[part.name] = {
                        "filename": part.filename,
                        "mime_type": part.headers.get("Content-Type"),
                        "content": bytes(await part.read()),
                    }
                else:
                    params[part.name] = await part.text()
            return _decode(params)
        return _decode(dict(await request.post()))

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        handler = getattr(self, "_m_" + method, None)
        if handler is None:
            return self._error(404, "Not Found: method not found")
        payload = await self._params(request)
        chat_id = payload.get("chat_id")
        if method in SEND_METHODS and chat_id in self._holds:
            await self._holds[chat_id].wait()
        if method in SEND_METHODS and chat_id in self.blocked:
            return self._error(403, "Forbidden: bot was blocked by the user")
        now = asyncio.get_running_loop().time()
        call = Call(method, payload, at=now)
        limited = self._rate_limited(method, payload, now)
        if limited is not None:
            call.status = 429
            self.too_many += 1
            response = limited
        else:
            response = await handler(payload)
            call.status = response.status
            if response.status == 200 and self.record:
                call.result = json.loads(response.body)["result"]
            if response.status == 200 and method in SEND_METHODS:
                self._reply_arrived(payload.get("chat_id"), now)
                self._count_delivered(method, payload.get("chat_id"), now)
        if self.record:
            self.calls.append(call)
            async with self._recorded:
                self._recorded.notify_all()
        return response

    def _rate_limited(
        self, method: str, payload: dict[str, Any], now: float
    ) -> web.Response | None:
        if method not in SEND_METHODS or method == "editMessageText":
            return None
        checks = [(self.rate_per_second, self._sent_times)]
        chat_id = payload.get("chat_id")
        if self.rate_per_chat_per_second and isinstance(chat_id, int):
            checks.append((self.rate_per_chat_per_second, self._chat_sent_times[chat_id]))
        for rate, times in checks:
            if not rate:
                continue
            while times and now - times[0] >= 1.0:
                times.popleft()
            if len(times) >= rate:
                retry = max(self.retry_after, math.ceil(1.0 - (now - times[0])))
                return self._error(
                    429, f"Too Many Requests: retry after {retry}", retry_after=retry
                )
        for rate, times in checks:
            if rate:
                times.append(now)
        return None

    def _count_delivered(self, method: str, chat_id: Any, now: float) -> None:
        if method == "editMessageText" or not isinstance(chat_id, int):
            return
        self.delivered[chat_id] += 1
        first, _last = self._delivered_span.get(chat_id, (now, now))
        self._delivered_span[chat_id] = (first, now)

    def _reply_arrived(self, chat_id: Any, now: float) -> None:
        waiting = self._available_at.get(chat_id) if isinstance(chat_id, int) else None
        if waiting:
            self.latencies.append(now - waiting.popleft())
            self.last_reply = now
            _release(self._reply_waiters)

    def _bot_message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        chat = self._chats[chat_id]
        message_id = chat.next_message_id
        chat.next_message_id += 1
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Lan"},
            "from": BOT_USER,
            **{k: v for k, v in content.items() if v is not None},
        }
        chat.messages[message_id] = message
        return message

    async def _m_getMe(self, p: dict[str, Any]) -> web.Response:
        return self._ok(BOT_USER)

    async def _m_setMyCommands(self, p: dict[str, Any]) -> web.Response:
        commands = p.get("commands")
        if not isinstance(commands, list) or not 1 <= len(commands) <= 100:
            return self._error(400, "Bad Request: commands must be a list of 1 to 100")
        for c in commands:
            name, text = c.get("command", ""), c.get("description", "")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name) or not 1 <= len(text) <= 256:
                return self._error(400, f"Bad Request: BOT_COMMAND_INVALID {name!r}")
        self.commands[p.get("language_code") or ""] = commands
        return self._ok(True)

    async def _m_deleteWebhook(self, p: dict[str, Any]) -> web.Response:
        self.webhook = {"url": ""}
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return self._ok(True)

    async def _m_setWebhook(self, p: dict[str, Any]) -> web.Response:
        self.webhook = dict(p)
        return self._ok(True)

    async def _m_getWebhookInfo(self, p: dict[str, Any]) -> web.Response:
        return self._ok(
            {
                "url": self.webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
        )

    async def _m_getUpdates(self, p: dict[str, Any]) -> web.Response:
        if self.webhook.get("url"):
            return self._error(
                409,
                "Conflict: can't use getUpdates method while webhook "
                "is active; use deleteWebhook to delete the webhook first",
            )
        offset = int(p.get("offset") or 0)
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        timeout = float(p.get("timeout") or 0)
        while self._updates and offset and self._updates[0]["update_id"] < offset:
            self._updates.popleft()  # confirmed by a higher offset
        if not self._updates and timeout > 0 and not self._closing:
            await _wait(self._poll_waiters, timeout)
        return self._ok([u for u, _ in zip(self._updates, range(limit), strict=False)])

    def _chat_id(self, p: dict[str, Any]) -> int:
        return int(p["chat_id"])

    async def _m_sendMessage(self, p: dict[str, Any]) -> web.Response:
        text = p.get("text")
        if not text or len(text.encode("utf-16-le")) // 2 > 4096:
            return self._error(400, "Bad Request: message text is empty or too long")
        return self._ok(
            self._bot_message(
                self._chat_id(p), text=text, reply_markup=_inline_only(p.get("reply_markup"))
            )
        )

    async def _m_editMessageText(self, p: dict[str, Any]) -> web.Response:
        chat = self._chats[self._chat_id(p)]
        message = chat.messages.get(int(p["message_id"]))
        if message is None:
            return self._error(400, "Bad Request: message to edit not found")
        markup = _inline_only(p.get("reply_markup"))
        if message.get("text") == p.get("text") and message.get("reply_markup") == markup:
            return self._error(
                400,
                "Bad Request: message is not modified: specified new "
                "message content and reply markup are exactly the same "
                "as a current content and reply markup of the message",
            )
        message["text"] = p.get("text")
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return self._ok(message)

    async def _m_answerCallbackQuery(self, p: dict[str, Any]) -> web.Response:
        return self._ok(True)

    async def _m_sendDocument(self, p: dict[str, Any]) -> web.Response:
        upload = p.get("document")
        if not isinstance(upload, dict):
            return self._error(400, "Bad Request: there is no document in the request")
        file_id = f"sent{len(self._files) + 1}"
        self._files[file_id] = (
            f"documents/{upload['filename']}",
            upload["content"],
            upload["mime_type"] or "application/octet-stream",
        )
        document = {
            "file_id": file_id,
            "file_unique_id": "u" + file_id,
            "file_name": upload["filename"],
            "mime_type": upload["mime_type"],
            "file_size": len(upload["content"]),
        }
        return self._ok(
            self._bot_message(
                self._chat_id(p),
                document=document,
                caption=p.get("caption"),
                reply_markup=_inline_only(p.get("reply_markup")),
            )
        )

    async def _m_sendPhoto(self, p: dict[str, Any]) -> web.Response:
        photo = p.get("photo")
        if not isinstance(photo, str) or (
            photo not in self._files and photo[:-1] not in self._files
        ):
            return self._error(400, "Bad Request: wrong file identifier/HTTP URL specified")
        sizes = [{"file_id": photo, "file_unique_id": "u" + photo, "width": 1280, "height": 720}]
        return self._ok(
            self._bot_message(
                self._chat_id(p),
                photo=sizes,
                caption=p.get("caption"),
                reply_markup=_inline_only(p.get("reply_markup")),
            )
        )

    async def _m_sendLocation(self, p: dict[str, Any]) -> web.Response:
        location = {"latitude": float(p["latitude"]), "longitude": float(p["longitude"])}
        return self._ok(
            self._bot_message(
                self._chat_id(p),
                location=location,
                reply_markup=_inline_only(p.get("reply_markup")),
            )
        )

    async def _m_sendVenue(self, p: dict[str, Any]) -> web.Response:
        location = {"latitude": float(p["latitude"]), "longitude": float(p["longitude"])}
        venue = {"location": location, "title": p["title"], "address": p["address"]}
        return self._ok(
            self._bot_message(
                self._chat_id(p),
                location=location,
                venue=venue,
                reply_markup=_inline_only(p.get("reply_markup")),
            )
        )

    async def _m_getFile(self, p: dict[str, Any]) -> web.Response:
        found = self._files.get(str(p.get("file_id")))
        if found is None:
            return self._error(400, "Bad Request: invalid file_id")
        path, data, _mime = found
        return self._ok(
            {
                "file_id": p["file_id"],
                "file_unique_id": "u" + p["file_id"],
                "file_size": len(data),
                "file_path": path,
            }
        )

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        for path, data, mime in self._files.values():
            if path == request.match_info["path"]:
                return web.Response(body=data, content_type=mime)
        return self._error(404, "Not Found")

    # ---- control API for the benchmark (another process) ------------------------------------

    async def _ctl_feed(self, request: web.Request) -> web.Response:
        """Make `count` text updates available, from `chats` chats in turn, `rate` per second
        (0: all at once)."""
        spec = await request.json()
        self._feed_task = asyncio.create_task(
            self._feed(
                int(spec["count"]),
                float(spec.get("rate", 0)),
                int(spec.get("chats", 1)),
                str(spec.get("text", "/menu")),
                int(spec.get("first_chat", 1000)),
            )
        )
        return web.json_response({"ok": True})

    async def _feed(self, n: int, rate: float, chats: int, text: str, first_chat: int) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for i in range(n):
            if rate > 0:
                delay = start + i / rate - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            self.push_text(first_chat + i % chats, text, language_code="en")

    async def _ctl_reset(self, request: web.Request) -> web.Response:
        self.latencies.clear()
        self._available_at.clear()
        self.first_available = self.last_reply = None
        self.calls.clear()
        self._cpu_at_reset = time.process_time()
        self.delivered.clear()
        self._delivered_span.clear()
        self.too_many = 0
        return web.json_response({"ok": True})

    async def _ctl_stats(self, request: web.Request) -> web.Response:
        """Messages delivered per chat (only chats from `min_chat`, default all), 429 answers,
        and the time from the first delivered message to the last."""
        low = int(request.query.get("min_chat", -(2**62)))
        per_chat = {c: n for c, n in self.delivered.items() if c >= low}
        spans = [self._delivered_span[c] for c in per_chat]
        span = max(t for _f, t in spans) - min(f for f, _t in spans) if spans else 0.0
        return web.json_response(
            {
                "delivered": sum(per_chat.values()),
                "chats": len(per_chat),
                "repeated": sum(n - 1 for n in per_chat.values() if n > 1),
                "too_many": self.too_many,
                "span": span,
                "per_chat": {str(c): n for c, n in per_chat.items()}
                if request.query.get("detail")
                else {},
            }
        )

    async def _ctl_wait(self, request: web.Request) -> web.Response:
        """Wait until `count` replies have arrived (or `timeout` passed); report latencies."""
        want = int(request.query["count"])
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(request.query.get("timeout", 60))
        while len(self.latencies) < want and loop.time() < deadline:
            await _wait(self._reply_waiters, deadline - loop.time())
        span = ((self.last_reply or 0) - (self.first_available or 0)) if self.latencies else 0
        return web.json_response(
            {
                "replies": len(self.latencies),
                "span": span,
                "latencies": self.latencies,
                "server_cpu": time.process_time() - self._cpu_at_reset,
            }
        )


def _release(waiters: list[asyncio.Future[None]]) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_result(None)
    waiters.clear()


async def _wait(waiters: list[asyncio.Future[None]], seconds: float) -> None:
    """Wait until `_release(waiters)` or `seconds`, whichever comes first."""
    waiter = asyncio.get_running_loop().create_future()
    waiters.append(waiter)
    try:
        await asyncio.wait_for(waiter, seconds)
    except TimeoutError:
        if waiter in waiters:
            waiters.remove(waiter)


def _inline_only(markup: Any) -> dict[str, Any] | None:
    """A sent message keeps only an inline keyboard (a reply keyboard belongs to the chat)."""
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return markup
    return None


async def _serve(port: int, args: argparse.Namespace) -> None:
    fake = FakeTelegram(
        args.token,
        rate_per_second=args.rate_limit,
        rate_per_chat_per_second=args.chat_rate_limit,
        record=args.record,
    )
    await fake.start(port=port)
    print(f"READY {fake.port}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake Telegram Bot API server.")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    parser.add_argument("--token", default=TOKEN)
    parser.add_argument(
        "--rate-limit", type=float, default=None, help="sends per second before answering 429"
    )
    parser.add_argument(
        "--chat-rate-limit",
        type=float,
        default=None,
        help="sends per second to one chat before answering 429",
    )
    parser.add_argument(
        "--record",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="keep every request in memory (off for long benchmarks)",
    )
    args = parser.parse_args(argv)
    try:
        asyncio.run(_serve(args.port, args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
