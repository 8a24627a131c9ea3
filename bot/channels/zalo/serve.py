"""The Zalo channel running in the bot's process: its webhook on the bot's web server, its
sends registered with the outbox, its token kept fresh.

Zalo has no polling, so with Zalo configured the web server always runs: on the Telegram
webhook's aiohttp app when Telegram serves a webhook (`add_routes`), else on its own, at
`webhook.listen_host:listen_port` with `GET /healthz`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

from bot.channels.zalo.runtime import ZaloChannel
from bot.channels.zalo.settings import from_config
from bot.errors import ConfigError, TrolysoError
from bot.outbox import channels as outbox_channels

if TYPE_CHECKING:
    from bot.config import Config
    from bot.core import Core

log = logging.getLogger(__name__)
HEALTH_PATH = "/healthz"


def configured(config: Config) -> bool:
    return from_config(config).configured


class ZaloService:
    def __init__(self, config: Config, core: Core, *, listen_port: int | None = None):
        self.config = config
        self.core = core
        self.settings = from_config(config)
        if self.settings.webhook_path == config.webhook.path:
            raise ConfigError(
                "config: channels.zalo.webhook_path must differ from webhook.path "
                f"(both are {config.webhook.path})"
            )
        self._listen_port = config.webhook.listen_port if listen_port is None else listen_port
        self.session: aiohttp.ClientSession | None = None
        self.channel: ZaloChannel | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        """Build the channel and register it with the outbox; `add_routes` or `listen` next."""
        self.session = aiohttp.ClientSession()
        self.channel = ZaloChannel(self.core, self.settings, self.session)
        outbox_channels.register(self.channel)
        await self.channel.start()

    def add_routes(self, app: web.Application) -> None:
        assert self.channel is not None, "start() first"
        self.channel.webhook.add_routes(app)

    async def listen(self) -> None:
        """Serve the webhook on a web server of its own (Telegram polls, or is not used)."""
        app = web.Application(client_max_size=self.settings.max_body_bytes)
        self.add_routes(app)
        app.router.add_get(HEALTH_PATH, self._health)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=10.0)
        await self._runner.setup()
        hook = self.config.webhook
        site = web.TCPSite(self._runner, hook.listen_host, self._listen_port)
        try:
            await site.start()
        except OSError as e:
            raise TrolysoError(
                f"cannot listen on {hook.listen_host}:{self._listen_port} "
                f"(webhook.listen_host/listen_port) for Zalo: {e}"
            ) from None
        self.port = self._runner.addresses[0][1]  # the real port when 0 was asked

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "zalo": "webhook"})

    async def stop(self) -> None:
        if self.channel is not None:
            await outbox_channels.unregister(self.channel)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.channel is not None:
            await self.channel.stop()
        if self.session is not None:
            await self.session.close()
            self.session = None

    def describe(self) -> str:
        where = (
            f"{self.config.webhook.listen_host}:{self.port}"
            if self._runner
            else "the webhook server"
        )
        return f"Zalo webhook on {where}{self.settings.webhook_path}"


async def serve_alone(config: Config, start_core) -> None:
    """`trolyso run --channel zalo`: Zalo only, until SIGINT/SIGTERM."""
    import asyncio
    import signal

    core = await start_core(config)
    try:
        zalo = ZaloService(config, core)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await zalo.start()
            await zalo.listen()
            log.info("Zalo channel running (%s)", zalo.describe())
            await stop.wait()
            log.info("stopping: finishing the events in hand")
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            await zalo.stop()
    finally:
        await core.close()
