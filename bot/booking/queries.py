"""Reading slots and bookings: what a point offers in the coming days, what a user has booked
or is waiting for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import capacity
from bot.db.booking_models import Booking, BookingSession, Slot, WaitlistEntry


async def slots_between(
    session: AsyncSession, point_id: str, start: datetime, end: datetime
) -> list[Slot]:
    """Open slots of the point starting after `start` and before `end`, in time order."""
    return list(
        (
            await session.scalars(
                select(Slot)
                .where(
                    Slot.point_id == point_id,
                    Slot.status == "open",
                    Slot.starts_at > start,
                    Slot.starts_at < end,
                )
                .order_by(Slot.starts_at)
            )
        ).all()
    )


async def upcoming_bookings(
    session: AsyncSession, user_id: int, now: datetime
) -> list[tuple[Booking, Slot]]:
    """The user's confirmed bookings (for themself or a relative) not yet over."""
    rows = await session.execute(
        select(Booking, Slot)
        .join(Slot, Booking.slot_id == Slot.id)
        .where(Booking.user_id == user_id, Booking.status == "confirmed", Slot.ends_at > now)
        .order_by(Slot.starts_at)
    )
    return [(b, s) for b, s in rows]


async def waiting(
    session: AsyncSession, user_id: int, now: datetime
) -> list[tuple[WaitlistEntry, Slot]]:
    rows = await session.execute(
        select(WaitlistEntry, Slot)
        .join(Slot, WaitlistEntry.slot_id == Slot.id)
        .where(
            WaitlistEntry.user_id == user_id,
            WaitlistEntry.status == "waiting",
            Slot.starts_at > now,
        )
        .order_by(Slot.starts_at)
    )
    return [(w, s) for w, s in rows]


async def free_seats_by_session(
    session: AsyncSession, point_id: str, now: datetime, until: datetime
) -> dict[datetime, int]:
    """Session start (UTC) → seats anyone may still book in it, for the point's open sessions
    starting before `until` (what a point card shows as "free seats")."""
    rows = await session.execute(
        select(BookingSession.starts_at, Slot)
        .join(Slot, Slot.session_id == BookingSession.id)
        .where(
            BookingSession.point_id == point_id,
            BookingSession.status == "open",
            BookingSession.starts_at < until,
            Slot.starts_at > now,
        )
    )
    free: dict[datetime, int] = {}
    for starts_at, slot in rows:
        free[starts_at] = (
            free.get(starts_at, 0) + capacity.room(slot, priority=False, now=now).free
        )
    return free
