"""A visit's calendar file sent later, through the outbox: after officers move a session (the
new time) or cancel it (the file that removes the event). The row names the booking and the
SEQUENCE it was queued for; the file is built when sent, in the booker's language, from the
booking as it stands — a row overtaken by a newer change is skipped (the newer row follows).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.booking import cards
from bot.booking.notices import PRIORITY_OWN_VISIT
from bot.db.booking_models import Booking, OutboxMessage, Slot
from bot.outbox.runtime import Rendered, Skip
from bot.types import Reply

if TYPE_CHECKING:
    from bot.core import Core

TEMPLATE = "booking.calendar"


def queued(
    booking: Booking, now: datetime, key: str, *, cancelled: bool = False
) -> OutboxMessage | None:
    """An outbox row that sends the booking's calendar file (`cancelled`: the removal) after
    the message about the change (same priority and time, queued after it)."""
    if booking.user_id is None or not booking.chat_id:
        return None
    return OutboxMessage(
        recipient_user_id=booking.user_id,
        channel=booking.channel,
        chat_id=booking.chat_id,
        kind="calendar_cancel" if cancelled else "calendar",
        text=None,
        buttons=None,
        template=TEMPLATE,
        data={
            "booking_id": booking.id,
            "sequence": booking.ics_sequence,
            "cancelled": cancelled,
        },
        priority=PRIORITY_OWN_VISIT,
        due_at=now,
        status="pending",
        attempts=0,
        last_error=None,
        booking_id=booking.id,
        dedupe_key=f"ics:{booking.id}:{booking.ics_sequence}:{key}"[:96],
        created_at=now,
        sent_at=None,
    )


async def render(session: AsyncSession, row: OutboxMessage, core: Core) -> Rendered:
    data = row.data or {}
    booking = await session.get(Booking, data.get("booking_id"))
    if booking is None or booking.purged_at is not None or booking.visitor_name is None:
        return Skip("the booking is gone")
    if booking.ics_sequence != data.get("sequence"):
        return Skip("a newer calendar file follows")
    cancelled = bool(data.get("cancelled"))
    if not cancelled and booking.status != "confirmed":
        return Skip("the visit is no longer booked")
    slot = await session.get(Slot, booking.slot_id)
    places = core.services.get("places")
    point = places.points.get(booking.point_id) if places is not None else None
    if slot is None or point is None:
        return Skip("the point is gone")
    with i18n.use_locale(booking.locale):
        document = cards.calendar_document(
            booking,
            slot,
            point,
            core.config.tz,
            core.clock.now(),
            alarm_hours=core.config.reminders.hours_before,
            cancelled=cancelled,
        )
    return [Reply(document=document)]
