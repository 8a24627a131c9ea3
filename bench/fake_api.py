"""The benchmark's fake Telegram Bot API server: the part of the Bot API the benchmarked bots
use, spoken over real HTTP/1.1, with the load generator and the latency clock built in.

    python -m bench.fake_api      # prints "READY <port>", serves until SIGINT/SIGTERM

Why not tests/fake_telegram.py (aiohttp, records every call, many methods): on the 2-CPU
machines the benchmark runs on, that server spent about 0.4–0.6 ms of CPU per update —
about as much as the bot under test — and it shares the two CPUs with the bot. Every bot is
measured against this one server, so the comparison stays fair; a lighter server takes less CPU
away from whichever bot is being measured, and measures the bots rather than itself.

What it implements, as the real Bot API does: getMe, deleteWebhook, getUpdates (long polling,
`offset` confirms, `limit`, `timeout`), sendMessage (answers the sent Message, with its inline
keyboard), editMessageText, answerCallbackQuery. Requests may be JSON (our transport) or form
encoded (PTB's httpx transport). Keep-alive connections; one request at a time per connection.

The control API (`/_fake/...`, JSON): `reset`; `feed` {count, chats, rate, text} makes `count`
text updates available, from `chats` chats in turn, `rate` per second (0: all at once);
`wait?count=N&timeout=S` answers once N replies arrived, with every latency (from the moment an
update can be fetched to the moment the reply to it arrives, one clock), the span from the first
update available to the last reply, and this server's CPU time since `reset`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import time
from collections import defaultdict, deque
from collections.abc import Awaitable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bench.mix import Mix

TOKEN = "123456:TEST-token-for-the-fake-bot-api"
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Trợ lý số (bench)",
    "username": "trolyso_bench_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
SEND_METHODS = frozenset({"sendMessage", "editMessageText"})
# Sent by the bot at the end of a booking (the calendar file, the point): answered, and
# counted for the mixed workload's people, never as a reply of the echo rows.
OTHER_SENDS = frozenset({"sendDocument", "sendVenue", "sendLocation"})
MAX_HEADER = 64 * 1024
MAX_BODY = 16 * 1024 * 1024  # the mixed workload's scripts come in one request
Answer = tuple[int, bytes]  # HTTP status, JSON body
_REASONS = {
    200: b"OK",
    400: b"Bad Request",
    401: b"Unauthorized",
    404: b"Not Found",
    411: b"Length Required",
    413: b"Payload Too Large",
}


def _ok(result: Any) -> Answer:
    return 200, json.dumps({"ok": True, "result": result}, ensure_ascii=False).encode()


def _error(status: int, description: str) -> Answer:
    return status, json.dumps(
        {"ok": False, "error_code": status, "description": description}
    ).encode()


class Request:
    __slots__ = ("body", "content_type", "method", "target")

    def __init__(self, method: str, target: str, content_type: str, body: bytes):
        self.method = method
        self.target = target
        self.content_type = content_type
        self.body = body

    def params(self) -> dict[str, Any]:
        query = urlsplit(self.target).query
        params: dict[str, Any] = dict(parse_qsl(query)) if query else {}
        if self.body:
            if self.content_type.startswith("application/json"):
                params.update(json.loads(self.body))
            elif self.content_type.startswith("multipart/form-data"):  # an upload
                params.update(_form_fields(self.body))
            else:  # application/x-www-form-urlencoded: PTB's httpx transport
                params.update(parse_qsl(self.body.decode()))
        return params


class Api:
    """The server's state: pending updates, chats, latencies; and the handlers."""

    def __init__(self, token: str = TOKEN):
        self.token = token
        self.updates: deque[tuple[int, bytes]] = deque()  # (update_id, JSON)
        self.next_update_id = 1
        self.next_message_id: dict[int, int] = defaultdict(lambda: 1)
        self.poll_waiters: list[asyncio.Future[None]] = []
        self.reply_waiters: list[asyncio.Future[None]] = []
        self.available_at: dict[int, deque[float]] = defaultdict(deque)
        self.latencies: list[float] = []
        self.first_available: float | None = None
        self.last_reply: float | None = None
        self.cpu_at_reset = time.process_time()
        self.feeding: asyncio.Task | None = None
        self.closing = False
        self.mix: Mix | None = None
        self.next_query_id = 1
        self.webhooks: list[str] = []  # the mixed workload's webhook rows
        self.next_hook = 0
        self.secret = ""
        self.http: Any = None
        self.posting: set[asyncio.Task] = set()

    # ---- users writing --------------------------------------------------------------------

    def push_text(self, chat_id: int, text: str) -> None:
        message_id = self.next_message_id[chat_id]
        self.next_message_id[chat_id] = message_id + 1
        user = {"id": chat_id, "is_bot": False, "first_name": "Lan", "language_code": "en"}
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": user,
            "date": int(time.time()),
            "chat": {"id": chat_id, "first_name": "Lan", "type": "private"},
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [
                {"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}
            ]
        update_id = self.next_update_id
        self.next_update_id += 1
        self.updates.append(
            (
                update_id,
                json.dumps(
                    {"update_id": update_id, "message": message}, ensure_ascii=False
                ).encode(),
            )
        )
        now = time.monotonic()
        self.available_at[chat_id].append(now)
        if self.first_available is None:
            self.first_available = now
        _release(self.poll_waiters)

    def push_update(
        self,
        chat_id: int,
        *,
        text: str | None = None,
        data: str | None = None,
        message_id: int = 0,
        language: str = "vi",
    ) -> None:
        """A message typed (`text`) or a button pressed (`data`, on the bot's message
        `message_id`) by a person of the mixed workload; its latency is the mix's own."""
        user = {"id": chat_id, "is_bot": False, "first_name": "Lan", "language_code": language}
        chat = {"id": chat_id, "first_name": "Lan", "type": "private"}
        update: dict[str, Any] = {"update_id": self.next_update_id}
        if data is not None:
            update["callback_query"] = {
                "id": str(self.next_query_id),
                "from": user,
                "message": {
                    "message_id": message_id,
                    "from": BOT_USER,
                    "chat": chat,
                    "date": int(time.time()),
                    "text": "…",
                },
                "chat_instance": str(chat_id),
                "data": data,
            }
            self.next_query_id += 1
        else:
            own = self.next_message_id[chat_id]
            self.next_message_id[chat_id] = own + 1
            message: dict[str, Any] = {
                "message_id": own,
                "from": user,
                "date": int(time.time()),
                "chat": chat,
                "text": text,
            }
            if text and text.startswith("/"):
                message["entities"] = [
                    {"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}
                ]
            update["message"] = message
        body = json.dumps(update, ensure_ascii=False).encode()
        self.next_update_id += 1
        if self.webhooks:  # Telegram posts it to the webhook: the next process in turn
            url = self.webhooks[self.next_hook % len(self.webhooks)]
            self.next_hook += 1
            task = asyncio.ensure_future(self._post(url, body))
            self.posting.add(task)
            task.add_done_callback(self.posting.discard)
            return
        self.updates.append((update["update_id"], body))
        _release(self.poll_waiters)

    async def _post(self, url: str, body: bytes) -> None:
        import aiohttp  # only the webhook rows need a client

        if self.http is None:
            self.http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=256),
                headers={
                    "Content-Type": "application/json",
                    "X-Telegram-Bot-Api-Secret-Token": self.secret,
                },
            )
        for _attempt in range(5):  # as Telegram: an update not taken is sent again
            try:
                async with self.http.post(url, data=body) as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)

    async def feed(
        self, count: int, chats: int, rate: float, text: str, first_chat: int = 1000
    ) -> None:
        start = time.monotonic()
        for i in range(count):
            if rate > 0:
                delay = start + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            self.push_text(first_chat + i % chats, text)

    # ---- the Bot API ------------------------------------------------------------------------

    def handle(self, request: Request) -> Answer | Awaitable[Answer]:
        """The answer, or (a long poll, a wait) something to await for it."""
        path = urlsplit(request.target).path
        if path.startswith("/_fake/"):
            return self.control(path[len("/_fake/") :], request)
        prefix, _, method = path.rpartition("/")
        if prefix != f"/bot{self.token}":
            return _error(
                401 if prefix.startswith("/bot") else 404,
                "Unauthorized" if prefix.startswith("/bot") else "Not Found",
            )
        try:
            params = request.params()
        except ValueError:
            return _error(400, "Bad Request: can't parse the parameters")
        if method == "getUpdates":
            return self.get_updates(params)
        if method in SEND_METHODS or method in OTHER_SENDS:
            return self.send(method, params)
        if method == "getMe":
            return _ok(BOT_USER)
        if method in ("deleteWebhook", "answerCallbackQuery"):
            return _ok(True)
        return _error(404, "Not Found: method not found")

    def get_updates(self, params: dict[str, Any]) -> Answer | Awaitable[Answer]:
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = float(params.get("timeout") or 0)
        while self.updates and offset and self.updates[0][0] < offset:
            self.updates.popleft()  # confirmed by a higher offset
        if not self.updates and timeout > 0 and not self.closing:
            return self._poll(limit, seconds=timeout)
        return self._updates(limit)

    async def _poll(self, limit: int, seconds: float) -> Answer:
        await _wait(self.poll_waiters, seconds)
        return self._updates(limit)

    def _updates(self, limit: int) -> Answer:
        batch = [u for _, (_, u) in zip(range(limit), self.updates, strict=False)]
        return 200, b'{"ok":true,"result":[' + b",".join(batch) + b"]}"

    def send(self, method: str, params: dict[str, Any]) -> Answer:
        try:
            chat_id = int(params["chat_id"])
        except (KeyError, ValueError):
            return _error(400, "Bad Request: chat not found")
        text = params.get("text")
        if method in SEND_METHODS and (not isinstance(text, str) or not text):
            return _error(400, "Bad Request: message text is empty")
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            try:
                markup = json.loads(markup)
            except ValueError:
                return _error(400, "Bad Request: can't parse reply keyboard markup JSON")
        if method == "editMessageText":
            message_id = int(params.get("message_id") or 0)
        else:
            message_id = self.next_message_id[chat_id]
            self.next_message_id[chat_id] = message_id + 1
        mixed = self.mix is not None and self.mix.answer(
            chat_id, message_id, method in SEND_METHODS, _buttons(markup)
        )
        now = time.monotonic()
        waiting = None if mixed else self.available_at.get(chat_id)
        if waiting:
            self.latencies.append(now - waiting.popleft())
            self.last_reply = now
            _release(self.reply_waiters)
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": BOT_USER,
            "chat": {"id": chat_id, "first_name": "Lan", "type": "private"},
            "date": int(time.time()),
        }
        if text:
            message["text"] = text
        if method == "sendDocument":
            message["document"] = {"file_id": "bench-file", "file_unique_id": "bench-file"}
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return _ok(message)

    # ---- control ----------------------------------------------------------------------------

    def control(self, action: str, request: Request) -> Answer | Awaitable[Answer]:
        if action == "reset":
            self.latencies = []
            self.available_at.clear()
            self.first_available = self.last_reply = None
            self.cpu_at_reset = time.process_time()
            return 200, b'{"ok":true}'
        if action == "feed":
            spec = json.loads(request.body)
            self.feeding = asyncio.create_task(
                self.feed(
                    int(spec["count"]),
                    int(spec.get("chats", 1)),
                    float(spec.get("rate", 0)),
                    str(spec.get("text", "/menu")),
                )
            )
            return 200, b'{"ok":true}'
        if action == "mix":
            spec = json.loads(request.body)
            self.webhooks = list(spec.get("webhooks") or ())
            self.secret = str(spec.get("secret") or "")
            self.mix = Mix(self, spec)
            self.cpu_at_reset = time.process_time()
            self.mix.start()
            return 200, b'{"ok":true}'
        if action == "mix_wait":
            params = request.params()
            return self._wait_for_mix(float(params.get("timeout", 60)))
        if action == "wait":
            params = request.params()
            return self._wait_for_replies(
                int(params["count"]), seconds=float(params.get("timeout", 60))
            )
        return _error(404, "Not Found")

    async def _wait_for_replies(self, want: int, seconds: float) -> Answer:
        deadline = time.monotonic() + seconds
        while len(self.latencies) < want and time.monotonic() < deadline:
            await _wait(self.reply_waiters, deadline - time.monotonic())
        span = (self.last_reply or 0) - (self.first_available or 0) if self.latencies else 0
        return 200, json.dumps(
            {
                "replies": len(self.latencies),
                "span": span,
                "latencies": self.latencies,
                "server_cpu": time.process_time() - self.cpu_at_reset,
            }
        ).encode()

    async def _wait_for_mix(self, seconds: float) -> Answer:
        mix = self.mix
        if mix is None:
            return _error(404, "Not Found: no mix")
        deadline = time.monotonic() + seconds
        while not mix.finished() and time.monotonic() < deadline:
            mix.wakeup.clear()
            try:
                await asyncio.wait_for(mix.wakeup.wait(), max(deadline - time.monotonic(), 0))
            except TimeoutError:
                break
        report = mix.report(time.process_time() - self.cpu_at_reset)
        self.mix = None
        self.webhooks = []
        if self.http is not None:
            await self.http.close()
            self.http = None
        return 200, json.dumps(report, ensure_ascii=False).encode()


def _buttons(markup: Any) -> list[str]:
    """The callback data of an inline keyboard's buttons."""
    if not isinstance(markup, dict):
        return []
    return [
        b["callback_data"]
        for row in markup.get("inline_keyboard", ())
        for b in row
        if isinstance(b, dict) and "callback_data" in b
    ]


def _form_fields(body: bytes) -> dict[str, str]:
    """The plain (not file) fields of a multipart/form-data body."""
    fields = {}
    for part in body.split(b"\r\n--"):
        head, sep, value = part.partition(b"\r\n\r\n")
        if not sep or b"filename=" in head:
            continue
        match = re.search(rb'name="([^"]+)"', head)
        if match:
            fields[match[1].decode()] = value.rstrip(b"\r\n").decode("utf-8", "replace")
    return fields


class HttpConnection(asyncio.Protocol):
    """HTTP/1.1 with Content-Length bodies and keep-alive; requests answered in order."""

    def __init__(self, api: Api):
        self.api = api
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.busy = False  # a request is waiting (a long poll); later ones wait their turn
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.busy:
            self._serve()

    def _serve(self) -> None:
        while not self.busy and not self.closed:
            parsed = self._next_request()
            if parsed is None:
                return
            request, keep_alive = parsed
            answer = self.api.handle(request)
            if isinstance(answer, tuple):  # most requests never wait: no task for them
                self._respond(*answer, keep_alive)
                continue
            self.busy = True
            asyncio.ensure_future(self._finish(answer, keep_alive))

    async def _finish(self, answer: Awaitable[Answer], keep_alive: bool) -> None:
        status, body = await answer
        self._respond(status, body, keep_alive)
        self.busy = False
        self._serve()

    def _next_request(self) -> tuple[Request, bool] | None:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEADER:
                self._fail(413)
            return None
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        method, target, version = head[0].split(" ", 2)
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", ""):
            self._fail(411)
            return None
        length = int(headers.get("content-length", "0"))
        if length > MAX_BODY:
            self._fail(413)
            return None
        if len(self.buffer) < end + 4 + length:
            return None
        body = bytes(self.buffer[end + 4 : end + 4 + length])
        del self.buffer[: end + 4 + length]
        connection = headers.get("connection", "").lower()
        keep_alive = connection != "close" and (
            version == "HTTP/1.1" or connection == "keep-alive"
        )
        return Request(method, target, headers.get("content-type", ""), body), keep_alive

    def _respond(self, status: int, body: bytes, keep_alive: bool) -> None:
        if self.closed or self.transport is None:
            return
        head = b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n" % (
            status,
            _REASONS.get(status, b"Error"),
            len(body),
        )
        head += b"\r\n" if keep_alive else b"Connection: close\r\n\r\n"
        self.transport.write(head + body)
        if not keep_alive:
            self.transport.close()
            self.closed = True

    def _fail(self, status: int) -> None:
        self._respond(*_error(status, _REASONS[status].decode()), keep_alive=False)


def _release(waiters: list[asyncio.Future[None]]) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_result(None)
    waiters.clear()


async def _wait(waiters: list[asyncio.Future[None]], seconds: float) -> None:
    waiter = asyncio.get_running_loop().create_future()
    waiters.append(waiter)
    try:
        await asyncio.wait_for(waiter, max(seconds, 0))
    except TimeoutError:
        if waiter in waiters:
            waiters.remove(waiter)


async def serve(port: int) -> None:
    api = Api()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: HttpConnection(api), "127.0.0.1", port)
    print(f"READY {server.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    api.closing = True
    _release(api.poll_waiters)
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fake_api")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    args = parser.parse_args()
    asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
