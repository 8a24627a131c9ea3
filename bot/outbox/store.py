"""The outbox rows' life in the database, each step one conditional UPDATE.

    pending ──claim──► sending ──► sent | failed | skipped | undeliverable
       ▲                  │
       └──── put back ────┘  (retry later, rate limited, stopping, its chat's turn is later)

A claim sets `status = "sending"`, adds one to `attempts` and moves `due_at` to the end of the
lease, in one statement: `attempts` is then the claim's token (every later step of that claim
requires it), and a row still `sending` past its lease (its process died) is claimed again.
PostgreSQL picks the rows with `FOR UPDATE SKIP LOCKED`, so sweepers in several processes
never take the same row; on SQLite the one writer and the conditional UPDATE do the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import rowcount
from bot.db.booking_models import OutboxMessage as Row

WAITING = ("pending", "sending")
# Not sent because the recipient's channel does not allow it now and will not later
# (bot/channels/policy.py); `last_error` keeps the policy's reason.
UNDELIVERABLE = "undeliverable"


def _due(channels: Sequence[str], now: datetime):
    return (Row.status.in_(WAITING), Row.due_at <= now, Row.channel.in_(channels))


async def claim(
    session: AsyncSession,
    channels: Sequence[str],
    now: datetime,
    limit: int,
    lease_until: datetime,
) -> list[Row]:
    """Take up to `limit` due rows for these channels, soonest (priority, due time) first."""
    pick = (
        select(Row.id)
        .where(*_due(channels, now))
        .order_by(Row.priority, Row.due_at, Row.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name != "sqlite":
        pick = pick.with_for_update(skip_locked=True)
    ids = list((await session.scalars(pick)).all())
    if not ids:
        return []
    taken = (
        await session.scalars(
            update(Row)
            .where(Row.id.in_(ids), *_due(channels, now))
            .values(status="sending", attempts=Row.attempts + 1, due_at=lease_until)
            .returning(Row),
            execution_options={"synchronize_session": False},
        )
    ).all()
    order = {row_id: i for i, row_id in enumerate(ids)}
    return sorted(taken, key=lambda r: order[r.id])


# Built once: this runs for every few messages of a broadcast. On the table, not the model,
# so the ORM adds nothing to it.
_TABLE = Row.__table__
_MARK_ALL_SENT = (
    update(_TABLE)
    .where(
        _TABLE.c.id.in_(bindparam("ids", expanding=True)),
        _TABLE.c.status == "sending",
        _TABLE.c.due_at == bindparam("lease"),
    )
    .values(status="sent", sent_at=bindparam("now"), last_error=None)
    .returning(_TABLE.c.id)
)


def _mine(row: Row):
    return (Row.id == row.id, Row.status == "sending", Row.attempts == row.attempts)


async def _finish(session: AsyncSession, row: Row, **values) -> bool:
    result = await session.execute(
        update(Row)
        .where(*_mine(row))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        return False
    for key, value in values.items():
        setattr(row, key, value)
    return True


async def mark_sent(session: AsyncSession, row: Row, now: datetime) -> bool:
    """False when the claim was lost (the lease ran out and another sweeper took the row)."""
    return await _finish(session, row, status="sent", sent_at=now, last_error=None)


async def mark_all_sent(session: AsyncSession, rows: Sequence[Row], now: datetime) -> set[int]:
    """Rows of one claim sent (one statement); the ids whose claim still held. A claim's rows
    share its lease end (`due_at`), which serves as their token here."""
    if not rows:
        return set()
    leases = {r.due_at for r in rows}
    assert len(leases) == 1, "rows of one claim only"
    done = set(
        (
            await session.scalars(
                _MARK_ALL_SENT, {"ids": [r.id for r in rows], "lease": leases.pop(), "now": now}
            )
        ).all()
    )
    for row in rows:
        if row.id in done:
            row.status, row.sent_at, row.last_error = "sent", now, None
    return done


async def mark_failed(session: AsyncSession, row: Row, reason: str) -> bool:
    return await _finish(session, row, status="failed", last_error=reason[:300])


async def mark_skipped(session: AsyncSession, row: Row, reason: str) -> bool:
    return await _finish(session, row, status="skipped", last_error=reason[:300])


async def mark_undeliverable(session: AsyncSession, row: Row, reason: str) -> bool:
    """The channel's send policy refused it (`reason`, e.g. "outside the reply window")."""
    return await _finish(session, row, status=UNDELIVERABLE, last_error=reason[:300])


async def retry_later(session: AsyncSession, row: Row, at: datetime, reason: str) -> bool:
    """A failed try: the attempt counts, the row waits until `at`."""
    return await _finish(session, row, status="pending", due_at=at, last_error=reason[:300])


async def put_back(session: AsyncSession, rows: Sequence[Row], at: datetime) -> int:
    """Give claimed rows back untried (stopping, rate limited, their chat's turn is later):
    the claim does not count as an attempt."""
    if not rows:
        return 0
    result = await session.execute(
        update(Row)
        .where(
            tuple_(Row.id, Row.attempts).in_([(r.id, r.attempts) for r in rows]),
            Row.status == "sending",
        )
        .values(status="pending", due_at=at, attempts=Row.attempts - 1)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


async def fail_waiting_for(session: AsyncSession, user_id: int, reason: str) -> list[Row]:
    """Every row still waiting for this person fails with `reason` (they blocked the bot)."""
    return list(
        (
            await session.scalars(
                update(Row)
                .where(Row.recipient_user_id == user_id, Row.status == "pending")
                .values(status="failed", last_error=reason)
                .returning(Row),
                execution_options={"synchronize_session": False},
            )
        ).all()
    )
