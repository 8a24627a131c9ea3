"""The core: turns one `Incoming` into replies, whatever channel it came from.

For each message: find or create the user, load their dialog state (expired after the idle
timeout), pick the locale (their choice → the messenger's hint → the default), dispatch, and
save the state — all in one transaction, so a handler that fails changes nothing. The user
then gets a short apology and the menu, and everyone else is served as before.

Every message takes this path, so it is kept lean (docs/PERFORMANCE.md): user, officer flag and
state come from one plain SQL statement (bot/db/conversation.py), not the ORM; the ORM session
a handler may use is opened only when it asks for `ctx.session`, inside the same transaction;
and nothing is written when nothing changed (a /menu exchange writes no row at all).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm.attributes import instance_state

from bot import i18n
from bot.channels.adapt import MORE, adapt, page, page_payloads
from bot.channels.profiles import Capabilities, Profile
from bot.channels.profiles import profile as channel_profile
from bot.clock import Clock
from bot.config import Config
from bot.ctx import Ctx, Menus, State
from bot.db import Database
from bot.db.conversation import Key, SqliteStore, SqlStore, StateRow, UserRow
from bot.db.models import User
from bot.inbox import Inbox
from bot.router import Router
from bot.types import Incoming, Reply

log = logging.getLogger(__name__)
MAX_OFFERED = 200
# last_seen_at is kept to the hour: updating it on every message would make every message a
# write.
LAST_SEEN_RESOLUTION = timedelta(hours=1)
# Where the dialog state keeps the buttons still to be shown after "More…".
PAGES = "_more"


class Core:
    """Built by the composition root (bot/app.py), which knows the features; the core does
    not."""

    def __init__(
        self,
        config: Config,
        db: Database,
        router: Router,
        clock: Clock,
        menus: Menus | None = None,
    ):
        self.config = config
        self.db = db
        self.router = router
        self.clock = clock
        self.menus = menus or Menus()
        # Each channel's profile, made from the config on first use (tests may set one).
        self.profiles: dict[str, Profile] = {}
        # Long-lived feature services (content, search, ...), filled by the features' setup.
        self.services: dict[str, Any] = {}
        self.store = SqliteStore(db.engine.dialect, db.sqlite_of) if db.is_sqlite else SqlStore()
        self.inbox = Inbox(db, clock, lease=timedelta(seconds=config.inbox.lease_seconds))

    async def close(self) -> None:
        await self.db.close()

    def locale_for(self, user: User | None, hint: str | None) -> str:
        return (
            (user.locale if user else None)
            or i18n.normalize_locale(hint)
            or self.config.bot.default_locale
        )

    async def handle(self, msg: Incoming) -> list[Reply]:
        locale = self.config.bot.default_locale
        state_name = ""
        try:
            async with self.db.connection() as conn:
                key = Key(msg.channel, msg.chat_id, msg.user_id)
                now = self.clock.now()
                if msg.inbox_id is not None and not await self.inbox.claim(
                    conn, msg.inbox_id, now
                ):
                    log.info("update %s was handled already; dropped", msg.update_id)
                    return []
                found, stored = await self.store.load(conn, key)
                if found is None:
                    found = await self.store.add_user(conn, key, now)
                    user = _detached_user(key, found, officer_known=False)
                else:
                    user = _detached_user(key, found, officer_known=found.officer_id is None)
                    if now - found.last_seen_at > LAST_SEEN_RESOLUTION:
                        user.last_seen_at = now
                state = self._live_state(stored, now)
                state_name = state.name
                locale = self.locale_for(user, msg.language_hint)
                ctx = Ctx(
                    user=user,
                    state=state,
                    clock=self.clock,
                    config=self.config,
                    core=self,
                    locale=locale,
                    open_session=lambda: self._open_session(conn, user),
                )
                try:
                    if found.officer_id is not None:
                        # Officers are few: their row (with their units) comes through the ORM.
                        await ctx.session.refresh(user, ["officer"])
                    caps = self.profile(msg.channel).capabilities
                    # Buttons of an earlier reply still to be shown after "More…".
                    pages = state.data.pop(PAGES, None)
                    with i18n.use_locale(locale):
                        if (more := self._more(msg, state, pages, caps)) is not None:
                            replies = [more]
                        elif (
                            msg.text
                            and len(msg.text) > self.config.bot.max_text_chars
                            and self.router.too_long is not None
                        ):
                            replies = await self.router.too_long(msg, ctx) or []
                        elif msg.unreadable and self.router.unreadable is not None:
                            replies = await self.router.unreadable(msg, ctx) or []
                        else:
                            replies = await self.router.dispatch(msg, ctx)
                        fitted = adapt(replies, caps)
                    replies = fitted.replies
                    if fitted.pages:
                        pages = fitted.pages
                    elif more is None and any(r.buttons for r in replies):
                        pages = None  # new buttons replace the old ones, and their pages
                    if pages:
                        state.data[PAGES] = pages
                    await self._save(
                        conn, ctx, key, found, stored, replies, now, more=more is not None
                    )
                finally:
                    if ctx.session_opened is not None:
                        await ctx.session_opened.close()
                return replies
        except Exception:
            log.exception(
                "handler failed: channel=%s update=%s state=%s",
                msg.channel,
                msg.update_id,
                state_name or "-",
            )
            if msg.inbox_id is not None:
                await self._give_up(msg.inbox_id)
            return await self._apology(msg, locale)

    async def _give_up(self, inbox_id: int) -> None:
        """A failed update is not handled again: the person got the apology, and the same
        handler would fail the same way. (When the database itself is down, this fails too,
        and the update is handled again once it is back.)"""
        try:
            await self.inbox.finish(inbox_id)
        except Exception as e:
            log.warning("inbox: could not mark failed update done: %s", type(e).__name__)

    def profile(self, channel: str) -> Profile:
        """The channel's profile (what it can show, its budget, its send policy)."""
        found = self.profiles.get(channel)
        if found is None:
            found = self.profiles[channel] = channel_profile(self.config, channel)
        return found

    def _more(
        self, msg: Incoming, state: State, pages: list | None, caps: Capabilities
    ) -> Reply | None:
        """The next page of buttons when "More…" was pressed (and offered)."""
        payload = msg.payload
        if payload is None or not payload.startswith(MORE) or payload not in state.offered:
            return None
        number = payload.removeprefix(MORE)
        if not pages or not number.isdigit():
            return None
        return page(pages, int(number), caps)

    def _open_session(self, conn: AsyncConnection, user: User) -> AsyncSession:
        session = self.db.session_on(conn)
        session.add(user)  # back in a session: the handler's changes to it are saved
        return session

    def _live_state(self, stored: StateRow | None, now: datetime) -> State:
        if stored is None:
            return State()
        idle = timedelta(minutes=self.config.bot.idle_timeout_minutes)
        if now - stored.updated_at > idle:
            return State()
        return State(name=stored.name, data=dict(stored.data), offered=list(stored.offered))

    async def _save(
        self,
        conn: AsyncConnection,
        ctx: Ctx,
        key: Key,
        found: UserRow,
        stored: StateRow | None,
        replies: list[Reply],
        now: datetime,
        *,
        more: bool = False,
    ) -> None:
        session, user = ctx.session_opened, ctx.user
        if session is not None:
            await session.flush()  # the handler's writes, and any change to the user
        elif (user.locale, user.last_seen_at) != (found.locale, found.last_seen_at):
            await self.store.update_user(conn, found.id, user.locale, user.last_seen_at)
        state = ctx.state
        offered = [p for r in replies for p in r.payloads() if not self.router.is_always(p)]
        if more:  # a further page: the buttons above it stay usable too
            offered = state.offered + [p for p in offered if p not in state.offered]
        offered += [p for p in page_payloads(state.data.get(PAGES) or []) if p not in offered]
        if offered or state.name == "":
            # New buttons replace the old ones; a message without buttons keeps them usable.
            state.offered = offered[-MAX_OFFERED:]
        empty = not state.name and not state.data and not state.offered
        if stored is None:
            if not state.name and not state.offered:
                return  # nothing to remember
        elif empty and not stored.name and not stored.data and not stored.offered:
            return  # nothing to remember and nothing to forget: no write at all
        await self.store.save_state(
            conn, key, StateRow(state.name, state.data, state.offered, now)
        )

    async def _apology(self, msg: Incoming, locale: str) -> list[Reply]:
        try:
            with i18n.use_locale(locale):
                if self.router.apology is None:
                    raise LookupError("the router has no apology")
                replies = self.router.apology(self.menus)
                return adapt(replies, self.profile(msg.channel).capabilities, paging=False).replies
        except Exception:
            log.exception("apology failed: update=%s", msg.update_id)
        return [
            Reply(
                text="Xin lỗi, đã có lỗi. Gõ /menu để bắt đầu lại. "
                "(Sorry, something went wrong. Type /menu.)"
            )
        ]


_USER_MAPPER = inspect(User)


def _detached_user(key: Key, row: UserRow, *, officer_known: bool) -> User:
    """The user as the ORM knows them, without a session: a handler reads it for free, and it
    joins the message's session when a handler opens one (so changes to it are saved).

    Built the way the ORM's own loader builds an instance (values straight into its dict,
    then its identity key), which is what `make_transient_to_detached` ends with at several
    times the cost. Relationships not set here are simply not loaded."""
    user = _USER_MAPPER.class_manager.new_instance()
    loaded = user.__dict__
    loaded.update(
        id=row.id,
        channel=key.channel,
        external_id=key.user_id,
        locale=row.locale,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
    )
    if officer_known:
        # Loaded as "no officer row": what bot/officers/roles.py reads for menus that cannot
        # await.
        loaded["officer"] = None
    instance_state(user).key = _USER_MAPPER.identity_key_from_primary_key((row.id,))
    return user
