"""The core: turns one `Incoming` into replies, whatever channel it came from.

For each message: find or create the user, load their dialog state (expired after the idle
timeout), pick the locale (their choice → the messenger's hint → the default), dispatch, and
save the state — all in one transaction, so a handler that fails changes nothing. The user
then gets a short apology and the menu, and everyone else is served as before.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.clock import Clock
from bot.config import Config
from bot.ctx import Ctx, State
from bot.db import Database, load_models, resolve_url
from bot.db.models import ConversationState, User
from bot.router import Router
from bot.types import Incoming, Reply

log = logging.getLogger(__name__)
MAX_OFFERED = 200


class Core:
    def __init__(self, config: Config, db: Database, router: Router, clock: Clock):
        self.config = config
        self.db = db
        self.router = router
        self.clock = clock
        # Long-lived feature services (content, search, ...), filled by handlers.setup().
        self.services: dict[str, Any] = {}

    @classmethod
    async def start(cls, config: Config, clock: Clock | None = None,
                    upgrade: bool = True) -> Core:
        """Open the database (applying migrations), load catalogs and features."""
        import handlers

        load_models()
        i18n.load_catalogs(config.path("paths.locales"), config.tz)
        db = Database(resolve_url(config.database.url, config.base_dir))
        try:
            if upgrade:
                await db.upgrade()
            core = cls(config, db, handlers.build_router(), clock or Clock())
            await handlers.setup(core)
        except BaseException:
            await db.close()
            raise
        return core

    async def close(self) -> None:
        await self.db.close()

    def locale_for(self, user: User | None, hint: str | None) -> str:
        return ((user.locale if user else None) or i18n.normalize_locale(hint)
                or self.config.bot.default_locale)

    async def handle(self, msg: Incoming) -> list[Reply]:
        locale = self.config.bot.default_locale
        state_name = ""
        try:
            async with self.db.transaction() as session:
                user = await self._user(session, msg)
                row, state = await self._state(session, msg)
                state_name = state.name
                locale = self.locale_for(user, msg.language_hint)
                ctx = Ctx(user=user, state=state, session=session, clock=self.clock,
                          config=self.config, core=self, locale=locale)
                with i18n.use_locale(locale):
                    if msg.text and len(msg.text) > self.config.bot.max_text_chars:
                        replies = await self.router.too_long(msg, ctx)
                    else:
                        replies = await self.router.dispatch(msg, ctx)
                await self._save_state(session, msg, row, ctx.state, replies)
                return replies
        except Exception:
            log.exception("handler failed: channel=%s update=%s state=%s",
                          msg.channel, msg.update_id, state_name or "-")
            return await self._apology(msg, locale)

    async def _apology(self, msg: Incoming, locale: str) -> list[Reply]:
        try:
            with i18n.use_locale(locale):
                return self.router.apology()
        except Exception:
            log.exception("apology failed: update=%s", msg.update_id)
            return [Reply(text="Xin lỗi, đã có lỗi. Gõ /menu để bắt đầu lại. "
                               "(Sorry, something went wrong. Type /menu.)")]

    async def _user(self, session: AsyncSession, msg: Incoming) -> User:
        now = self.clock.now()
        query = select(User).where(User.channel == msg.channel,
                                   User.external_id == msg.user_id)
        user = (await session.execute(query)).scalar_one_or_none()
        if user is None:
            try:
                async with session.begin_nested():
                    user = User(channel=msg.channel, external_id=msg.user_id, created_at=now,
                                last_seen_at=now)
                    session.add(user)
            except IntegrityError:  # another process created them a moment ago
                user = (await session.execute(query)).scalar_one()
        elif now - user.last_seen_at > timedelta(hours=1):
            user.last_seen_at = now
        return user

    async def _state(self, session: AsyncSession,
                     msg: Incoming) -> tuple[ConversationState | None, State]:
        query = select(ConversationState).where(
            ConversationState.channel == msg.channel,
            ConversationState.chat_id == msg.chat_id,
            ConversationState.user_id == msg.user_id,
        )
        if not self.db.is_sqlite:
            # Two processes serving the same chat take turns on its row.
            query = query.with_for_update()
        row = (await session.execute(query)).scalar_one_or_none()
        if row is None:
            return None, State()
        idle = timedelta(minutes=self.config.bot.idle_timeout_minutes)
        if self.clock.now() - row.updated_at > idle:
            return row, State()
        return row, State(name=row.name, data=dict(row.data or {}),
                          offered=list(row.offered or []))

    async def _save_state(self, session: AsyncSession, msg: Incoming,
                          row: ConversationState | None, state: State,
                          replies: list[Reply]) -> None:
        offered = [p for r in replies for p in r.payloads() if not self.router.is_always(p)]
        if offered or state.name == "":
            # New buttons replace the old ones; a message without buttons keeps them usable.
            state.offered = offered[-MAX_OFFERED:]
        now = self.clock.now()
        if row is None:
            if not state.name and not state.offered:
                return  # nothing to remember
            session.add(ConversationState(channel=msg.channel, chat_id=msg.chat_id,
                                          user_id=msg.user_id, name=state.name,
                                          data=state.data, offered=state.offered,
                                          updated_at=now))
            return
        row.name, row.data, row.offered, row.updated_at = (state.name, state.data,
                                                          state.offered, now)
