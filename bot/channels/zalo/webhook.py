"""The Zalo webhook: an aiohttp handler on the bot's own web server (the Telegram webhook's).

Guards, in order: method (405) → a well-formed `X-ZEvent-Signature` (401) → content type (415)
→ body size (413) → JSON object (400) → the signature over the raw bytes (401). Nothing is
parsed into an event, stored or acted on before the signature holds; the JSON is read first
only because the signed timestamp is inside it. Then the event goes into the durable inbox
(bot/inbox.py, keyed on (channel, `message.msg_id`): a re-delivery to this or any other
process is dropped there), then 200 at once: Zalo retries a webhook not answered within about
2 s [secondary], so the work runs after the answer. The core marks the inbox row done in the
handler's own transaction; rows accepted but never handled (a crash) are taken over at the
next start (`take_over`), and on PostgreSQL by any process once their lease runs out. One
user's events run in arrival order, different users' concurrently; `sink` (wired by the composition root) does the work: hand an
`Inbound` to the core and send its replies, mark an `Unfollowed` user unreachable.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections import Counter, deque
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.channels.zalo import events, signature
from bot.channels.zalo.settings import ZaloSettings
from bot.clock import Clock
from bot.db import Database
from bot.inbox import Inbox

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-ZEvent-Signature"
TIMESTAMP_HEADER = "X-ZEvent-Timestamp"
Sink = Callable[[events.Event], Awaitable[None]]
# Handled inbox rows older than a day are dropped after every this many events taken (and at
# the first).
PRUNE_EVERY = 1000


class ZaloWebhook:
    def __init__(self, settings: ZaloSettings, db: Database, sink: Sink, clock: Clock):
        if not settings.oa_secret_key or not settings.app_id:
            raise ValueError("the Zalo webhook needs the app id and the OA secret key")
        self.settings = settings
        self.db = db
        self.inbox = Inbox(db, clock)
        self.sink = sink
        self.clock = clock
        # What happened to requests, by outcome: for `status` and tests (no content).
        self.counts: Counter[str] = Counter()
        self._busy: dict[str, deque[events.Event]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def add_routes(self, app: web.Application) -> None:
        """Serve the webhook on an existing app (the one the Telegram webhook runs on)."""
        app.router.add_route("*", self.settings.webhook_path, self.handle)

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=self.settings.max_body_bytes)
        self.add_routes(app)
        return app

    async def drain(self) -> None:
        """Wait for the work of every answered event (at shutdown, and in tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _refuse(self, status: int, outcome: str) -> web.Response:
        self.counts[outcome] += 1
        return web.Response(status=status)

    async def _body(self, request: web.Request) -> bytes | None:
        limit = self.settings.max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            return None
        body = bytearray()
        async for chunk in request.content.iter_any():
            body += chunk
            if len(body) > limit:
                return None
        return bytes(body)

    def _timestamp(self, request: web.Request, data: dict) -> str | None:
        if self.settings.signature_timestamp_from == "header":
            value = request.headers.get(TIMESTAMP_HEADER)
            return value if value and value.isascii() else None
        value = data.get("timestamp")
        return events._str(value)

    async def handle(self, request: web.Request) -> web.Response:
        if request.method != "POST":
            return web.Response(status=405, headers={"Allow": "POST"})
        digest = signature.given_digest(request.headers.get(SIGNATURE_HEADER))
        if digest is None:
            log.warning("zalo webhook: refused a request without a well-formed signature")
            return self._refuse(401, "unsigned")
        if request.content_type not in self.settings.accepted_content_types:
            return self._refuse(415, "content_type")
        body = await self._body(request)
        if body is None:
            return self._refuse(413, "too_large")
        try:
            # Integers kept as their digits: ids overflow some JSON number types.
            data = json.loads(body, parse_int=str)
        except (ValueError, RecursionError):
            return self._refuse(400, "not_json")
        if not isinstance(data, dict):
            return self._refuse(400, "not_json")
        timestamp = self._timestamp(request, data)
        if timestamp is None or not signature.valid(self.settings, digest, body, timestamp):
            log.warning("zalo webhook: refused a request with a wrong signature")
            return self._refuse(401, "bad_signature")
        return await self._accept(data, body)

    async def _accept(self, data: dict, body: bytes) -> web.Response:
        event = events.parse(self.settings, data)
        if isinstance(event, events.Ignored):
            log.debug("zalo webhook: event %s not acted on", event.event_name[:40])
            return self._refuse(200, "ignored")
        try:
            # The body as Zalo sent it (valid JSON, so valid text): read again after a crash.
            stored = await self.inbox.accept(
                events.CHANNEL, [(event.key, body.decode("utf-8", "replace"))]
            )
        except Exception:
            # Not recorded, so not taken: Zalo sends it again later.
            log.exception("zalo webhook: could not record an event; asking Zalo to resend")
            return self._refuse(503, "store_failed")
        inbox_id = stored.get(event.key)
        if inbox_id is None:
            log.info("zalo webhook: event delivered again; already taken")
            return self._refuse(200, "duplicate")
        self.counts["accepted"] += 1
        if self.counts["accepted"] % PRUNE_EVERY == 1:
            self._spawn(self._prune())
        self._queue(_with_inbox_id(event, inbox_id))
        return web.Response(status=200)

    async def take_over(self, *, everything: bool) -> int:
        """Queue the events accepted but never handled (the process stopped first), in the
        order they came: at start (`everything` on SQLite, where no other process can hold
        one), and on PostgreSQL now and then, for a process that died."""
        pending = await self.inbox.take_over(events.CHANNEL, everything=everything)
        for row in pending:
            try:
                data = json.loads(row.body, parse_int=str)
            except (ValueError, RecursionError):
                data = None
            event = events.parse(self.settings, data) if isinstance(data, dict) else None
            if event is None or isinstance(event, events.Ignored):
                await self.inbox.finish(row.id)
                continue
            self._queue(_with_inbox_id(event, row.id))
        if pending:
            log.warning("zalo inbox: handling %d events accepted but not handled", len(pending))
        return len(pending)

    async def _prune(self) -> None:
        try:
            await self.inbox.prune()
        except Exception:
            log.exception("zalo webhook: could not drop handled inbox rows")

    def _spawn(self, work: Awaitable[None]) -> None:
        async def run() -> None:
            await work

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _queue(self, event: events.Inbound | events.Unfollowed) -> None:
        user = event.incoming.user_id if isinstance(event, events.Inbound) else event.user_id
        queue = self._busy.get(user)
        if queue is not None:
            queue.append(event)
            return
        self._busy[user] = deque([event])
        self._spawn(self._serve(user))

    async def _serve(self, user: str) -> None:
        queue = self._busy[user]
        try:
            while queue:
                event = queue[0]
                try:
                    await self.sink(event)
                except Exception:
                    log.exception("zalo webhook: handling an event failed")
                queue.popleft()
        finally:
            del self._busy[user]


def _with_inbox_id(
    event: events.Inbound | events.Unfollowed, inbox_id: int
) -> events.Inbound | events.Unfollowed:
    if isinstance(event, events.Inbound):
        incoming = dataclasses.replace(event.incoming, inbox_id=inbox_id)
        return dataclasses.replace(event, incoming=incoming)
    return dataclasses.replace(event, inbox_id=inbox_id)
