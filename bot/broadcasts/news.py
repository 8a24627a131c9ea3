"""A citizen's news choices: which wards' news they get (subscriptions) and "no news at all"
(the opt-out of /stop, "🔕 Stop news" and Settings), each inside the caller's transaction.

An opt-out wins over every subscription and booking: no broadcast is queued for the person,
their broadcasts still waiting are dropped at once, and the outbox checks again just before
sending (bot/broadcasts/filter.py). Subscriptions are personal data of a kind (where someone
lives, roughly), so /privacy shows and deletes them; the opt-out is kept on deletion, since
a "no" must stay a no.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import privacy
from bot.db import rowcount
from bot.db.booking_models import OutboxMessage
from bot.db.broadcast_models import NewsOptOut, NewsSubscription
from bot.db.models import User
from bot.i18n import N_
from bot.points.model import Places

BROADCAST_KIND = "broadcast"


def _insert(session: AsyncSession):
    return sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert


async def subscribe(
    session: AsyncSession, user_id: int, unit_id: str, chat_id: str, locale: str, now: datetime
) -> bool:
    """Get this unit's news; False when already subscribed (a second tap changes nothing)."""
    stmt = (
        _insert(session)(NewsSubscription)
        .values(user_id=user_id, unit_id=unit_id, chat_id=chat_id, locale=locale, created_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "unit_id"])
    )
    return rowcount(await session.execute(stmt)) == 1


async def unsubscribe(session: AsyncSession, user_id: int, unit_id: str) -> bool:
    result = await session.execute(
        delete(NewsSubscription).where(
            NewsSubscription.user_id == user_id, NewsSubscription.unit_id == unit_id
        )
    )
    return rowcount(result) == 1


async def subscriptions(session: AsyncSession, user_id: int) -> list[str]:
    """The unit ids whose news the user asked for, oldest first."""
    return list(
        (
            await session.scalars(
                select(NewsSubscription.unit_id)
                .where(NewsSubscription.user_id == user_id)
                .order_by(NewsSubscription.created_at, NewsSubscription.unit_id)
            )
        ).all()
    )


async def opted_out_since(session: AsyncSession, user_id: int) -> datetime | None:
    return await session.scalar(
        select(NewsOptOut.opted_out_at).where(NewsOptOut.user_id == user_id)
    )


async def opt_out(session: AsyncSession, user_id: int, now: datetime) -> bool:
    """No more broadcasts, starting with the ones already queued; False when already off."""
    stmt = (
        _insert(session)(NewsOptOut)
        .values(user_id=user_id, opted_out_at=now)
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
    added = rowcount(await session.execute(stmt)) == 1
    await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.recipient_user_id == user_id,
            OutboxMessage.kind == BROADCAST_KIND,
            OutboxMessage.status == "pending",
        )
    )
    return added


async def opt_in(session: AsyncSession, user_id: int) -> bool:
    """News back on (for the wards subscribed to); False when it was not off."""
    result = await session.execute(delete(NewsOptOut).where(NewsOptOut.user_id == user_id))
    return rowcount(result) == 1


# --- /privacy --------------------------------------------------------------------------------


async def _export(session: AsyncSession, user: User) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(NewsSubscription.unit_id, NewsSubscription.created_at)
        .where(NewsSubscription.user_id == user.id)
        .order_by(NewsSubscription.created_at)
    )
    return [{"ward": unit_id, "since": created.isoformat()} for unit_id, created in rows]


async def _erase(session: AsyncSession, user: User, now: datetime, places: Places | None) -> int:
    result = await session.execute(
        delete(NewsSubscription).where(NewsSubscription.user_id == user.id)
    )
    return rowcount(result)


privacy.register(
    privacy.Holder(
        "news",
        N_("News you get from wards and communes"),
        _export,
        _erase,
        tables=("news_subscriptions",),
    )
)
