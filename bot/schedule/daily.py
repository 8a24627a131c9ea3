"""An officer's day at a support point: the visitors of a day (time, visitor, help needed,
needs, priority, and the phone for officers of that unit), marking who came, and the same
list as a CSV file.

Authorised with `require_unit` for the point's unit. Marking attendance and exporting (which
hands out personal data) are audited with booking codes and counts only.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.booking import texts
from bot.booking.codes import new_code
from bot.booking.phone import display_phone
from bot.db.booking_models import Booking, BookingSession, Slot
from bot.i18n import N_, _
from bot.officers import audit
from bot.points.model import Point
from bot.schedule.errors import Refused
from bot.schedule.placing import at, local_day
from bot.schedule.service import point_for
from bot.services.registry import officer_service
from bot.types import Document

if TYPE_CHECKING:
    from bot.services.context import ServiceContext

VISIT_STATES = ("confirmed", "attended", "missed")
# `Booking.channel` of a visitor who came without booking: no account, no name, no phone,
# nobody to tell; counted as came; takes no seat (the visitor is already there).
WALK_IN = "walk_in"
CODE_ATTEMPTS = 5
MARKS = {"attended": N_("came"), "missed": N_("did not come")}

audit.register_action("visit.attended", N_("Visitor marked as came"))
audit.register_action("visit.missed", N_("Visitor marked as did not come"))
audit.register_action("visit.reset", N_("Visitor's attendance mark removed"))
audit.register_action("list.export", N_("Visitor list exported"))
audit.register_action("visit.walk_in", N_("Walk-in visitor added"))
audit.register_action("visit.walk_in_removed", N_("Walk-in visitor removed"))


@dataclass(frozen=True)
class Visit:
    booking: Booking
    slot: Slot
    phone: str | None  # None when this officer may not see it


@officer_service
async def day_list(sc: ServiceContext, point_id: str, day: date) -> tuple[Point, list[Visit]]:
    """The point's visits on `day` (Hanoi) in time order; cancelled ones left out."""
    point = await point_for(sc, point_id)
    officer = sc.actor.require_unit(point.unit)
    # Phones only for officers of that unit and admins (the same rule as the list itself,
    # checked again so a future shared view cannot leak them).
    show_phone = officer.can_act_on_unit(point.unit)
    tz = sc.tz
    rows = (
        await sc.session.execute(
            select(Booking, Slot)
            .join(Slot, Booking.slot_id == Slot.id)
            .where(
                Booking.point_id == point.id,
                Booking.status.in_(VISIT_STATES),
                Slot.starts_at >= at(day, time(0), tz),
                Slot.starts_at < at(day + timedelta(days=1), time(0), tz),
            )
            .order_by(Slot.starts_at, Booking.id)
        )
    ).all()
    return point, [Visit(b, s, b.phone if show_phone else None) for b, s in rows]


def visit_line(v: Visit) -> str:
    """ "08:30 · Nguyễn Thị Lan · 📞 0912 345 678 · VNeID · ⭐ Aged 60 or over · ♿ Wheelchair"."""
    b = v.booking
    if b.channel == WALK_IN:
        return "✅ " + texts.clock(v.slot.starts_at) + " · " + _("Walk-in visitor")
    parts = [texts.clock(v.slot.starts_at), b.visitor_name or _("(name deleted)")]
    if v.phone:
        parts.append("📞 " + display_phone(v.phone))
    parts.append(texts.help_text(b.help_topic, b.help_note))
    if b.priority:
        parts.append("⭐ " + texts.labels(b.priority, texts.PRIORITY_LABELS))
    if b.needs:
        parts.append("♿ " + texts.labels(b.needs, texts.NEED_LABELS))
    if warning := texts.access_warning(b.access_note):
        parts.append(warning)
    mark = {"attended": "✅ ", "missed": "❌ "}.get(b.status, "")
    return mark + " · ".join(parts)


@officer_service
async def mark(sc: ServiceContext, booking_id: int, status: str) -> tuple[Booking, Slot]:
    """Mark a visit of today (or earlier) as attended, missed, or back to confirmed."""
    sc.actor.require_officer()
    if status not in VISIT_STATES:
        raise Refused("daily.unknown_mark")
    booking = await sc.session.get(Booking, booking_id, populate_existing=True)
    if booking is None:
        raise Refused("daily.visit_not_found")
    point = await point_for(sc, booking.point_id)
    slot = await sc.session.get_one(Slot, booking.slot_id)
    if booking.status not in VISIT_STATES:
        raise Refused("daily.visit_cancelled")
    if booking.channel == WALK_IN:
        raise Refused("daily.walk_in_mark")
    if local_day(slot.starts_at, sc.tz) > local_day(sc.now(), sc.tz):
        raise Refused("daily.visit_later_day")
    before = booking.status
    if before == status:
        return booking, slot
    await sc.session.execute(
        update(Booking).where(Booking.id == booking.id).values(status=status, updated_at=sc.now())
    )
    await sc.session.refresh(booking)
    action = {"attended": "visit.attended", "missed": "visit.missed"}.get(status, "visit.reset")
    await audit.record_by(
        sc,
        action,
        f"booking:{booking.code}",
        {"status": before},
        {"status": status},
        unit_id=point.unit,
    )
    return booking, slot


async def _walk_in_slot(sc: ServiceContext, point: Point) -> Slot:
    """The time slot a walk-in visitor is counted in: of today's open sessions, the slot
    going on now, else the last one started, else today's first."""
    tz, now = sc.tz, sc.now()
    today = local_day(now, tz)
    slots = (
        await sc.session.scalars(
            select(Slot)
            .join(BookingSession, BookingSession.id == Slot.session_id)
            .where(
                Slot.point_id == point.id,
                BookingSession.status == "open",
                Slot.starts_at >= at(today, time(0), tz),
                Slot.starts_at < at(today + timedelta(days=1), time(0), tz),
            )
            .order_by(Slot.starts_at)
        )
    ).all()
    if not slots:
        raise Refused("daily.no_session_today")
    started = [s for s in slots if s.starts_at <= now]
    return started[-1] if started else slots[0]


@officer_service
async def walk_in(sc: ServiceContext, point_id: str) -> tuple[Booking, Slot]:
    """Add a visitor who came to the point today without booking, marked as came."""
    point = await point_for(sc, point_id)
    slot = await _walk_in_slot(sc, point)
    now = sc.now()
    booking = Booking(
        slot_id=slot.id,
        point_id=point.id,
        user_id=None,
        channel=WALK_IN,
        chat_id=None,
        locale="vi",  # never written to
        for_self=True,
        visitor_name=None,
        phone=None,
        help_topic="other",
        help_note=None,
        priority=[],
        needs=[],
        priority_seat=False,
        consent=False,
        status="attended",
        created_at=now,
        updated_at=now,
        cancelled_at=None,
        purged_at=None,
    )
    for attempt in range(CODE_ATTEMPTS):
        booking.code = new_code()
        try:
            async with sc.session.begin_nested():
                sc.session.add(booking)
                await sc.session.flush()
            break
        except IntegrityError:  # the code was taken (the savepoint let go of the row): again
            if attempt == CODE_ATTEMPTS - 1:
                raise
    async with sc.session.begin_nested():
        await audit.record_by(
            sc,
            "visit.walk_in",
            f"booking:{booking.code}",
            None,
            {"status": "attended", "point": point.id},
            unit_id=point.unit,
        )
    return booking, slot


@officer_service
async def remove_walk_in(sc: ServiceContext, booking_id: int) -> None:
    """Take back a walk-in visitor added by mistake (booked visits are only marked)."""
    sc.actor.require_officer()
    booking = await sc.session.get(Booking, booking_id, populate_existing=True)
    if booking is None:
        raise Refused("daily.visit_not_found")
    point = await point_for(sc, booking.point_id)
    if booking.channel != WALK_IN:
        raise Refused("daily.not_a_walk_in")
    async with sc.session.begin_nested():
        await audit.record_by(
            sc,
            "visit.walk_in_removed",
            f"booking:{booking.code}",
            {"status": booking.status},
            None,
            unit_id=point.unit,
        )
        await sc.session.delete(booking)
        await sc.session.flush()


@officer_service
async def export_csv(sc: ServiceContext, point_id: str, day: date) -> Document:
    """The day's list as a CSV file (UTF-8 with a BOM, so spreadsheet programs show the
    Vietnamese letters)."""
    point, visits = await day_list(sc, point_id, day)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("time"),
            _("code"),
            _("visitor"),
            _("phone"),
            _("help needed"),
            _("priority"),
            _("needs"),
            _("access"),
            _("status"),
        ]
    )
    for v in visits:
        b = v.booking
        writer.writerow(
            [
                texts.clock(v.slot.starts_at),
                b.code,
                _("Walk-in visitor") if b.channel == WALK_IN else b.visitor_name or "",
                display_phone(v.phone) if v.phone else "",
                texts.help_text(b.help_topic, b.help_note),
                texts.labels(b.priority, texts.PRIORITY_LABELS) if b.priority else "",
                texts.labels(b.needs, texts.NEED_LABELS) if b.needs else "",
                texts.access_warning(b.access_note) or "",
                _(MARKS[b.status]) if b.status in MARKS else "",
            ]
        )
    await audit.record_by(
        sc,
        "list.export",
        f"point:{point.id}",
        None,
        {"day": day.isoformat(), "visits": len(visits)},
        unit_id=point.unit,
    )
    return Document(
        filename=f"visitors-{point.id}-{day.isoformat()}.csv",
        data=out.getvalue().encode("utf-8-sig"),
        mime_type="text/csv",
        caption=_("📋 Visitors at {point} on {day}", point=point.name, day=texts.day_label(day)),
    )
