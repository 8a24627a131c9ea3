"""The last check before a broadcast row is sent (the outbox sweeper's `before_send` hook for
kind "broadcast"): a person who turned news off after the broadcast was queued gets nothing.
People the messenger reports unreachable are dropped by the sweeper itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcasts.news import BROADCAST_KIND
from bot.db.booking_models import OutboxMessage
from bot.db.broadcast_models import NewsOptOut
from bot.outbox import runtime

if TYPE_CHECKING:
    from bot.core import Core

NEWS_OFF = "news turned off"


async def should_send(
    session: AsyncSession, rows: list[OutboxMessage], core: Core
) -> dict[int, str]:
    """Row id → why not, for the rows that must not go."""
    user_ids = {r.recipient_user_id for r in rows if r.recipient_user_id is not None}
    if not user_ids:
        return {}
    off = set(
        (
            await session.scalars(
                select(NewsOptOut.user_id).where(NewsOptOut.user_id.in_(user_ids))
            )
        ).all()
    )
    return {r.id: NEWS_OFF for r in rows if r.recipient_user_id in off}


def register(core: Core) -> None:
    runtime.before_send(core, BROADCAST_KIND, should_send)
