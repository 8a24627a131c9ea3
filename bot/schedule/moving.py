"""Moving a session to another day, time or point of the same officer: the same length, time
slots and seats; its bookings (codes kept) and waitlist places come along, the old row stays
as "moved" (so the daily materialise does not recreate it), and every booker and waiting
person is asked through the outbox whether the new time is still fine. Authorised for both
the old and the new point's unit, audited, all in one savepoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

from bot.booking import calendar
from bot.db import rowcount
from bot.db.booking_models import Booking, BookingSession, OutboxMessage, Slot, WaitlistEntry
from bot.points.model import Point
from bot.schedule import notices, parse, placing, service
from bot.schedule.errors import Refused
from bot.schedule.placing import Shape, at, local_day
from bot.services.registry import officer_service

if TYPE_CHECKING:
    from bot.services.context import ServiceContext


@officer_service
async def check_move(
    sc: ServiceContext,
    view: service.SessionView,
    day: date,
    start: time,
    point_id: str | None = None,
) -> tuple[Point, datetime, datetime]:
    """Where and when the session would be; Refused when it cannot go there."""
    now, tz, row = sc.now(), sc.tz, view.row
    service.not_changeable(view, now)
    target = await service.point_for(sc, point_id or row.point_id)
    starts_at = at(day, start, tz)
    ends_at = starts_at + (row.ends_at - row.starts_at)
    if starts_at <= now:
        raise Refused("schedule.time_passed")
    if starts_at == row.starts_at and target.id == row.point_id:
        raise Refused("schedule.same_time")
    if local_day(ends_at, tz) != day:
        raise Refused("schedule.past_midnight")
    await service.no_clash(sc, target.id, starts_at, ends_at, ignore={row.id})
    return target, starts_at, ends_at


@dataclass(frozen=True, slots=True)
class MoveNotice:
    """Whether a move is at short notice (the session starts, or would start, sooner than
    `schedule.min_notice_hours`) and how many people it tells (bookers and people waiting)."""

    short: bool
    told: int
    hours: float


@officer_service
async def move_notice(
    sc: ServiceContext, session_id: int, day: date, start: time, point_id: str | None = None
) -> MoveNotice:
    """What a move would ask of the officer: at short notice a reason and a confirmation that
    names `told`. Chat and web ask from this, and `move_session` enforces it."""
    view, bookings, waiting = await service.session_affected(sc, session_id)
    _target, starts_at, _ends_at = await check_move(sc, view, day, start, point_id)
    soon = sc.now() + timedelta(hours=sc.min_notice_hours)
    short = min(view.row.starts_at, starts_at) < soon
    return MoveNotice(short, bookings + waiting, sc.min_notice_hours)


@officer_service
async def move_session(
    sc: ServiceContext,
    session_id: int,
    day: date,
    start: time,
    point_id: str | None = None,
    *,
    reason: str | None = None,
    confirmed_told: int | None = None,
) -> service.Outcome:
    """Move a session (same length, same time slots and seats) to another day, time or point
    of this officer; its bookings and waitlist come along and everyone is told, with a new
    calendar file for each booking. At short notice (`move_notice`) the officer's `reason`
    is required and `confirmed_told` must be the number of people told."""
    notice = await move_notice(sc, session_id, day, start, point_id)
    reason = parse.reason(reason) if reason and reason.strip() else None
    if notice.short and reason is None:
        raise Refused("schedule.short_notice_reason", hours=_hours(notice.hours))
    if notice.short and confirmed_told != notice.told:
        raise Refused("schedule.short_notice_confirm", n=notice.told)
    view = await service.session_for(sc, session_id)
    now, tz, row = sc.now(), sc.tz, view.row
    target, starts_at, ends_at = await check_move(sc, view, day, start, point_id)
    planned = Shape(
        target.id,
        day,
        start,
        local_time(ends_at, tz),
        row.slot_minutes,
        view.seats_per_slot or 1,
        view.priority_per_slot,
    ).scheduled(tz)
    if len(planned.slots) != len(view.slots):
        raise Refused("schedule.slots_cannot_move")
    async with sc.session.begin_nested():
        moved = await _move_rows(sc, view, target, planned)
        key = await service.record(
            sc,
            "session.move",
            f"session:{row.id}",
            {"point": view.row.point_id, "starts_at": row.starts_at.isoformat()},
            {
                "point": target.id,
                "starts_at": starts_at.isoformat(),
                "session": moved.outcome.session_ids[0],
                "bookings_moved": moved.outcome.bookings,
                "waitlist_moved": moved.outcome.waiting,
            },
            row.unit_id,
        )
        await _tell_moved(sc, view.row.point_id, moved, notices.Change(key, reason, now))
    return moved.outcome


def _hours(hours: float) -> str:
    return f"{hours:g}"


def local_time(dt: datetime, tz) -> time:
    return dt.astimezone(tz).time().replace(second=0, microsecond=0)


@dataclass
class _Moved:
    outcome: service.Outcome
    # Each moved booking / waiting person with the time they had and their new slot.
    bookings: list[tuple[Booking, tuple[datetime, datetime], Slot]]
    entries: list[tuple[WaitlistEntry, tuple[datetime, datetime], Slot]]


async def _move_rows(
    sc: ServiceContext, view: service.SessionView, target: Point, planned
) -> _Moved:
    row, now = view.row, sc.now()
    claimed = await sc.session.execute(
        update(BookingSession)
        .where(BookingSession.id == row.id, BookingSession.status == "open")
        .values(status="moved")
    )
    if rowcount(claimed) != 1:
        raise Refused("schedule.changed_meanwhile")
    # slot id → (its place in the session, its times, seats, priority seats), read before
    # the new session may take over some of these rows.
    old = {
        s.id: (i, (s.starts_at, s.ends_at), s.capacity, s.priority_seats)
        for i, s in enumerate(view.slots)
    }
    # Closed first (a seat taken a moment ago is then counted below), then read.
    await sc.session.execute(update(Slot).where(Slot.id.in_(list(old))).values(status="cancelled"))
    bookings = (
        await sc.session.scalars(
            select(Booking)
            .where(Booking.slot_id.in_(list(old)), Booking.status == "confirmed")
            .order_by(Booking.id)
        )
    ).all()
    entries = (
        await sc.session.scalars(
            select(WaitlistEntry)
            .where(WaitlistEntry.slot_id.in_(list(old)), WaitlistEntry.status == "waiting")
            .order_by(WaitlistEntry.id)
        )
    ).all()
    await sc.session.execute(
        update(Slot).where(Slot.id.in_(list(old))).values(booked=0, booked_priority=0)
    )
    new_row = await placing.place(sc.session, target.unit, planned, now)
    new_slots = await placing.slots_of(sc.session, new_row.id)
    for i, _when, seats, priority in old.values():
        new_slots[i].capacity, new_slots[i].priority_seats = seats, priority
    moved = _Moved(
        service.Outcome(1, len(bookings), len(entries), session_ids=[new_row.id]), [], []
    )
    for booking in bookings:
        i, when, _seats, _priority = old[booking.slot_id]
        new = new_slots[i]
        new.booked += 1
        new.booked_priority += int(booking.priority_seat)
        booking.slot_id, booking.point_id, booking.updated_at = new.id, target.id, now
        booking.schedule_changed_at, booking.schedule_ack_at = now, None
        booking.ics_sequence += 1
        moved.bookings.append((booking, when, new))
    for entry in entries:
        i, when, _seats, _priority = old[entry.slot_id]
        entry.slot_id, entry.updated_at = new_slots[i].id, now
        moved.entries.append((entry, when, new_slots[i]))
    if any(s.booked > s.capacity for s in new_slots):
        raise Refused("schedule.visitors_do_not_fit")
    if bookings:  # reminders for the old time no longer fit; the reminders queue new ones
        await sc.session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.booking_id.in_([b.id for b in bookings]),
                OutboxMessage.status == "pending",
            )
        )
    await sc.session.flush()
    return moved


async def _tell_moved(
    sc: ServiceContext, old_point_id: str, moved: _Moved, change: notices.Change
) -> None:
    places = service.places_of(sc)
    locales = await notices.locales_of(
        sc.session,
        [b.user_id for b, _w, _s in moved.bookings] + [e.user_id for e, _w, _s in moved.entries],
    )
    old_point = places.points.get(old_point_id)
    visits = [notices.MovedVisit(b, when, new) for b, when, new in moved.bookings]
    for group in service.by_recipient(visits, lambda v: v.booking):
        first = group[0]
        service.add_message(
            sc,
            notices.moved(
                group,
                old_point,
                places.points.get(first.slot.point_id),
                locales.get(first.booking.user_id) or first.booking.locale,
                change,
            ),
        )
    for group in service.by_recipient(moved.entries, lambda e: e[0]):
        entry, _when, new = group[0]
        service.add_message(
            sc,
            notices.waitlist_moved(
                group,
                places.points.get(new.point_id),
                locales.get(entry.user_id) or entry.locale,
                change,
            ),
        )
    for booking, _when, _new in moved.bookings:  # after the messages: the new calendar files
        service.add_message(sc, calendar.queued(booking, change.now, change.key))
