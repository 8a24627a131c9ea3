"""The Zalo channel's parts wired together against the fake Zalo server, for tests.

async with zalo_stack(db_url, clock) as z:
    await z.authorise()                      # the real PKCE flow against the fake
    await z.sender.send("u1", [Reply("Xin chào")])
    z.fake.messages[-1].json
    status = await z.push(z.fake.text_event("u1", "hi"))   # through the real webhook
    await z.webhook.drain(); z.events
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bot.channels.zalo import journal, oauth
from bot.channels.zalo.client import ZaloClient
from bot.channels.zalo.events import Event
from bot.channels.zalo.oauth import OAuthClient
from bot.channels.zalo.render import ZaloSender
from bot.channels.zalo.settings import ZaloSettings
from bot.channels.zalo.tokens import TokenStore
from bot.channels.zalo.webhook import ZaloWebhook
from bot.db import Database
from tests.fake_zalo import APP_ID, APP_SECRET, OA_ID, OA_SECRET, FakeZalo


def settings_for(url: str, **overrides: Any) -> ZaloSettings:
    """Settings for a bot talking to the fake Zalo server at `url`."""
    values: dict[str, Any] = {
        "app_id": APP_ID,
        "app_secret_key": APP_SECRET,
        "oa_secret_key": OA_SECRET,
        "oa_id": OA_ID,
        "redirect_uri": "https://bot.example.vn/zalo/authorised",
        "api_base_url": url,
        "oauth_base_url": url,
        "zns_base_url": url,
    }
    values.update(overrides)
    return ZaloSettings(**values)


@dataclass
class ZaloStack:
    fake: FakeZalo
    settings: ZaloSettings
    db: Database
    session: aiohttp.ClientSession
    tokens: TokenStore
    client: ZaloClient
    sender: ZaloSender
    webhook: ZaloWebhook
    webhook_url: str
    events: list[Event] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)

    async def authorise(self) -> None:
        verifier, challenge = oauth.pkce_pair()
        await self.tokens.begin_authorisation(verifier, "state-1")
        code = self.fake.grant(oauth.permission_url(self.settings, challenge, "state-1"))
        await self.tokens.finish_authorisation(code)

    async def push(self, event: dict, **kwargs: Any) -> int:
        return await self.fake.push(event, self.webhook_url, **kwargs)

    async def post(self, body: bytes, headers: dict[str, str], method: str = "POST") -> int:
        async with self.session.request(
            method, self.webhook_url, data=body, headers=headers
        ) as response:
            return response.status


@asynccontextmanager
async def zalo_stack(db_url: str, clock, **overrides: Any) -> AsyncIterator[ZaloStack]:
    fake = await FakeZalo(clock).start()
    settings = settings_for(fake.url, **overrides)
    db = Database(db_url)
    await db.upgrade()
    session = aiohttp.ClientSession()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:  # retries never really wait in tests
        waits.append(seconds)

    async def record(source: str, code: int | str) -> None:
        await journal.record(db, source, code, clock.now())

    tokens = TokenStore(db, OAuthClient(session, settings), settings, clock)
    client = ZaloClient(session, settings, tokens, clock=clock, sleep=sleep, on_error=record)
    events: list[Event] = []

    async def sink(event: Event) -> None:
        events.append(event)

    webhook = ZaloWebhook(settings, db, sink, clock)
    runner = web.AppRunner(webhook.web_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    stack = ZaloStack(
        fake,
        settings,
        db,
        session,
        tokens,
        client,
        ZaloSender(client, settings),
        webhook,
        f"http://127.0.0.1:{port}{settings.webhook_path}",
        events,
        waits,
    )
    try:
        yield stack
    finally:
        await webhook.drain()
        await runner.cleanup()
        await session.close()
        await fake.stop()
        await db.close()
