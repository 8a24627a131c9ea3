"""What a booking is sent with: its calendar file and the point as a place on the map."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.booking import ics, texts
from bot.db.booking_models import Booking, Slot
from bot.i18n import _
from bot.points.model import Point
from bot.types import Document, Location


def what_to_bring(visitor: str | None = None) -> str:
    """What to bring; for a relative's visit the booker is asked to remind the visitor by
    name (it is the visitor's phone and card, not the booker's)."""
    if visitor:
        return _(
            "Please remind {name} to bring their phone (charged) and their citizen ID card.",
            name=visitor,
        )
    return _("Please bring your phone (charged) and your citizen ID card.")


def calendar_document(
    booking: Booking, slot: Slot, point: Point, tz: ZoneInfo, now: datetime
) -> Document:
    description = "\n".join(
        [
            _("Booking code: {code}", code=booking.code),
            _("Help with: {topic}", topic=texts.help_text(booking.help_topic, booking.help_note)),
            what_to_bring(),
        ]
    )
    data = ics.calendar_file(
        uid=f"{booking.code}@trolyso",
        title=_("Digital support visit: {point}", point=point.name),
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        location=point.address,
        description=description,
        alarm_text=_("Your digital support visit starts in 2 hours."),
        stamp=now,
        tz=tz,
    )
    return Document(
        filename=f"visit-{booking.code}.ics",
        data=data,
        mime_type="text/calendar",
        caption=_("📅 Open this file to add the visit to your calendar."),
    )


def venue(point: Point) -> Location:
    return Location(point.lat, point.lon, title=point.name, address=point.address)
