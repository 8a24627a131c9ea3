"""Durable intake: an update is stored before the platform hears "received", and handled once.

A channel calls `accept` with the updates of one webhook request or one `getUpdates` answer
(one statement for all of them) before it answers 200 or confirms the offset; the unique key
(channel, update id) drops a re-delivery, also one that reaches another process. The core calls
`claim` in the handler's own transaction (bot/core.py): the row is marked done there, so the
handler's writes and "handled" commit together, and a process that finds it done already
drops the update. Rows still not done after a crash are handed back by `take_over`: at start
on SQLite (one process owns the database: bot/runlock.py), and on PostgreSQL by any
process once the accepting process's lease has run out. `prune` removes done rows after a day,
which is longer than any platform keeps re-sending.

Statements are plain SQL: the claim is on every update's path (docs/PERFORMANCE.md), and on
SQLite it runs straight on the sqlite3 connection of the handler's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock
from bot.db import Database
from bot.db.inbox_models import InboxUpdate
from bot.db.models import UTCDateTime

log = logging.getLogger(__name__)

# How long the accepting process has to handle an update before another may (PostgreSQL). An
# update waits for its chat's earlier ones and for a free slot; a minute is far more than that.
LEASE = timedelta(seconds=60)
KEEP_DONE = timedelta(days=1)
TAKE_AT_ONCE = 500


class Pending(NamedTuple):
    """An accepted update not yet handled, handed back after a crash."""

    id: int
    update_id: str
    body: str


_COLUMNS = "(channel, update_id, body, received_at, lease_until)"
# Once handled, the update's content (names, phone numbers) is not needed: only its key,
# which keeps catching re-deliveries for a day.
_CLAIM = "UPDATE inbox SET done_at = :now, body = '' WHERE id = :id AND done_at IS NULL"
_PRUNE = "DELETE FROM inbox WHERE done_at < :before"
_TAKE_SQLITE = (
    "UPDATE inbox SET lease_until = :until WHERE channel = :channel AND done_at IS NULL "
    "AND lease_until < :expired RETURNING id, update_id, body"
)
_TAKE_PG = (
    "UPDATE inbox SET lease_until = :until WHERE id IN (SELECT id FROM inbox "
    "WHERE channel = :channel AND done_at IS NULL AND lease_until < :expired "
    f"ORDER BY id LIMIT {TAKE_AT_ONCE} FOR UPDATE SKIP LOCKED) RETURNING id, update_id, body"
)


def _insert(count: int) -> str:
    rows = ", ".join(
        f"(:channel, :u{i}, :b{i}, :now, :until)" for i in range(count)
    )  # one statement for the whole batch
    return (
        f"INSERT INTO inbox {_COLUMNS} VALUES {rows} "
        "ON CONFLICT (channel, update_id) DO NOTHING RETURNING id, update_id"
    )


class Inbox:
    def __init__(self, db: Database, clock: Clock, lease: timedelta = LEASE):
        self.db = db
        self.clock = clock
        self.lease = lease
        dialect = db.engine.dialect
        self._time = UTCDateTime().dialect_impl(dialect).bind_processor(dialect) or _same
        self._inserts: dict[int, Any] = {}

    def _times(self, **times: datetime) -> dict[str, Any]:
        return {key: self._time(value) for key, value in times.items()}

    async def _run(self, conn: AsyncConnection, sql: str, params: dict[str, Any]) -> list[Any]:
        """Rows of a statement with RETURNING, run the fastest way the database allows."""
        if self.db.is_sqlite:
            return self.db.sqlite_of(conn).execute(sql, params).fetchall()
        return list(await conn.execute(text(sql), params))

    async def accept(self, channel: str, updates: Sequence[tuple[str, str]]) -> dict[str, int]:
        """Store (update id, body) pairs not stored before, committed before this returns.
        Returns the inbox id of each new one by its update id; a re-delivery is not in it."""
        if not updates:
            return {}
        now = self.clock.now()
        params: dict[str, Any] = {"channel": channel}
        params.update(self._times(now=now, until=now + self.lease))
        for i, (update_id, body) in enumerate(updates):
            params[f"u{i}"] = update_id
            params[f"b{i}"] = body
        sql = self._inserts.get(len(updates))
        if sql is None:
            sql = self._inserts.setdefault(len(updates), _insert(len(updates)))
        async with self.db.connection() as conn:
            rows = await self._run(conn, sql, params)
        return {update_id: row_id for row_id, update_id in rows}

    async def claim(self, conn: AsyncConnection, inbox_id: int, now: datetime) -> bool:
        """Mark the update done in `conn`'s transaction (the handler's); False when it was
        done already (by another process, or before a crash) and must not be handled again.
        On PostgreSQL a second process claiming the same update waits here for the first."""
        params = {"id": inbox_id, "now": self._time(now)}
        if self.db.is_sqlite:
            return self.db.sqlite_of(conn).execute(_CLAIM, params).rowcount == 1
        result = await conn.execute(text(_CLAIM), params)
        return result.rowcount == 1

    async def finish(self, inbox_id: int) -> None:
        """Mark an update done on its own: one that produced nothing to handle, or whose
        handler failed (the person was told; handling it again would fail again)."""
        async with self.db.connection() as conn:
            await self.claim(conn, inbox_id, self.clock.now())

    async def take_over(self, channel: str, *, everything: bool = False) -> list[Pending]:
        """Accepted updates not handled, whose lease ran out (or all of them, `everything`:
        at start on SQLite, where no other process can hold one), leased to this process now;
        in the order they were accepted."""
        now = self.clock.now()
        expired = now + timedelta(days=3650) if everything else now
        params = {"channel": channel, **self._times(until=now + self.lease, expired=expired)}
        async with self.db.connection() as conn:
            sql = _TAKE_SQLITE if self.db.is_sqlite else _TAKE_PG
            rows = await self._run(conn, sql, params)
        return sorted(Pending(*row) for row in rows)

    async def prune(self) -> int:
        """Remove rows done more than a day ago; how many."""
        before = self.clock.now() - KEEP_DONE
        async with self.db.connection() as conn:
            result = await conn.execute(
                text(_PRUNE).bindparams(bindparam("before", type_=UTCDateTime())),
                {"before": before},
            )
            return result.rowcount or 0


def _same(value: Any) -> Any:
    return value


async def last_received(db: Database, channel: str) -> datetime | None:
    """When the channel last took an update (a webhook's health, for an operator's status)."""
    async with db.connection() as conn:
        return await conn.scalar(
            select(func.max(InboxUpdate.received_at)).where(InboxUpdate.channel == channel)
        )
