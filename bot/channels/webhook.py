"""Webhook mode: our own aiohttp server receives Telegram's updates (not PTB's Tornado one).

Each POST passes the guards in a fixed order — path, method, secret token, body size, JSON —
and is then queued for the PTB `Application` and answered 200 at once (Telegram waits for that
answer before it sends the same chat's next update, so processing must not hold it up).
Telegram re-sends an update it thinks failed; an `update_id` seen recently is acknowledged
without being processed twice. `GET /healthz` tells a load balancer we are alive.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from aiohttp import web
from telegram.ext import Application

from bot.channels.telegram_update import RawUpdate, Unreadable

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"
# Telegram re-sends within minutes; this many recent ids covers far more than that window.
REMEMBERED_UPDATES = 10_000


class RecentIds:
    """A bounded set of the most recent update ids."""

    def __init__(self, size: int = REMEMBERED_UPDATES):
        self._order: deque[int] = deque()
        self._ids: set[int] = set()
        self._size = size

    def add(self, update_id: int) -> bool:
        """Remember `update_id`; False when it was already there (a re-delivery)."""
        if update_id in self._ids:
            return False
        self._ids.add(update_id)
        self._order.append(update_id)
        if len(self._order) > self._size:
            self._ids.discard(self._order.popleft())
        return True


class WebhookServer:
    def __init__(
        self,
        application: Application,
        *,
        path: str,
        secret_token: str,
        max_body_bytes: int,
        status: Callable[[], dict[str, Any]] | None = None,
    ):
        if not secret_token:
            raise ValueError("a webhook needs a secret token")
        self.application = application
        self.path = path
        self._secret = secret_token.encode()
        self.max_body_bytes = max_body_bytes
        self._status = status or (lambda: {})
        self._recent = RecentIds()
        self._runner: web.AppRunner | None = None
        self.port = 0

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=self.max_body_bytes)
        app.router.add_route("*", self.path, self._receive)
        app.router.add_get(HEALTH_PATH, self._health)
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
        return given is not None and hmac.compare_digest(given.encode(), self._secret)

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
        except ValueError:
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
        body = await self._body(request)
        if body is None:
            return web.Response(status=413)
        update = self._update(body)
        if update is None:
            return web.Response(status=400, text="not a Telegram update")
        if not self.application.running:
            # Shutting down: Telegram keeps the update and sends it again later.
            return web.Response(status=503)
        if self._recent.add(update.update_id):
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
