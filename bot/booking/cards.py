"""What a booking is sent with: its calendar file and the point as a place on the map."""

from __future__ import annotations

from datetime import datetime, timedelta
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
    booking: Booking,
    slot: Slot,
    point: Point,
    tz: ZoneInfo,
    now: datetime,
    *,
    alarm_hours: float = 2.0,
    cancelled: bool = False,
) -> Document:
    """The visit's calendar file in the current language (the booker's): the same UID for
    the booking's whole life, SEQUENCE from the booking (raised on every change), the
    visitor's name, the point's address and GEO, an alarm `alarm_hours` before; `cancelled`
    gives the file that removes the event (METHOD:CANCEL)."""
    name = booking.visitor_name or ""
    description = "\n".join(
        [
            _("Visitor: {name}", name=name) if name else "",
            _("Booking code: {code}", code=booking.code),
            _("Help with: {topic}", topic=texts.help_text(booking.help_topic, booking.help_note)),
            what_to_bring(),
        ]
    ).strip()
    title = (
        _("Digital support visit for {name}: {point}", name=name, point=point.name)
        if name
        else _("Digital support visit: {point}", point=point.name)
    )
    if cancelled:
        title = _("Cancelled: {title}", title=title)
    data = ics.calendar_file(
        uid=f"{booking.code}@trolyso",
        title=title,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        location=point.address,
        description=description,
        alarm_text=_(
            "The digital support visit starts at {time}.", time=texts.clock(slot.starts_at)
        ),
        stamp=now,
        tz=tz,
        sequence=booking.ics_sequence,
        geo=(point.lat, point.lon),
        alarm_before=timedelta(hours=alarm_hours),
        cancelled=cancelled,
    )
    caption = (
        _("📅 Open this file to remove the visit from your calendar.")
        if cancelled
        else _("📅 Open this file to add the visit to your calendar.")
    )
    return Document(
        filename=f"visit-{booking.code}.ics", data=data, mime_type="text/calendar", caption=caption
    )


def venue(point: Point) -> Location:
    return Location(point.lat, point.lon, title=point.name, address=point.address)
