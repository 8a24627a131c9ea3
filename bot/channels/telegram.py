"""The Telegram channel: updates in, our replies out, and the bot that runs it.

Every update goes through one `TypeHandler` (`TelegramChannel.on_update`) that turns it into one
`Incoming` for the core — text and commands → `text`; a pressed inline button → `payload` (its
callback query is always answered, also when the core fails); a location or venue; a shared
contact with its `user_id` (so the core can tell the sender's own number); a document,
downloaded up to `telegram.max_document_bytes`; `language_code` → `language_hint` — and renders
the core's replies (bot/channels/telegram_render.py). `Reply.edit` after a button press edits
the pressed message; a failed edit sends a new message instead.

Every update is stored in the inbox (bot/inbox.py) before Telegram is told it arrived — before
the webhook answers 200, and before the next `getUpdates` confirms the offset — and marked done
in the handler's transaction; updates stored but not handled when the process died are handled
when it starts again (on PostgreSQL, by any process once their lease ran out).

Updates reach the handler as JSON (`RawUpdate`, bot/channels/telegram_update.py), from polling
and from the webhook alike: the bot reads a few fields, and parsing each into PTB's `Update`
cost more than the rest of the channel's reading. Replies go out as plain Bot API calls.

`TelegramBot` runs the PTB `Application` on our aiohttp transport with per-chat ordering, in
long-polling or webhook mode; `run_telegram` is what `trolyso run` calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from aiohttp import web
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, ContextTypes, ExtBot, TypeHandler
from telegram.request import BaseRequest

from bot import i18n
from bot.channels import errors
from bot.channels import telegram_update as tg
from bot.channels.aiohttp_request import AiohttpRequest, env_proxy
from bot.channels.clean import clean_optional
from bot.channels.ordering import ChatOrderedProcessor
from bot.channels.telegram_commands import set_commands
from bot.channels.telegram_render import KEPT, as_edit, plan
from bot.channels.telegram_update import DUPLICATE, Json, Pressed, RawUpdate, Unreadable
from bot.channels.webhook import Intake, WebhookServer
from bot.config import Config
from bot.core import Core
from bot.errors import ConfigError, TrolysoError
from bot.i18n import _
from bot.outage import Outage, describe
from bot.outbox import channels as outbox_channels
from bot.types import Button, ButtonKind, Document, Incoming, Reply
from bot.web import app as web_app
from bot.web import server as web_server

# Opt in to PTB's coming `timedelta` time periods now: the old int form warns whenever a
# `RetryAfter` is built, which PTB does itself on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "true")

log = logging.getLogger(__name__)

NAME = "telegram"
# The update kinds the bot answers; Telegram does not even send us the others.
ALLOWED_UPDATES = ["message", "callback_query"]
# A flood wait longer than this is not sat out while the user waits for an answer.
MAX_REPLY_WAIT = 30.0
# How often done rows older than a day are removed from the inbox (seconds).
PRUNE_EVERY = 3600.0
_DEFAULT = BaseRequest.DEFAULT_NONE
_PLAIN = (str, int, float, bool)


def _seconds(period: timedelta | float) -> float:
    return period.total_seconds() if isinstance(period, timedelta) else float(period)


class TelegramChannel:
    """Turns updates into `Incoming`, hands them to the core, and renders the replies."""

    name = NAME

    def __init__(self, core: Core, bot: ReplyBot, *, max_document_bytes: int):
        self.core = core
        self.bot = bot
        self.max_document_bytes = max_document_bytes
        # Chats where we showed a request keyboard that the next message must remove. Kept in
        # memory: after a restart the one-time keyboard just stays until it is used.
        self._keyboard_open: set[int] = set()
        # The choices of the reply keyboard open in a chat (label → payload): pressing one
        # sends its label as text, read back as the press (bot/channels/telegram_render.py).
        self._labels: dict[int, dict[str, str]] = {}
        # Per-chat pacing (`channels.telegram.per_chat_per_second`, Telegram allows about one
        # message a second to one chat): when each chat may get its next message, so the
        # several messages of one answer (a confirmation, its .ics and venue) are spaced by
        # the channel instead of answered with 429s. Replies and outbox sends alike.
        per_chat = core.profile(NAME).per_chat_per_second
        # A margin of 5 %: the messenger counts arrivals, and one call may travel faster
        # than the one before it.
        self._chat_gap = 1.05 / per_chat if per_chat else 0.0
        self._chat_next: dict[int, float] = {}

    # ---- in ----

    async def _document(self, msg: Json) -> Document | None:
        doc = tg.document(msg)
        if doc is None:
            return None
        size = doc.get("file_size")
        if not isinstance(size, int) or size > self.max_document_bytes:
            log.info(
                "document of %s bytes not downloaded (limit %s)", size, self.max_document_bytes
            )
            return None
        try:
            file = await self.bot.get_file(doc["file_id"])
            data = await file.download_as_bytearray(read_timeout=60)
        except TelegramError as e:
            log.warning("document download failed: %s", e)
            return None
        if len(data) > self.max_document_bytes:
            return None
        return Document(
            filename=clean_optional(doc.get("file_name")) or "file",
            data=bytes(data),
            mime_type=clean_optional(doc.get("mime_type")) or "application/octet-stream",
            caption=clean_optional(msg.get("caption")),
        )

    async def fetch_photo(self, file_id: str, max_bytes: int) -> bytes | None:
        """A picture a user sent, by its id, downloaded from Telegram to be shown once (the
        officer pages); None when it is gone or larger than `max_bytes`. Never stored."""
        try:
            file = await self.bot.get_file(file_id)
            if file.file_size is not None and file.file_size > max_bytes:
                return None
            data = await file.download_as_bytearray(read_timeout=60)
        except TelegramError as e:
            log.warning("photo download failed: %s", e)
            return None
        return bytes(data) if len(data) <= max_bytes else None

    async def to_incoming(self, update: RawUpdate) -> Incoming | None:
        """One `Incoming` for a user's message or button press; None for anything else
        (edits, member changes, channel posts), which the bot does not answer."""
        query = tg.callback_query(update)
        if query is not None:
            chat_id, user_id, language = tg.sender(query)
            data = clean_optional(query.get("data"))
            if data:
                data = data.removeprefix(KEPT)
            if not data:
                return None
            return Incoming(
                NAME,
                chat_id,
                user_id,
                payload=data,
                language_hint=language,
                update_id=str(update.update_id),
                inbox_id=update.inbox_id,
            )
        msg = tg.message(update)
        if msg is None or not tg.has_sender(msg):
            return None
        chat_id, user_id, language = tg.sender(msg)
        typed = tg.text(msg)
        chosen = self._labels.get(int(chat_id), {}).get(typed or "") if chat_id.isdigit() else None
        if chosen is not None:  # a choice of the open reply keyboard: a press
            return Incoming(
                NAME,
                chat_id,
                user_id,
                payload=chosen,
                language_hint=language,
                update_id=str(update.update_id),
                inbox_id=update.inbox_id,
            )
        return Incoming(
            NAME,
            chat_id,
            user_id,
            text=typed,
            location=tg.location(msg),
            contact=tg.contact(msg),
            document=await self._document(msg),
            photo=tg.photo(msg),
            language_hint=language,
            update_id=str(update.update_id),
            inbox_id=update.inbox_id,
        )

    async def on_update(self, update: RawUpdate, context: Any = None) -> None:
        """The one PTB handler: every update of every chat comes through here, in chat order."""
        if update.inbox_id == DUPLICATE:
            return  # stored and handled before: Telegram sent it again
        answered = None
        handed_to_core = False
        query_id = None
        try:
            query = tg.callback_query(update)
            if query is not None and isinstance(query.get("id"), str):
                query_id = query["id"]
            body = query if query is not None else tg.message(update)
            if body is not None and tg.in_group(body):
                await self._in_group(body, query is not None)
                return
            msg = await self.to_incoming(update)
            if msg is None:
                return
            handed_to_core = True  # the core marks it done, with the handler's writes
            replies = await self.core.handle(msg)
            toast = next((r.text for r in replies if r.toast and r.text), None)
            if query_id is not None:
                # The press's answer, with a short note over the chat when there is one.
                answered = asyncio.create_task(self._answer(query_id, toast))
                query_id = None
                replies = [r for r in replies if not r.toast]
            pressed = tg.pressed(query) if query is not None else None
            await self._deliver(int(msg.chat_id), replies, pressed, wait=True)
        except TelegramError as e:
            log.warning("update %s: reply not delivered: %s", update.update_id, e)
        except Unreadable as e:
            log.info("update %s ignored: not a well-formed update (%s)", update.update_id, e)
        finally:
            if not handed_to_core and update.inbox_id is not None:
                await self._nothing_to_handle(update.inbox_id)
            if query_id is not None:  # Telegram wants every press answered, whatever happened
                answered = asyncio.create_task(self._answer(query_id))
            if answered is not None:
                await answered

    async def _nothing_to_handle(self, inbox_id: int) -> None:
        """An update the core never sees (an edit, a group message, an unreadable one) is
        done as soon as the channel has looked at it."""
        try:
            await self.core.inbox.finish(inbox_id)
        except Exception as e:
            log.warning("inbox: could not mark update done: %s", type(e).__name__)

    async def _in_group(self, body: Json, pressed: bool) -> None:
        """The bot talks with one person at a time, about their own papers: in a group it
        answers only a command meant for it, asking to be written to privately."""
        if pressed or not tg.command_for(tg.text(body), self.bot.username):
            return
        _chat, _user, language = tg.sender(body)
        locale = i18n.normalize_locale(language) or self.core.config.bot.default_locale
        with i18n.use_locale(locale):
            reply = Reply(
                text=_(
                    "I help each person privately, so your details stay between us. "
                    "Please write to me in a private chat."
                ),
                buttons=(
                    (
                        Button(
                            _("Write to me privately"),
                            kind=ButtonKind.URL,
                            url=f"https://t.me/{self.bot.username}",
                        ),
                    ),
                )
                if self.bot.username
                else (),
            )
        await self._deliver(int(tg.sender(body)[0]), [reply], None, wait=True)

    async def _answer(self, query_id: str, toast: str | None = None) -> None:
        """Stop the button's spinner; Telegram wants this for every press, whatever happens.
        `toast`: a short note Telegram shows over the chat (at most 200 characters)."""
        params: dict[str, Any] = {"callback_query_id": query_id}
        if toast:
            params["text"] = toast[:200]
        try:
            await self.bot.call("answerCallbackQuery", params)
        except TelegramError as e:
            log.info("answerCallbackQuery failed: %s", e)

    # ---- out ----

    async def _call(self, method: str, params: dict[str, Any], wait: bool) -> Any:
        """One Bot API call; a flood wait is sat out once when `wait` and it is short."""
        try:
            return await self.bot.call(method, params)
        except RetryAfter as e:
            delay = _seconds(e.retry_after)
            if not wait or delay > MAX_REPLY_WAIT:
                raise
            await asyncio.sleep(delay)
            return await self.bot.call(method, params)

    async def _edit(self, pressed: Pressed, params: dict[str, Any], wait: bool) -> bool:
        try:
            await self._call(
                "editMessageText",
                {"chat_id": pressed.chat_id, "message_id": pressed.message_id, **params},
                wait,
            )
        except BadRequest as e:
            if "not modified" in str(e).lower():
                return True  # it already shows exactly this
            log.info("edit failed, sending instead: %s", e)
            return False
        return True

    async def _deliver(
        self,
        chat_id: int,
        replies: list[Reply],
        pressed: Pressed | None,
        wait: bool,
        paid: bool = False,
    ) -> None:
        extra = {"allow_paid_broadcast": True} if paid else {}
        for reply in replies:
            editable = pressed is not None and pressed.has_text
            if editable and pressed is not None and pressed.kept and not reply.keep:
                editable = False  # a confirmation stays: navigation from it is a new message
            edit = as_edit(reply) if editable else None
            if edit is not None and pressed is not None:
                pressed_now, pressed = pressed, None  # only one reply replaces the message
                if await self._edit(pressed_now, edit, wait):
                    continue
            for out in plan(reply, remove_keyboard=chat_id in self._keyboard_open):
                await self._pace(chat_id)
                await self._call(out.method, {"chat_id": chat_id, **out.params, **extra}, wait)
                if out.keyboard == "remove":
                    self._keyboard_open.discard(chat_id)
                    self._labels.pop(chat_id, None)
                elif out.keyboard == "request":
                    self._keyboard_open.add(chat_id)
                    self._labels.pop(chat_id, None)
                    if out.labels:
                        self._labels[chat_id] = out.labels

    async def _pace(self, chat_id: int) -> None:
        """Wait until this chat may get another message, and book the next turn."""
        if not self._chat_gap:
            return
        now = asyncio.get_running_loop().time()
        at = max(now, self._chat_next.get(chat_id, now))
        if len(self._chat_next) > 10_000:  # only chats written to in the last second matter
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        self._chat_next[chat_id] = at + self._chat_gap
        if at > now:
            await asyncio.sleep(at - now)

    async def send_paid(self, chat_id: str, replies: list[Reply]) -> None:
        """`send` as a paid broadcast: every call with allow_paid_broadcast (up to 1,000
        messages/s, 0.1 Stars each; the outbox sends only broadcasts this way)."""
        await self.send(chat_id, replies, paid=True)

    async def send(self, chat_id: str, replies: list[Reply], *, paid: bool = False) -> None:
        """Send to a chat that did not just write (reminders, broadcasts, notices).

        Raises `bot.channels.errors` errors, never PTB's, and never sits out a flood wait:
        `RateLimited.retry_after` tells the caller when to try again.
        """
        try:
            await self._deliver(int(chat_id), replies, None, wait=False, paid=paid)
        except RetryAfter as e:
            raise errors.RateLimited(_seconds(e.retry_after)) from e
        except Forbidden as e:
            raise errors.RecipientUnreachable(str(e)) from e
        except BadRequest as e:
            if "chat not found" in str(e).lower():
                raise errors.RecipientUnreachable(str(e)) from e
            raise errors.Rejected(str(e)) from e
        except TelegramError as e:
            raise errors.SendError(str(e)) from e


# ---- running the bot ---------------------------------------------------------------------


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """PTB's default would log the whole update, names and all; we log only its id."""
    update_id = update.update_id if isinstance(update, RawUpdate) else "-"
    log.error("telegram update %s failed", update_id, exc_info=context.error)


def _json_body(params: dict[str, Any]) -> bytes:
    """The JSON body of a call whose values are all plain JSON values (strings, numbers): one
    `json.dumps`, without PTB's conversion of each parameter (its type checks and per-value
    serialising were a good part of the cost of every reply, docs/PERFORMANCE.md)."""
    markup = params.get("reply_markup")
    if not isinstance(markup, str):
        return json.dumps(params).encode()
    # A keyboard is JSON already, made once per keyboard (bot/channels/telegram_render.py):
    # it goes in as the object it is, not escaped again into a string (both are what the
    # Bot API accepts; escaping it was a good part of building every reply).
    rest = json.dumps({k: v for k, v in params.items() if k != "reply_markup"})
    joiner = ", " if len(rest) > 2 else ""
    return f'{rest[:-1]}{joiner}"reply_markup": {markup}}}'.encode()


class _Answered(BaseRequest):
    """An answer already received, handed to PTB's own response handling (`post`, public):
    a failed call raises exactly the `TelegramError` PTB would raise (RetryAfter with its
    delay, Forbidden, BadRequest, ...), a successful one gives the answer's `result`."""

    __slots__ = ("_answer",)

    def __init__(self, code: int, payload: bytes):
        self._answer = (code, payload)

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        """Nothing to open: the answer is already here."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        return self._answer


async def _posted(send: Awaitable[tuple[int, bytes]]) -> tuple[int, bytes]:
    """A request's answer; a failure of the transport itself becomes PTB's `NetworkError`, as
    PTB's own request wrapper makes it."""
    try:
        return await send
    except TelegramError:
        raise
    except Exception as exc:
        raise NetworkError(f"Unknown error in HTTP implementation: {exc!r}") from exc


class ReplyBot(ExtBot[None]):
    """PTB's bot, with the two calls of every update kept lean: `call` (a Bot API call whose
    answer the bot does not need) and `get_updates` (updates as `RawUpdate`s, not `Update`s).

    Parsing each sent message back into a PTB `Message`, and each update into an `Update`,
    were together more than half of the channel's CPU time per update (docs/PERFORMANCE.md).
    Both calls go straight to our transports (`AiohttpRequest.post_json`) and hand the answer
    to PTB's public response handling (`BaseRequest.post`), so errors are PTB's usual
    `TelegramError`s and the Updater's retry loop and our handling of 429/403/400 work as
    before — without PTB's private `_post` or its `RequestData` internals.

    `get_updates` stores each batch in the inbox (`_intake`) before it returns it: PTB's Updater
    confirms the offset with the next call, which is then after the commit.
    """

    _intake: Intake | None = None

    def __init__(
        self,
        token: str,
        *,
        base_url: str,
        base_file_url: str,
        request: AiohttpRequest,
        get_updates_request: AiohttpRequest,
    ):
        super().__init__(
            token,
            base_url=base_url,
            base_file_url=base_file_url,
            request=request,
            get_updates_request=get_updates_request,
        )
        # Our transports, kept to call them directly (PTB lets a subclass set "_" attributes).
        self._replies = request  # every call but getUpdates
        self._polls = get_updates_request

    async def call(self, method: str, params: dict[str, Any]) -> None:
        """Make a Bot API call whose answer the bot does not need (it raises PTB's usual
        `TelegramError`s when the call fails).

        What PTB's methods do, minus two costs paid on every reply: PTB's conversion of every
        value (ours are JSON-ready strings and numbers), and parsing the answer — the sent
        message, keyboard and all — only to drop it. A failed call's answer is parsed, by PTB
        itself (`_Answered`). A document goes through PTB's own `send_document`: the upload
        costs far more than the conversion, and PTB builds its multipart body."""
        params = {key: value for key, value in params.items() if value is not None}
        if not all(type(value) in _PLAIN for value in params.values()):
            await self._send_document(method, params)
            return
        url = f"{self.base_url}/{method}"
        code, answer = await _posted(self._replies.post_json(url, _json_body(params)))
        if not 200 <= code <= 299:
            await _Answered(code, answer).post(url)  # raises the matching error

    async def _send_document(self, method: str, params: dict[str, Any]) -> None:
        if method != "sendDocument":
            raise TypeError(f"{method}: only sendDocument takes values other than JSON ones")
        rest = dict(params)
        chat_id, document = rest.pop("chat_id"), rest.pop("document")
        caption = rest.pop("caption", None)
        # The rest (a keyboard as JSON) goes in as it is, as PTB sends any extra parameter.
        await self.send_document(chat_id, document, caption=caption, api_kwargs=rest)

    async def get_updates(  # type: ignore[override]  # RawUpdates, not Updates: on purpose
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: timedelta | int | None = None,  # noqa: ASYNC109 (PTB's signature)
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: Any = _DEFAULT,
        write_timeout: Any = _DEFAULT,
        connect_timeout: Any = _DEFAULT,
        pool_timeout: Any = _DEFAULT,
        api_kwargs: Json | None = None,
    ) -> tuple[RawUpdate, ...]:
        # As PTB's own get_updates: the long poll's wait is added to the read timeout.
        base = self._polls.read_timeout if read_timeout is _DEFAULT else read_timeout
        wait = _seconds(timeout) if timeout else 0.0
        params = {
            # whole seconds as a number, as PTB sends a timedelta
            "timeout": None if timeout is None else int(wait) if wait.is_integer() else wait,
            "offset": offset,
            "limit": limit,
            "allowed_updates": None if allowed_updates is None else list(allowed_updates),
            **(api_kwargs or {}),
        }
        url = f"{self.base_url}/getUpdates"
        body = json.dumps({k: v for k, v in params.items() if v is not None}).encode()
        code, answer = await _posted(
            self._polls.post_json(
                url,
                body,
                read_timeout=(base or 0) + wait,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        )
        result = await _Answered(code, answer).post(url)  # the updates, or PTB's error
        if not isinstance(result, list):
            raise NetworkError("getUpdates did not return a list of updates")
        updates = []
        for data in result:
            try:
                updates.append(RawUpdate(data))
            except Unreadable:
                log.warning("getUpdates returned an update without an id; skipped")
        if self._intake is not None and updates:
            try:
                await self._intake([(u, json.dumps(u.data)) for u in updates])
            except Exception as e:  # not stored: not confirmed either, Telegram keeps them
                raise NetworkError(f"updates not stored in the inbox: {describe(e)}") from e
        return tuple(updates)


def build_application(config: Config, *, webhook: bool) -> Application:
    tg = config.channels.telegram
    proxy = env_proxy(tg.api_base_url)
    bot = ReplyBot(
        tg.token,
        base_url=tg.api_base_url,
        base_file_url=tg.api_file_url,
        # A free connection is normally there within milliseconds; PTB's 1 s default would
        # turn a short burst into "request not sent" errors.
        request=AiohttpRequest(tg.connection_pool_size, pool_timeout=10.0, proxy=proxy),
        # getUpdates gets its own session, so a long poll never takes a reply's connection.
        get_updates_request=AiohttpRequest(1, proxy=proxy),
    )
    builder = (
        Application.builder()
        .bot(bot)
        .concurrent_updates(ChatOrderedProcessor(tg.max_concurrent_updates))
        .job_queue(None)  # scheduling is ours (bot/), not PTB's
    )
    if webhook:
        builder = builder.updater(None)
    return builder.build()


def check_webhook_config(config: Config) -> None:
    if not config.webhook.secret_token:
        raise ConfigError(
            "config: webhook.secret_token is empty; webhook mode needs it: "
            "1-256 characters of A-Z a-z 0-9 _ - (set "
            "TROLYSO_WEBHOOK_SECRET_TOKEN)"
        )


# The young generation's collection threshold while serving (Python's default is 700). Every
# update allocates a few hundred objects, and hundreds of updates are in flight at once, so at
# the default the collector runs several times per update and keeps finding live objects; it
# cost about a tenth of the bot's CPU time (docs/PERFORMANCE.md).
GC_YOUNG_THRESHOLD = 10_000
_gc_before: tuple[int, int, int] | None = None


def _settle_gc() -> None:
    """Tune the garbage collector for serving, once everything is loaded. What was loaded
    (content, search index, catalogs, libraries) lives as long as the process; frozen, the
    collector no longer walks it, which took up to a fifth of a second per full collection
    with the event loop stopped."""
    global _gc_before
    if _gc_before is None:
        _gc_before = gc.get_threshold()
        gc.set_threshold(GC_YOUNG_THRESHOLD, *_gc_before[1:])
    gc.freeze()


def _unsettle_gc() -> None:
    global _gc_before
    gc.unfreeze()
    if _gc_before is not None:
        gc.set_threshold(*_gc_before)
        _gc_before = None


class TelegramBot:
    """The PTB `Application` wired to our core: `await start()`, serve, `await stop()`."""

    def __init__(
        self,
        config: Config,
        core: Core,
        *,
        webhook: bool = False,
        listen_port: int | None = None,
        routes: Any = (),
    ):
        if webhook:
            check_webhook_config(config)
        self.config = config
        self.webhook = webhook
        self.application = build_application(config, webhook=webhook)
        processor = self.application.update_processor
        assert isinstance(processor, ChatOrderedProcessor)  # build_application's
        self.processor = processor
        self.channel = TelegramChannel(
            core,
            self.application.bot,
            max_document_bytes=config.channels.telegram.max_document_bytes,
        )
        self.application.add_handler(TypeHandler(RawUpdate, self.channel.on_update))
        self.application.add_error_handler(_log_error)
        self.inbox = core.inbox
        self.application.bot._intake = self._intake
        self._polling = Outage("polling Telegram for updates", log)
        self._keeping = Outage("inbox: taking over updates", log)
        self._keeper: asyncio.Task | None = None
        self.server: WebhookServer | None = None
        self._listen_port = config.webhook.listen_port if listen_port is None else listen_port
        self._routes = routes  # other channels' webhooks on the same web server (Zalo)

    async def _intake(self, updates: list[tuple[RawUpdate, str]]) -> None:
        """Store a batch of updates (one statement); a re-delivered one is marked DUPLICATE."""
        stored = await self.inbox.accept(NAME, [(str(u.update_id), body) for u, body in updates])
        for update, _body in updates:
            update.inbox_id = stored.get(str(update.update_id), DUPLICATE)
        self._polling.succeeded()

    async def _take_over(self, *, everything: bool) -> int:
        """Queue the stored updates nobody handled (a crash), in the order they came."""
        pending = await self.inbox.take_over(NAME, everything=everything)
        for row in pending:
            try:
                update = RawUpdate(json.loads(row.body), inbox_id=row.id)
            except (ValueError, Unreadable):
                await self.inbox.finish(row.id)
                continue
            await self.application.update_queue.put(update)
        if pending:
            log.warning("inbox: handling %d updates accepted but not handled before", len(pending))
        return len(pending)

    async def _keep_inbox(self) -> None:
        """On PostgreSQL, take over the updates of a process that died (their lease ran out);
        everywhere, prune done rows now and then."""
        every = max(1.0, self.inbox.lease.total_seconds() / 4)
        pruned_at = 0.0
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(every)
            try:
                if not self.inbox.db.is_sqlite:
                    await self._take_over(everything=False)
                if loop.time() - pruned_at > PRUNE_EVERY:
                    await self.inbox.prune()
                    pruned_at = loop.time()
            except Exception as e:
                self._keeping.failed(e)
            else:
                self._keeping.succeeded()

    def _polling_failed(self, error: TelegramError) -> None:
        self._polling.failed(error)

    def status(self) -> dict[str, Any]:
        return {"processing": self.processor.processing, "waiting": self.processor.waiting}

    async def _initialize(self) -> None:
        try:
            await self._first_call()
        except BaseException:
            # getMe failed after the HTTP sessions opened: close them (PTB does not).
            bot = self.application.bot
            for request in (bot._replies, bot._polls):
                with contextlib.suppress(Exception):
                    await request.shutdown()
            raise

    async def _first_call(self) -> None:
        try:
            await self.application.initialize()  # getMe: proves the token and the URL
        except InvalidToken as e:
            raise ConfigError(
                "config: channels.telegram.token was refused by the Bot API at "
                f"{self.config.channels.telegram.api_base_url} ({describe(e)})"
            ) from None
        except NetworkError as e:
            raise TrolysoError(
                "channels.telegram.api_base_url: cannot reach the Telegram Bot API at "
                f"{self.config.channels.telegram.api_base_url}: {describe(e)}"
            ) from None
        except Exception as e:  # a URL the HTTP client cannot use, an answer that is not JSON
            raise TrolysoError(
                "channels.telegram.api_base_url: the Bot API at "
                f"{self.config.channels.telegram.api_base_url} "
                f"did not answer getMe: {describe(e)}"
            ) from None

    async def start(self) -> None:
        await self._initialize()
        app = self.application
        await app.start()
        await set_commands(app.bot, self.config.bot.default_locale)
        # Before anything new comes in: what was accepted and not handled before a restart
        # (on SQLite, everything of this channel: no other process can be handling it).
        await self._take_over(everything=self.inbox.db.is_sqlite)
        self._keeper = asyncio.create_task(self._keep_inbox(), name="inbox keeper")
        # Reminders, notices and broadcasts for Telegram chats go out through this bot.
        outbox_channels.register(self.channel)
        _settle_gc()
        if not self.webhook:
            assert app.updater is not None  # polling mode builds one
            await app.updater.start_polling(
                timeout=self.config.channels.telegram.poll_timeout_seconds,
                allowed_updates=ALLOWED_UPDATES,
                error_callback=self._polling_failed,
            )
            return
        hook = self.config.webhook
        self.server = WebhookServer(
            app,
            path=hook.path,
            secret_token=hook.secret_token,
            max_body_bytes=hook.max_body_bytes,
            intake=self._intake,
            status=self.status,
            routes=(*self._routes, self._mount_pages),
        )
        try:
            await self.server.start(hook.listen_host, self._listen_port)
        except OSError as e:
            raise TrolysoError(
                f"cannot listen on {hook.listen_host}:{self._listen_port} "
                f"(webhook.listen_host/listen_port): {e}"
            ) from None
        if web_server.enabled(self.channel.core):
            web_server.announce(self.channel.core, hook.listen_host, self.server.port)
        if hook.public_url:
            await app.bot.set_webhook(
                hook.public_url, secret_token=hook.secret_token, allowed_updates=ALLOWED_UPDATES
            )

    def _mount_pages(self, app: web.Application) -> None:
        if web_server.enabled(self.channel.core):
            web_app.mount(app, self.channel.core)

    async def stop(self) -> None:
        """Stop taking updates, finish the ones in hand, then close the HTTP sessions."""
        app = self.application
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
            self._keeper = None
        await outbox_channels.unregister(self.channel)  # its sends in flight finish first
        if self.server is not None:
            await self.server.stop()
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        _unsettle_gc()

    def describe(self) -> str:
        if not self.webhook or self.server is None:
            return "long polling"
        hook = self.config.webhook
        return f"webhook on {hook.listen_host}:{self.server.port}{hook.path}"


async def serve(
    config: Config, start_core: Callable[[Config], Awaitable[Core]], *, webhook: bool
) -> None:
    """Run until SIGINT/SIGTERM, then shut down gracefully."""
    from bot.channels.zalo.serve import ZaloService, configured

    core = await start_core(config)
    try:
        # Zalo, when configured, is served by the same process: on the webhook's web server,
        # or on its own when Telegram polls (Zalo cannot be polled).
        zalo = ZaloService(config, core) if configured(config) else None
        routes = (zalo.add_routes,) if zalo is not None and webhook else ()
        bot = TelegramBot(config, core, webhook=webhook, routes=routes)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        pages = None
        try:
            if zalo is not None:
                await zalo.start()
            await bot.start()
            if zalo is not None and not webhook:
                await zalo.listen()
            if not webhook:
                pages = await web_server.start_pages(core)
            log.info("Telegram bot @%s running (%s)", bot.application.bot.username, bot.describe())
            if zalo is not None:
                log.info("Zalo channel running (%s)", zalo.describe())
            await stop.wait()
            log.info("stopping: finishing the updates in hand")
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            if pages is not None:
                await pages.stop()
            await bot.stop()
            if zalo is not None:
                await zalo.stop()
    finally:
        await core.close()


def run_telegram(
    config: Config, start_core: Callable[[Config], Awaitable[Core]], *, webhook: bool = False
) -> None:
    """`trolyso run --channel telegram [--webhook]`."""
    # PTB logs whole updates (names, phone numbers) at DEBUG; never let them through.
    if webhook:
        check_webhook_config(config)  # before touching the database
    logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLogger().level))
    asyncio.run(serve(config, start_core, webhook=webhook))
