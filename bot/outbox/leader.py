"""Which process holds the outbox's rate budget when several share one PostgreSQL database.

The messenger's limit is per bot, not per process: if every process swept at the full rate,
together they would go over it. So only the holder of a PostgreSQL advisory lock sweeps; the
lock is held on one connection for as long as the process sweeps and is freed by PostgreSQL
when that process dies, so another takes over at its next look. On SQLite there is one
process, which always leads. The lock key includes the schema, so separate databases (and
test schemas) on one server do not meet.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db import Database

log = logging.getLogger(__name__)
_LOCK = text("SELECT pg_try_advisory_lock(hashtext('trolyso.outbox:' || current_schema()))")
_UNLOCK = text("SELECT pg_advisory_unlock(hashtext('trolyso.outbox:' || current_schema()))")


class Leader:
    def __init__(self, db: Database):
        self.db = db
        self._conn: AsyncConnection | None = None

    @property
    def leading(self) -> bool:
        return self.db.is_sqlite or self._conn is not None

    async def hold(self) -> bool:
        """True while this process leads: keeps the lock, or takes it when it is free."""
        if self.db.is_sqlite:
            return True
        if self._conn is not None:
            try:
                await self._conn.exec_driver_sql("SELECT 1")
                await self._conn.commit()
                return True
            except Exception:
                log.warning("outbox: lost the connection holding the sweep lock")
                await self._drop()
        conn = await self.db.engine.connect()
        try:
            got = (await conn.execute(_LOCK)).scalar()
            await conn.commit()  # the lock is the session's: it outlives the transaction
        except Exception:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        log.info("outbox: this process sends the outbox")
        return True

    async def release(self) -> None:
        if self._conn is None:
            return
        try:
            await self._conn.execute(_UNLOCK)
            await self._conn.commit()
        except Exception:
            log.warning("outbox: could not free the sweep lock (its connection is gone)")
        await self._drop()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                # Really closed, not pooled: a pooled session would keep holding the lock.
                await conn.invalidate()
                await conn.close()
            except Exception:
                log.debug("closing the lock connection failed", exc_info=True)
