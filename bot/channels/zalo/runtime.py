"""The Zalo channel assembled: webhook events in → the core → replies out; the outbox's
`send` for messages nobody just asked for.

The composition root (issue 8) builds one `ZaloChannel` per process with the core and an
aiohttp session, adds `channel.webhook` to the web server, and registers the channel with
the outbox. Nothing here decides *whether* a proactive message may go (window.py, through the
send policy, does); `send` maps Zalo's refusals to bot/channels/errors.py for the outbox.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import aiohttp
from sqlalchemy import select

from bot.channels.errors import SendError
from bot.channels.zalo import events, journal
from bot.channels.zalo.client import ZaloClient
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
        self.client = ZaloClient(session, settings, self.tokens, clock=core.clock, on_error=record)
        self.sender = ZaloSender(self.client, settings)
        self.webhook = ZaloWebhook(settings, core.db, self.handle_event, core.clock)

    async def send(self, chat_id: str, replies: list[Reply]) -> None:
        """The outbox's send: a consultation message to someone who did not just write."""
        await self.sender.send(chat_id, replies)

    async def handle_event(self, event: events.Event) -> None:
        if isinstance(event, events.Unfollowed):
            await self._unfollowed(event.user_id)
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
