"""What the Zalo send policy must know about a person beyond when they last wrote: how many
consultation messages went to them since, and — for a message about a booking — the phone
number and consent a ZNS template needs, and the values the template is filled with.

ZNS templates are registered by the OA with their own parameter names; the bot fills these:
`code` (the booking code), `date` (dd/mm/yyyy), `time` (HH:MM), `place` (the point's id), all
in Hanoi time — the README tells operators to register templates with these names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.db import Database
from bot.db.booking_models import Booking, OutboxMessage, Slot

CHANNEL = "zalo"


@dataclass(frozen=True)
class Facts:
    sent_since: int = 0
    phone: str | None = None
    consent: bool = False
    template_data: dict[str, str] = field(default_factory=dict)


async def facts(
    db: Database,
    chat_id: str,
    last_seen: datetime | None,
    booking_id: int | None,
    tz: ZoneInfo,
) -> Facts:
    async with db.transaction() as session:
        sent = select(func.count()).where(
            OutboxMessage.channel == CHANNEL,
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.status == "sent",
        )
        if last_seen is not None:
            sent = sent.where(OutboxMessage.sent_at > last_seen)
        sent_since = int(await session.scalar(sent) or 0)
        if booking_id is None:
            return Facts(sent_since)
        row = (
            await session.execute(
                select(
                    Booking.code,
                    Booking.phone,
                    Booking.consent,
                    Booking.point_id,
                    Slot.starts_at,
                )
                .join(Slot, Slot.id == Booking.slot_id)
                .where(Booking.id == booking_id)
            )
        ).first()
    if row is None:
        return Facts(sent_since)
    starts = row.starts_at.astimezone(tz)
    data = {
        "code": row.code,
        "date": starts.strftime("%d/%m/%Y"),
        "time": starts.strftime("%H:%M"),
        "place": row.point_id,
    }
    return Facts(sent_since, row.phone, bool(row.consent), data)
