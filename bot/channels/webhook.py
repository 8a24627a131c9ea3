"""Webhook mode: our own aiohttp server receives Telegram's updates (not PTB's Tornado one).

Each POST passes the guards in a fixed order — path, method, secret token (403), content type
(415), body size (413), JSON (400: not UTF-8, not JSON, nested too deep, not an update) — and
is then stored in the inbox (bot/inbox.py) and queued for the PTB `Application`, and answered
200 at once (Telegram waits for that answer before it sends the same chat's next update, so
processing must not hold it up; after a 200 it never sends the update again, so the update is
committed to the database first). When it cannot be stored the answer is 503, and Telegram
sends it again later. An update stored already (Telegram's re-delivery, to this process or
another) is acknowledged and not processed twice. `GET /healthz` tells a load balancer we are
alive.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiohttp import web
from telegram.ext import Application

from bot.channels.telegram_update import DUPLICATE, RawUpdate, Unreadable
from bot.outage import Outage

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"
# Stores updates with their bodies and sets each one's `inbox_id` (DUPLICATE when stored before).
Intake = Callable[[list[tuple[RawUpdate, str]]], Awaitable[None]]


class WebhookServer:
    def __init__(
        self,
        application: Application,
        *,
        path: str,
        secret_token: str,
        max_body_bytes: int,
        intake: Intake,
        status: Callable[[], dict[str, Any]] | None = None,
        routes: Iterable[Callable[[web.Application], None]] = (),
    ):
        if not secret_token:
            raise ValueError("a webhook needs a secret token")
        self.application = application
        self.path = path
        self._secret = secret_token.encode()
        self.max_body_bytes = max_body_bytes
        self._status = status or (lambda: {})
        # Other channels' webhooks served by the same app (Zalo): each adds its routes.
        self._routes = tuple(routes)
        self._intake = intake
        self._storing = Outage("webhook: storing updates in the inbox", log)
        self._runner: web.AppRunner | None = None
        self.port = 0

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=self.max_body_bytes)
        app.router.add_route("*", self.path, self._receive)
        app.router.add_get(HEALTH_PATH, self._health)
        for add_routes in self._routes:
            add_routes(app)
        return app

    async def start(self, host: str, port: int) -> None:
        self._runner = web.AppRunner(self.web_app(), access_log=None, shutdown_timeout=10.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = self._runner.addresses[0][1]  # the real port when 0 was asked

    async def stop(self) -> None:
        """Stop taking requests; requests already inside finish first."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _secret_ok(self, request: web.Request) -> bool:
        given = request.headers.get(SECRET_HEADER)
        # aiohttp keeps bytes that are not UTF-8 as surrogates: back to those bytes, which
        # then simply do not match.
        return given is not None and hmac.compare_digest(
            given.encode("utf-8", "surrogateescape"), self._secret
        )

    async def _body(self, request: web.Request) -> bytes | None:
        """The request body, or None when it is larger than allowed."""
        if request.content_length is not None and request.content_length > self.max_body_bytes:
            return None
        body = bytearray()
        async for chunk in request.content.iter_any():
            body += chunk
            if len(body) > self.max_body_bytes:
                return None
        return bytes(body)

    @staticmethod
    def _update(body: bytes) -> RawUpdate | None:
        """The update, as JSON like polling gives it (bot/channels/telegram_update.py)."""
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # not UTF-8 or not JSON; nested too deep
            return None
        if not isinstance(data, dict):
            return None
        try:
            return RawUpdate(data)
        except Unreadable:
            return None

    async def _receive(self, request: web.Request) -> web.Response:
        if request.method != "POST":
            return web.Response(status=405, headers={"Allow": "POST"})
        if not self._secret_ok(request):
            log.warning("webhook: refused a request without the right secret token")
            return web.Response(status=403)
        if request.content_type != "application/json":
            return web.Response(status=415, text="send application/json")
        body = await self._body(request)
        if body is None:
            return web.Response(status=413)
        update = self._update(body)
        if update is None:
            return web.Response(status=400, text="not a Telegram update")
        if not self.application.running:
            # Shutting down: Telegram keeps the update and sends it again later.
            return web.Response(status=503)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:  # JSON in UTF-16 or -32: store it as UTF-8 JSON
            text = json.dumps(update.data)
        try:
            await self._intake([(update, text)])
        except Exception as e:
            self._storing.failed(e)
            return web.Response(status=503)  # not stored: Telegram sends it again later
        self._storing.succeeded()
        if update.inbox_id != DUPLICATE:
            await self.application.update_queue.put(update)
        else:
            log.info("webhook: update %s delivered again; already taken", update.update_id)
        return web.Response(status=200)

    async def _health(self, request: web.Request) -> web.Response:
        running = self.application.running
        body = {
            "status": "ok" if running else "stopping",
            "mode": "webhook",
            "queued": self.application.update_queue.qsize(),
            **self._status(),
        }
        return web.json_response(body, status=200 if running else 503)
