"""Whether the messenger still lets the bot write to a person.

A 403 (blocked the bot, account deleted) marks the person unreachable (`user_reach`); every
message still waiting for them fails with "unreachable" and nothing more is sent until they
write to the bot again, which moves their `users.last_seen_at` past the mark.

Other features filter with the SQL clauses (`select(User).where(reachable(User.id))`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from bot.db.models import User
from bot.db.outbox_models import UserReach

UNREACHABLE = "unreachable"


def unreachable(user_id: ColumnElement[int]) -> ColumnElement[bool]:
    """True for a person marked unreachable who has not written since."""
    seen = aliased(User)  # never the caller's own `users` (no accidental correlation)
    return exists().where(
        UserReach.user_id == user_id,
        seen.id == UserReach.user_id,
        seen.last_seen_at <= UserReach.unreachable_since,
    )


def reachable(user_id: ColumnElement[int]) -> ColumnElement[bool]:
    return ~unreachable(user_id)


async def unreachable_among(session: AsyncSession, user_ids: Iterable[int | None]) -> set[int]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return set()
    found = await session.scalars(
        select(UserReach.user_id)
        .join(User, User.id == UserReach.user_id)
        .where(UserReach.user_id.in_(ids), User.last_seen_at <= UserReach.unreachable_since)
    )
    return set(found.all())


async def last_seen(session: AsyncSession, user_ids: Iterable[int | None]) -> dict[int, datetime]:
    """When each of these people last wrote to the bot (for channels' send policies)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    found = await session.execute(select(User.id, User.last_seen_at).where(User.id.in_(ids)))
    return {user_id: seen for user_id, seen in found.all()}


async def mark_unreachable(
    session: AsyncSession, user_id: int, now: datetime, reason: str
) -> None:
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    stmt = insert(UserReach).values(user_id=user_id, unreachable_since=now, reason=reason[:32])
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["user_id"], set_={"unreachable_since": now, "reason": reason[:32]}
        )
    )
