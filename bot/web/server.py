"""Where the officer pages are served. In webhook mode they join the webhook's application
(`mount`, called by the channel that runs the webhook); otherwise — long polling, or the terminal chat — this
starts a server just for them on `web.listen_host:web.listen_port`. Either way the log says
where they are.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot.errors import TrolysoError
from bot.web.app import PREFIX, mount

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)


def enabled(core: Core) -> bool:
    return bool(core.config.web.public_url)


def announce(core: Core, host: str, port: int) -> None:
    log.info(
        "officer web pages: %s%s/ (listening on %s:%s)",
        core.config.web.public_url,
        PREFIX,
        host,
        port,
    )


class WebServer:
    """The pages on a server of their own: `await start()`, `await stop()`."""

    def __init__(self, core: Core):
        self.core = core
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self, host: str | None = None, port: int | None = None) -> None:
        conf = self.core.config.web
        host = conf.listen_host if host is None else host
        port = conf.listen_port if port is None else port
        app = web.Application()
        mount(app, self.core)
        # No access log: a login link's token is in its path.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        try:
            await site.start()
        except OSError as e:
            await self._runner.cleanup()
            self._runner = None
            raise TrolysoError(
                f"cannot listen on {host}:{port} for the officer web pages "
                f"(web.listen_host/listen_port): {e}"
            ) from None
        self.port = self._runner.addresses[0][1]  # the real port when 0 was asked
        announce(self.core, host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


async def start_pages(core: Core) -> WebServer | None:
    """Serve the pages on their own server when they are switched on (web.public_url)."""
    if not enabled(core):
        return None
    server = WebServer(core)
    await server.start()
    return server
