"""The Zalo channel assembled: webhook events in → the core → replies out; the outbox's
`send` for messages nobody just asked for.

The composition root (issue 8) builds one `ZaloChannel` per process with the core and an
aiohttp session, adds `channel.webhook` to the web server, and registers the channel with
the outbox. Nothing here decides *whether* a proactive message may go (window.py, through the
send policy, does); `send` maps Zalo's refusals to bot/channels/errors.py for the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import TYPE_CHECKING

import aiohttp
from sqlalchemy import select

from bot.channels.errors import SendError
from bot.channels.policy import Decision, How
from bot.channels.zalo import alert, events, journal
from bot.channels.zalo.client import ZaloClient
from bot.channels.zalo.errors import Failed, TokenUnusable
from bot.channels.zalo.oauth import OAuthClient
from bot.channels.zalo.render import ZaloSender
from bot.channels.zalo.settings import ZaloSettings
from bot.channels.zalo.tokens import TokenStore
from bot.channels.zalo.webhook import ZaloWebhook
from bot.db.models import User
from bot.outbox.reach import mark_unreachable
from bot.types import Reply

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)


class ZaloChannel:
    name = events.CHANNEL

    def __init__(self, core: Core, settings: ZaloSettings, session: aiohttp.ClientSession):
        self.core = core
        self.settings = settings

        async def record(source: str, code: int | str) -> None:
            await journal.record(core.db, source, code, core.clock.now())

        self.tokens = TokenStore(core.db, OAuthClient(session, settings), settings, core.clock)
        self.tokens.on_refused = self._tell_admins
        self.client = ZaloClient(session, settings, self.tokens, clock=core.clock, on_error=record)
        self.sender = ZaloSender(self.client, settings)
        self.webhook = ZaloWebhook(settings, core.db, self.handle_event, core.clock)
        self._keeper: asyncio.Task[None] | None = None
        self._inbox_keeper: asyncio.Task[None] | None = None

    async def start(self, every_seconds: float = 600.0) -> None:
        """Handle the events accepted but not handled before a restart, then keep the access
        token fresh even when nothing is sent for a day (and so the refresh token, which Zalo
        renews with each refresh, never ages out unused); on PostgreSQL, take over the events
        of a process that died."""
        if self._keeper is None:
            await self.webhook.take_over(everything=self.core.db.is_sqlite)
            self._keeper = asyncio.create_task(self._keep_fresh(every_seconds))
            if not self.core.db.is_sqlite:
                self._inbox_keeper = asyncio.create_task(self._keep_inbox())

    async def stop(self) -> None:
        for task in (self._keeper, self._inbox_keeper):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._keeper = self._inbox_keeper = None
        await self.webhook.drain()

    async def _tell_admins(self, generation: int) -> None:
        """Zalo refused the refresh token: the admins hear it on their other messenger."""
        await alert.tell_admins(
            self.core.db, generation, self.core.clock.now(), self.core.config.bot.default_locale
        )

    async def refresh_if_due(self) -> bool:
        """One look at the token (refreshed when it expires soon); False when it is unusable
        (the reason is logged and recorded for `trolyso zalo status`)."""
        try:
            await self.tokens.access_token()
        except TokenUnusable as e:
            log.error("zalo: %s", e)
            return False
        return True

    async def _keep_inbox(self) -> None:
        every = max(1.0, self.webhook.inbox.lease.total_seconds() / 4)
        while True:
            await asyncio.sleep(every)
            try:
                await self.webhook.take_over(everything=False)
            except Exception as e:
                log.warning("zalo inbox: could not take over events: %s", type(e).__name__)

    async def _keep_fresh(self, every_seconds: float) -> None:
        while True:
            await self.refresh_if_due()
            await asyncio.sleep(every_seconds)

    async def send(self, chat_id: str, replies: list[Reply]) -> None:
        """The outbox's send: a consultation message to someone who did not just write."""
        await self.sender.send(chat_id, replies)

    async def send_as(self, chat_id: str, replies: list[Reply], decision: Decision) -> None:
        """The outbox's send when the send policy chose how: a ZNS template by phone, or a
        consultation message."""
        if decision.how is not How.TEMPLATE:
            await self.sender.send(chat_id, replies)
            return
        if not (decision.template_id and decision.phone):
            raise Failed(-1)  # a policy bug: a template needs both
        await self.client.send_template(
            decision.phone,
            decision.template_id,
            dict(decision.template_data or {}),
            uuid.uuid4().hex[:24],
        )

    async def handle_event(self, event: events.Event) -> None:
        if isinstance(event, events.Unfollowed):
            await self._unfollowed(event.user_id)
            if event.inbox_id is not None:
                await self.webhook.inbox.finish(event.inbox_id)
            return
        if not isinstance(event, events.Inbound):
            return
        replies = await self.core.handle(event.incoming)
        if not replies:
            return
        try:
            await self.sender.send(event.incoming.chat_id, replies, reply_to=event.msg_id)
        except SendError as e:
            # Never the text: only what kind of failure (its code), for the operator.
            log.warning("zalo: an answer was not delivered (%s)", e)

    async def _unfollowed(self, external_id: str) -> None:
        async with self.core.db.transaction() as session:
            user_id = await session.scalar(
                select(User.id).where(User.channel == self.name, User.external_id == external_id)
            )
            if user_id is not None:
                await mark_unreachable(session, user_id, self.core.clock.now(), "unfollowed")
