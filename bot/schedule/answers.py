"""A booker's answers to a schedule-change message: "Still fine" for a moved visit, and booking
one of the free times offered instead of a cancelled visit (same visitor, same details).

Each checks the booking is the person's own and still in the state the message was about, so
a forged, stale or second tap changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import service
from bot.db.booking_models import Booking, Slot


async def acknowledge(
    session: AsyncSession, booking_id: int, user_id: int, now: datetime
) -> Booking | None:
    """Record "the new time is still fine"; the booking, or None when it is not the user's
    own confirmed, moved booking."""
    booking = await service.own_booking(session, booking_id, user_id)
    if booking is None or booking.status != "confirmed" or booking.schedule_changed_at is None:
        return None
    await session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.schedule_ack_at.is_(None))
        .values(schedule_ack_at=now)
    )
    await session.refresh(booking)
    return booking


async def rebook_offer(
    session: AsyncSession, booking_id: int, slot_id: int, user_id: int, now: datetime
) -> tuple[Booking, Slot] | None:
    """The cancelled booking and the offered slot, if the user may book it instead: their
    own booking, cancelled because its session was, details still kept, not yet replaced,
    and a slot of the same point still to come."""
    booking = await service.own_booking(session, booking_id, user_id)
    if (
        booking is None
        or booking.status != "cancelled"
        or booking.visitor_name is None
        or booking.phone is None
    ):
        return None
    old_slot = await session.get(Slot, booking.slot_id)
    slot = await session.get(Slot, slot_id)
    if (
        old_slot is None
        or old_slot.status != "cancelled"
        or slot is None
        or slot.point_id != booking.point_id
        or slot.status != "open"
        or slot.starts_at <= now
    ):
        return None
    if await replacement(session, booking) is not None:
        return None
    return booking, slot


async def replacement(session: AsyncSession, cancelled: Booking) -> Booking | None:
    """A visit the same user booked for the same person at the same point after this one was
    cancelled (one offer is enough: a second tap must not book twice)."""
    return (
        await session.scalars(
            select(Booking)
            .where(
                Booking.user_id == cancelled.user_id,
                Booking.point_id == cancelled.point_id,
                Booking.visitor_name == cancelled.visitor_name,
                Booking.status == "confirmed",
                Booking.id != cancelled.id,
                Booking.created_at >= cancelled.cancelled_at,
            )
            .limit(1)
        )
    ).first()


def details_of(booking: Booking) -> service.Details:
    return service.Details(
        for_self=booking.for_self,
        name=booking.visitor_name or "",
        phone=booking.phone or "",
        help_topic=booking.help_topic,
        help_note=booking.help_note,
        priority=list(booking.priority),
        needs=list(booking.needs),
        consent=booking.consent,
    )


async def rebook(
    session: AsyncSession, booking: Booking, slot: Slot, booker: service.Booker, now: datetime
) -> Booking | None:
    """Book the slot with the cancelled booking's details; None when it has no seat now."""
    return await service.book(session, slot.id, booker, details_of(booking), now)
