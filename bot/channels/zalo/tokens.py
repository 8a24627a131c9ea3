"""Zalo OA tokens that cannot be lost.

The access token lives about 25 h (`expires_in`, read from every answer, never assumed); the
refresh token about 3 months and is **single-use**: every refresh returns a new one, and the
old one is spent the moment Zalo answers (../shared/facts/channels.md §4 "Tokens"). So:

- the tokens live in the database (`channel_credentials`), one row per app;
- one process at a time refreshes: it first takes a lease by a conditional update on the
  row's `generation` (no lease, or an expired one); others keep using the access token while
  it is valid, or wait for the new one;
- the new access and refresh tokens are written together, in one statement, conditional on
  the generation the refresh started from — the write that retires the old refresh token;
- an OAuth answer with an error never touches the stored tokens (oauth.py); a refused refresh
  token is marked (`refresh_refused_at`), recorded for `trolyso zalo status` and logged with
  the fix — authorise again — because nothing else can fix it.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.channels.zalo import journal
from bot.channels.zalo.errors import TokenUnusable
from bot.channels.zalo.oauth import Grant, OAuthClient, OAuthRefused, OAuthUnavailable
from bot.channels.zalo.settings import ZaloSettings
from bot.clock import Clock
from bot.db import Database
from bot.db.channel_models import ChannelCredential

log = logging.getLogger(__name__)

CHANNEL = "zalo"
_TABLE = ChannelCredential.__table__
FIX = "run `trolyso zalo authorize` to give the bot a new one"
# A waiting process looks this often for the token another process is fetching.
_WAIT_STEP = 0.05


@dataclass(frozen=True)
class TokenState:
    """What `trolyso zalo status` shows (never the tokens themselves)."""

    authorised: bool
    access_expires_at: datetime | None
    refresh_expires_at: datetime | None
    refresh_refused_at: datetime | None
    updated_at: datetime | None
    pending_since: datetime | None


class TokenStore:
    def __init__(
        self,
        db: Database,
        oauth: OAuthClient,
        settings: ZaloSettings,
        clock: Clock,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.db = db
        self.oauth = oauth
        self.settings = settings
        self.clock = clock
        self.sleep = sleep
        self.account = settings.app_id
        self.owner = uuid.uuid4().hex
        # A refresh that Zalo refused is not tried again for this long (no hammering).
        self.refused_pause = timedelta(minutes=5)
        # Called with the dead token's generation when Zalo refuses the refresh token (the
        # running bot tells the admins: alert.py); errors in it are logged, never raised.
        self.on_refused: Callable[[int], Awaitable[None]] | None = None

    def _key(self):
        return and_(_TABLE.c.channel == CHANNEL, _TABLE.c.account == self.account)

    async def _row(self):
        async with self.db.connection() as conn:
            return (await conn.execute(select(_TABLE).where(self._key()))).first()

    async def state(self) -> TokenState:
        row = await self._row()
        if row is None:
            return TokenState(False, None, None, None, None, None)
        return TokenState(
            bool(row.access_token and row.refresh_token),
            row.access_expires_at,
            row.refresh_expires_at,
            row.refresh_refused_at,
            row.updated_at,
            row.pending_since,
        )

    # -- authorisation (trolyso zalo authorize) ------------------------------------------

    async def begin_authorisation(self, verifier: str, state: str) -> None:
        """Remember the PKCE verifier until the code comes back (possibly in another run)."""
        now = self.clock.now()
        values = {"pending_verifier": verifier, "pending_state": state, "pending_since": now}
        dialect = sqlite if self.db.is_sqlite else postgresql
        statement = dialect.insert(_TABLE).values(
            channel=CHANNEL, account=self.account, generation=0, **values
        )
        statement = statement.on_conflict_do_update(
            index_elements=["channel", "account"], set_=values
        )
        async with self.db.connection() as conn:
            await conn.execute(statement)

    async def pending(self) -> tuple[str, str] | None:
        """The (verifier, state) of the authorisation begun, if any."""
        row = await self._row()
        if row is None or not row.pending_verifier or not row.pending_state:
            return None
        return row.pending_verifier, row.pending_state

    async def finish_authorisation(self, code: str) -> None:
        """Exchange the code for tokens and store them; raises OAuthError (nothing stored)."""
        pending = await self.pending()
        if pending is None:
            raise TokenUnusable("no authorisation was begun: run `trolyso zalo authorize`")
        try:
            grant = await self.oauth.exchange_code(code, pending[0])
        except OAuthRefused as e:
            await journal.record(self.db, "authorize", e.code, self.clock.now())
            raise
        async with self.db.connection() as conn:
            await conn.execute(
                update(_TABLE)
                .where(self._key())
                .values(
                    **self._grant_values(grant),
                    generation=_TABLE.c.generation + 1,
                    pending_verifier=None,
                    pending_state=None,
                    pending_since=None,
                )
            )
        log.info("zalo: authorised; access token valid for %d s", grant.expires_in)

    def _grant_values(self, grant: Grant) -> dict:
        now = self.clock.now()
        refresh_days = (
            timedelta(seconds=grant.refresh_expires_in)
            if grant.refresh_expires_in
            else timedelta(days=self.settings.refresh_token_days)
        )
        return {
            "access_token": grant.access_token,
            "refresh_token": grant.refresh_token,
            "access_expires_at": now + timedelta(seconds=grant.expires_in),
            "refresh_expires_at": now + refresh_days,
            "refresh_refused_at": None,
            "lease_owner": None,
            "lease_until": None,
            "updated_at": now,
        }

    # -- the access token, refreshed ahead of expiry ------------------------------------

    async def access_token(self) -> str:
        """A working access token, refreshed first when it expires soon."""
        row = await self._row()
        if row is None or not row.access_token or not row.refresh_token:
            raise TokenUnusable(f"the bot is not authorised on Zalo: {FIX}")
        now = self.clock.now()
        ahead = timedelta(seconds=self.settings.refresh_ahead_seconds)
        if row.access_expires_at is not None and row.access_expires_at - now > ahead:
            return row.access_token
        return await self._refresh(row, row.access_token)

    async def refreshed(self, failed: str) -> str:
        """A new access token after Zalo refused `failed` (−216/−220)."""
        row = await self._row()
        if row is None or not row.refresh_token:
            raise TokenUnusable(f"the bot is not authorised on Zalo: {FIX}")
        if row.access_token != failed:  # another process refreshed meanwhile
            return row.access_token
        return await self._refresh(row, None)

    def _usable(self, row, now: datetime) -> bool:
        return bool(
            row.access_token and row.access_expires_at is not None and row.access_expires_at > now
        )

    async def _refresh(self, row, still_good: str | None) -> str:
        """Refresh under the lease; `still_good` is the current token, returned when another
        process holds the lease or the refresh fails while it has not expired yet."""
        now = self.clock.now()
        if (
            row.refresh_refused_at is not None
            and now - row.refresh_refused_at < self.refused_pause
        ):
            if still_good and self._usable(row, now):
                return still_good
            raise TokenUnusable(f"Zalo refused the bot's refresh token: {FIX}")
        if not await self._take_lease(row.generation, now):
            if still_good and self._usable(row, now):
                return still_good
            return await self._wait_for_new(row.generation)
        try:
            grant = await self.oauth.refresh(row.refresh_token)
        except OAuthRefused as e:
            await self._release(refused_at=self.clock.now())
            await journal.record(self.db, "refresh", e.code, self.clock.now())
            log.error("zalo: Zalo refused the refresh token (error %s): %s", e.code, FIX)
            if self.on_refused is not None:
                try:
                    await self.on_refused(row.generation)
                except Exception as hook_error:
                    log.error("zalo: could not tell the admins: %s", type(hook_error).__name__)
            if still_good and self._usable(row, self.clock.now()):
                return still_good
            raise TokenUnusable(f"Zalo refused the bot's refresh token: {FIX}") from None
        except OAuthUnavailable as e:
            await self._release()
            await journal.record(self.db, "refresh", "unavailable", self.clock.now())
            log.warning("zalo: token refresh failed: %s", e)
            if still_good and self._usable(row, self.clock.now()):
                return still_good
            raise TokenUnusable(f"the Zalo token could not be refreshed: {e}") from None
        await self._store(row.generation, grant)
        return grant.access_token

    async def _take_lease(self, generation: int, now: datetime) -> bool:
        until = now + timedelta(seconds=self.settings.refresh_lease_seconds)
        async with self.db.connection() as conn:
            result = await conn.execute(
                update(_TABLE)
                .where(
                    self._key(),
                    _TABLE.c.generation == generation,
                    or_(_TABLE.c.lease_until.is_(None), _TABLE.c.lease_until < now),
                )
                .values(lease_owner=self.owner, lease_until=until)
            )
            return result.rowcount == 1

    async def _release(self, refused_at: datetime | None = None) -> None:
        values: dict = {"lease_owner": None, "lease_until": None}
        if refused_at is not None:
            values["refresh_refused_at"] = refused_at
        async with self.db.connection() as conn:
            await conn.execute(
                update(_TABLE)
                .where(self._key(), _TABLE.c.lease_owner == self.owner)
                .values(**values)
            )

    async def _store(self, generation: int, grant: Grant) -> None:
        """Write the new pair in one statement: the old refresh token is retired with it."""
        async with self.db.connection() as conn:
            result = await conn.execute(
                update(_TABLE)
                .where(self._key(), _TABLE.c.generation == generation)
                .values(**self._grant_values(grant), generation=generation + 1)
            )
        if result.rowcount != 1:
            # Someone wrote the row while we held the lease (an authorisation, most likely):
            # theirs is newer; ours is dropped, never mixed in.
            log.warning("zalo: tokens changed during a refresh; keeping the newer ones")
        else:
            log.info("zalo: access token refreshed; valid for %d s", grant.expires_in)

    async def _wait_for_new(self, generation: int) -> str:
        steps = int(self.settings.refresh_lease_seconds / _WAIT_STEP)
        for _ in range(steps):
            await self.sleep(_WAIT_STEP)
            row = await self._row()
            if row is not None and row.generation != generation and row.access_token:
                return row.access_token
            if row is not None and row.lease_owner is None:
                break  # the other process gave up: its failure is recorded
        raise TokenUnusable("the Zalo token is being refreshed by another process; try later")
