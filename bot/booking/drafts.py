"""Unfinished booking forms, one per user, kept in the database so /cancel, /menu or a restart
does not lose what was typed; offered again ("Continue your booking?") within the idle
timeout, forgotten after it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.booking_models import BookingDraft


async def load(
    session: AsyncSession, user_id: int, now: datetime, idle: timedelta
) -> dict[str, Any] | None:
    row = await session.get(BookingDraft, user_id)
    if row is None or now - row.updated_at > idle:
        return None
    return dict(row.data)


async def save(session: AsyncSession, user_id: int, data: dict[str, Any], now: datetime) -> None:
    row = await session.get(BookingDraft, user_id)
    if row is None:
        session.add(BookingDraft(user_id=user_id, data=dict(data), updated_at=now))
    else:
        row.data = dict(data)  # a new object, so the JSON column is seen as changed
        row.updated_at = now


async def drop(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(BookingDraft).where(BookingDraft.user_id == user_id))
