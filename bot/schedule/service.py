"""What an officer can change in the schedule of their support points: list the coming
sessions, add a session, cancel one with a reason, change its seats, close a point for some
days (moving one to another time or place: bot/schedule/moving.py).

Every function takes a `ServiceContext` (bot/services/context.py) and first authorises its
actor (`sc.actor.require_unit` for the unit of the session or point; `NotAllowed`
otherwise), then changes rows inside a savepoint of the caller's transaction and writes its
audit entry there too: a refusal (`Refused`, a message id from bot/schedule/errors.py) or a
failure leaves nothing behind. Bookers and waiting people are told through the outbox.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import case, func, select, update

from bot.booking import calendar, capacity
from bot.booking import service as booking_service
from bot.db import rowcount
from bot.db.booking_models import Booking, BookingSession, Slot, WaitlistEntry
from bot.i18n import N_
from bot.officers import audit
from bot.points.model import Places, Point
from bot.schedule import notices, placing
from bot.schedule.errors import Refused
from bot.schedule.placing import Shape, at, local_day
from bot.services.registry import officer_service

if TYPE_CHECKING:
    from bot.services.context import ServiceContext

LIST_DAYS = 14  # the sessions list and the times offered instead look this far ahead
OFFERS = 3  # free times offered with a cancellation: the first of each of the next days

audit.register_action("session.add", N_("Session added"))
audit.register_action("session.cancel", N_("Session cancelled"))
audit.register_action("session.move", N_("Session moved"))
audit.register_action("session.capacity", N_("Seats of a session changed"))
audit.register_action("point.close", N_("Support point closed for some days"))


@dataclass
class SessionView:
    """A session with its slots and how full it is."""

    row: BookingSession
    slots: list[Slot]
    waiting: int = 0

    @property
    def booked(self) -> int:
        return sum(s.booked for s in self.slots)

    @property
    def seats(self) -> int:
        return sum(s.capacity for s in self.slots)

    @property
    def seats_per_slot(self) -> int:
        return max((s.capacity for s in self.slots), default=0)

    @property
    def priority_per_slot(self) -> int:
        return max((s.priority_seats for s in self.slots), default=0)


@dataclass
class Outcome:
    """What an action did, for the officer's confirmation message."""

    sessions: int = 0
    bookings: int = 0
    waiting: int = 0
    promoted: int = 0
    session_ids: list[int] = field(default_factory=list)


def places_of(sc: ServiceContext) -> Places:
    places = sc.places
    if places is None:
        raise Refused("schedule.no_points_loaded")
    return places


def _point(sc: ServiceContext, point_id: str) -> Point:
    point = places_of(sc).points.get(point_id)
    if point is None:
        raise Refused("schedule.unknown_point")
    return point


@officer_service
async def point_for(sc: ServiceContext, point_id: str) -> Point:
    """The point, if this person may act for its unit."""
    sc.actor.require_officer()
    point = _point(sc, point_id)
    sc.actor.require_unit(point.unit)
    return point


@officer_service
async def my_points(sc: ServiceContext) -> list[Point]:
    """The support points of the units this officer serves (every point for an admin)."""
    officer = sc.actor.require_officer()
    places = sc.places
    if places is None:
        return []
    return [p for p in places.points.values() if officer.can_act_on_unit(p.unit)]


@officer_service
async def session_for(sc: ServiceContext, session_id: int) -> SessionView:
    """The session with its slots, if this person may act for its unit."""
    sc.actor.require_officer()
    row = await sc.session.get(BookingSession, session_id, populate_existing=True)
    if row is None:
        raise Refused("schedule.session_not_found")
    sc.actor.require_unit(row.unit_id)
    slots = await placing.slots_of(sc.session, row.id)
    waiting = (
        await sc.session.scalar(
            select(func.count())
            .select_from(WaitlistEntry)
            .where(
                WaitlistEntry.slot_id.in_([s.id for s in slots]), WaitlistEntry.status == "waiting"
            )
        )
        if slots
        else 0
    )
    return SessionView(row, slots, waiting or 0)


@officer_service
async def upcoming(sc: ServiceContext, point_id: str, days: int = LIST_DAYS) -> list[SessionView]:
    """The point's sessions not yet over, from today through `days` days (cancelled and
    moved ones too, so the officer sees what was changed)."""
    point = await point_for(sc, point_id)
    now = sc.now()
    rows = (
        await sc.session.scalars(
            select(BookingSession)
            .where(
                BookingSession.point_id == point.id,
                BookingSession.ends_at > now,
                BookingSession.starts_at < now + timedelta(days=days),
            )
            .order_by(BookingSession.starts_at)
        )
    ).all()
    slots: dict[int, list[Slot]] = {r.id: [] for r in rows}
    if rows:
        for slot in (
            await sc.session.scalars(
                select(Slot).where(Slot.session_id.in_(list(slots))).order_by(Slot.starts_at)
            )
        ).all():
            slots[slot.session_id].append(slot)
    return [SessionView(r, slots[r.id]) for r in rows]


def not_changeable(view: SessionView, now: datetime) -> None:
    if view.row.status == "cancelled":
        raise Refused("schedule.session_cancelled")
    if view.row.status != "open":
        raise Refused("schedule.session_moved")
    if view.row.starts_at <= now:
        raise Refused("schedule.session_started")


async def record(sc: ServiceContext, action: str, target: str, before, after, unit_id: str) -> str:
    """Audit the action in this transaction; its entry id keys the messages it causes."""
    entry = await audit.record_by(sc, action, target, before, after, unit_id=unit_id)
    await sc.session.flush()
    return str(entry.id)


# --- add -----------------------------------------------------------------------------------


def check_shape(shape: Shape) -> None:
    """The same rules as the points files (bot/points/loader.py)."""
    length = (shape.end.hour * 60 + shape.end.minute) - (
        shape.start.hour * 60 + shape.start.minute
    )
    if length <= 0:
        raise Refused("schedule.end_before_start", start=shape.start.strftime("%H:%M"))
    if not 5 <= shape.slot_minutes <= 240 or length % shape.slot_minutes:
        raise Refused(
            "schedule.slots_do_not_divide",
            m=shape.slot_minutes,
            start=shape.start.strftime("%H:%M"),
            end=shape.end.strftime("%H:%M"),
        )
    if not 1 <= shape.seats <= 500:
        raise Refused("schedule.seats_out_of_range")
    if not 0 <= shape.priority_seats <= shape.seats:
        raise Refused("schedule.priority_out_of_range", n=shape.seats)


async def no_clash(
    sc: ServiceContext,
    point_id: str,
    starts_at: datetime,
    ends_at: datetime,
    ignore: Set[int] = frozenset(),
) -> None:
    found = await placing.clashes(
        sc.session, places_of(sc), point_id, starts_at, ends_at, sc.tz, ignore=ignore
    )
    if found:
        raise Refused("schedule.overlap", when=found[0])


@officer_service
async def check_free(sc: ServiceContext, point_id: str, day: date, start: time, end: time) -> None:
    """Refused when a new session then would be in the past or overlap another."""
    point = await point_for(sc, point_id)
    starts_at, ends_at = at(day, start, sc.tz), at(day, end, sc.tz)
    if starts_at <= sc.now():
        raise Refused("schedule.time_passed")
    await no_clash(sc, point.id, starts_at, ends_at)


@officer_service
async def add_session(sc: ServiceContext, shape: Shape) -> BookingSession:
    point = await point_for(sc, shape.point_id)
    check_shape(shape)
    planned = shape.scheduled(sc.tz)
    await check_free(sc, point.id, shape.day, shape.start, shape.end)
    async with sc.session.begin_nested():
        row = await placing.place(sc.session, point.unit, planned, sc.now())
        await record(
            sc,
            "session.add",
            f"session:{row.id}",
            None,
            {
                "point": point.id,
                "starts_at": planned.starts_at.isoformat(),
                "ends_at": planned.ends_at.isoformat(),
                "slot_minutes": shape.slot_minutes,
                "seats_per_slot": shape.seats,
                "priority_seats": shape.priority_seats,
            },
            point.unit,
        )
    return row


# --- cancel --------------------------------------------------------------------------------


@dataclass
class Cancelled:
    bookings: list[tuple[Booking, Slot]] = field(default_factory=list)
    entries: list[tuple[WaitlistEntry, Slot]] = field(default_factory=list)


@officer_service
async def session_affected(sc: ServiceContext, session_id: int) -> tuple[SessionView, int, int]:
    """The session and who a change to it would reach: (view, confirmed bookings, people
    waiting), for a preview."""
    view = await session_for(sc, session_id)
    bookings, waiting = await affected(sc, [view.row.id])
    return view, bookings, waiting


@dataclass(frozen=True)
class Told:
    """One person a change to a session tells: a booked visitor or someone waiting."""

    starts_at: datetime  # their time slot
    name: str  # the visitor's name as given when booking ("" when none was given)
    waiting: bool


@officer_service
async def people_told(sc: ServiceContext, session_ids: list[int]) -> list[Told]:
    """Who a change to these sessions would tell, in time order: each confirmed booking's
    visitor, then each person waiting. Refused unless the actor may act for the unit of
    every session."""
    sc.actor.require_officer()
    ids = list(dict.fromkeys(session_ids))
    if not ids:
        return []
    units = (
        await sc.session.scalars(select(BookingSession.unit_id).where(BookingSession.id.in_(ids)))
    ).all()
    for unit in set(units):
        sc.actor.require_unit(unit)
    booked = (
        await sc.session.execute(
            select(Booking, Slot)
            .join(Slot, Booking.slot_id == Slot.id)
            .where(Slot.session_id.in_(ids), Booking.status == "confirmed")
            .order_by(Slot.starts_at, Booking.id)
        )
    ).all()
    waiting = (
        await sc.session.execute(
            select(WaitlistEntry, Slot)
            .join(Slot, WaitlistEntry.slot_id == Slot.id)
            .where(Slot.session_id.in_(ids), WaitlistEntry.status == "waiting")
            .order_by(Slot.starts_at, WaitlistEntry.id)
        )
    ).all()
    return [Told(s.starts_at, b.visitor_name or "", False) for b, s in booked] + [
        Told(s.starts_at, str((e.details or {}).get("name") or ""), True) for e, s in waiting
    ]


async def affected(sc: ServiceContext, session_ids: list[int]) -> tuple[int, int]:
    """(confirmed bookings, people waiting) of these sessions; the caller authorised them."""
    if not session_ids:
        return 0, 0
    slot_ids = select(Slot.id).where(Slot.session_id.in_(session_ids))
    bookings = await sc.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.slot_id.in_(slot_ids), Booking.status == "confirmed")
    )
    waiting = await sc.session.scalar(
        select(func.count())
        .select_from(WaitlistEntry)
        .where(WaitlistEntry.slot_id.in_(slot_ids), WaitlistEntry.status == "waiting")
    )
    return bookings or 0, waiting or 0


async def cancel_rows(
    sc: ServiceContext, rows: list[BookingSession], reason: str | None
) -> Cancelled:
    """Cancel the sessions, their bookings (seats freed) and waitlists; nobody told yet."""
    now, done = sc.now(), Cancelled()
    for row in rows:
        sc.actor.require_unit(row.unit_id)  # its callers checked; a new caller cannot forget
        claimed = await sc.session.execute(
            update(BookingSession)
            .where(BookingSession.id == row.id, BookingSession.status == "open")
            .values(status="cancelled", note=reason)
        )
        if rowcount(claimed) != 1:  # another officer changed it a moment ago
            raise Refused("schedule.changed_meanwhile")
        await sc.session.execute(
            update(Slot).where(Slot.session_id == row.id).values(status="cancelled")
        )
    ids = [r.id for r in rows]
    found = (
        await sc.session.execute(
            select(Booking, Slot)
            .join(Slot, Booking.slot_id == Slot.id)
            .where(Slot.session_id.in_(ids), Booking.status == "confirmed")
            .order_by(Slot.starts_at, Booking.id)
        )
    ).all()
    for booking, slot in found:
        if await booking_service.cancel(sc.session, booking, now, places_of(sc)):
            done.bookings.append((booking, slot))
    waiting = (
        await sc.session.execute(
            select(WaitlistEntry, Slot)
            .join(Slot, WaitlistEntry.slot_id == Slot.id)
            .where(Slot.session_id.in_(ids), WaitlistEntry.status == "waiting")
            .order_by(WaitlistEntry.id)
        )
    ).all()
    for entry, slot in waiting:
        entry.status, entry.details, entry.updated_at = "cancelled", {}, now
        done.entries.append((entry, slot))
    return done


async def _offers(sc: ServiceContext, point_id: str, priority: bool) -> list[Slot]:
    """The first free time of each of the next days at the point, for this kind of visitor."""
    now, tz = sc.now(), sc.tz
    slots = (
        await sc.session.scalars(
            select(Slot)
            .where(
                Slot.point_id == point_id,
                Slot.status == "open",
                Slot.starts_at > now,
                Slot.starts_at < now + timedelta(days=LIST_DAYS),
            )
            .order_by(Slot.starts_at)
        )
    ).all()
    found: dict[date, Slot] = {}
    for slot in slots:
        day = local_day(slot.starts_at, tz)
        if day not in found and not capacity.room(slot, priority=priority, now=now).full:
            found[day] = slot
    return list(found.values())[:OFFERS]


def by_recipient(items: list, recipient) -> list[list]:
    """The items grouped per person (in the order they came), one message each."""
    groups: dict[tuple, list] = {}
    for item in items:
        groups.setdefault(notices.recipient_key(recipient(item)), []).append(item)
    return list(groups.values())


async def tell_cancelled(sc: ServiceContext, done: Cancelled, change: notices.Change) -> None:
    """One message to each booker of the cancelled visits, one to each person waiting."""
    places = places_of(sc)
    people = [b.user_id for b, _s in done.bookings] + [e.user_id for e, _s in done.entries]
    locales = await notices.locales_of(sc.session, people)
    offers: dict[tuple[str, bool], list[Slot]] = {}
    visits = []
    for booking, slot in done.bookings:
        key = (booking.point_id, booking.priority_seat)
        if key not in offers:
            offers[key] = await _offers(sc, *key)
        visits.append(notices.CancelledVisit(booking, slot, offers[key]))
    for group in by_recipient(visits, lambda v: v.booking):
        first = group[0].booking
        add_message(
            sc,
            notices.cancelled(
                group,
                places.points.get(first.point_id),
                locales.get(first.user_id) or first.locale,
                change,
            ),
        )
    for group in by_recipient(done.entries, lambda e: e[0]):
        entry, slot = group[0]
        add_message(
            sc,
            notices.waitlist_cancelled(
                group,
                places.points.get(slot.point_id),
                locales.get(entry.user_id) or entry.locale,
                change,
            ),
        )
    for booking, _slot in done.bookings:  # after the messages: the files that remove them
        add_message(sc, calendar.queued(booking, change.now, change.key, cancelled=True))


def add_message(sc: ServiceContext, message) -> None:
    if message is not None:
        sc.session.add(message)


@officer_service
async def cancel_session(sc: ServiceContext, session_id: int, reason: str) -> Outcome:
    view = await session_for(sc, session_id)
    not_changeable(view, sc.now())
    async with sc.session.begin_nested():
        done = await cancel_rows(sc, [view.row], reason)
        key = await record(
            sc,
            "session.cancel",
            f"session:{view.row.id}",
            {"status": "open"},
            {
                "status": "cancelled",
                "bookings_cancelled": len(done.bookings),
                "waitlist_told": len(done.entries),
            },
            view.row.unit_id,
        )
        await tell_cancelled(sc, done, notices.Change(key, reason, sc.now()))
    return Outcome(1, len(done.bookings), len(done.entries), session_ids=[view.row.id])


@officer_service
async def sessions_between(
    sc: ServiceContext, point_id: str, first: date, last: date
) -> list[int]:
    """Open sessions of the point on local days `first`..`last` not yet started (the point's
    file is written out up to `last` first, so days beyond the usual horizon count too)."""
    point = await point_for(sc, point_id)
    tz, now = sc.tz, sc.now()
    await placing.materialise_until(sc.session, places_of(sc), point.id, last, now, tz)
    start = max(at(first, time(0), tz), now)
    end = at(last + timedelta(days=1), time(0), tz)
    return list(
        (
            await sc.session.scalars(
                select(BookingSession.id)
                .where(
                    BookingSession.point_id == point.id,
                    BookingSession.status == "open",
                    BookingSession.starts_at > start,
                    BookingSession.starts_at < end,
                )
                .order_by(BookingSession.starts_at)
            )
        ).all()
    )


@officer_service
async def close_preview(
    sc: ServiceContext, point_id: str, first: date, last: date
) -> tuple[int, int, int]:
    """(sessions, bookings, people waiting) that closing these days would cancel; whatever
    had to be written to count them (the file's far sessions) is rolled back."""
    async with sc.session.begin_nested() as savepoint:
        ids = await sessions_between(sc, point_id, first, last)
        bookings, waiting = await affected(sc, ids)
        await savepoint.rollback()
    return len(ids), bookings, waiting


@officer_service
async def close_told(
    sc: ServiceContext, point_id: str, first: date, last: date
) -> tuple[int, list[Told]]:
    """(sessions, who would be told) if the point closed from `first` to `last`: the
    preview of `close_point`; whatever had to be written to find them is rolled back."""
    if last < first:
        raise Refused("schedule.last_before_first")
    async with sc.session.begin_nested() as savepoint:
        ids = await sessions_between(sc, point_id, first, last)
        told = await people_told(sc, ids)
        await savepoint.rollback()
    return len(ids), told


@officer_service
async def close_point(
    sc: ServiceContext, point_id: str, first: date, last: date, reason: str
) -> Outcome:
    """Cancel every session of the point from `first` to `last` (Hanoi days) with a reason."""
    point = await point_for(sc, point_id)
    if last < first:
        raise Refused("schedule.last_before_first")
    async with sc.session.begin_nested():
        ids = await sessions_between(sc, point.id, first, last)
        if not ids:
            raise Refused("schedule.nothing_to_close")
        rows = [await sc.session.get_one(BookingSession, i) for i in ids]
        done = await cancel_rows(sc, rows, reason)
        key = await record(
            sc,
            "point.close",
            f"point:{point.id}",
            None,
            {
                "from": first.isoformat(),
                "until": last.isoformat(),
                "sessions_cancelled": ids,
                "bookings_cancelled": len(done.bookings),
                "waitlist_told": len(done.entries),
            },
            point.unit,
        )
        await tell_cancelled(sc, done, notices.Change(key, reason, sc.now()))
    return Outcome(len(ids), len(done.bookings), len(done.entries), session_ids=ids)


# --- capacity ------------------------------------------------------------------------------


def booked_floor(view: SessionView) -> tuple[int, Slot | None]:
    """The most seats booked in any one time slot, and that slot."""
    fullest = max(view.slots, key=lambda s: s.booked, default=None)
    return (fullest.booked if fullest else 0), fullest


def below_floor(view: SessionView, seats: int) -> Refused | None:
    """Why the session cannot have `seats` per time slot (more are booked in one), or None."""
    floor, fullest = booked_floor(view)
    if seats >= floor or fullest is None:
        return None
    return Refused("schedule.below_floor", n=floor, time=fullest.starts_at)


@officer_service
async def change_capacity(sc: ServiceContext, session_id: int, seats: int) -> Outcome:
    """Set the seats of every time slot of the session, never below what is booked; people
    waiting get the new seats."""
    view = await session_for(sc, session_id)
    not_changeable(view, sc.now())
    if not 1 <= seats <= 500:
        raise Refused("schedule.seats_out_of_range")
    if problem := below_floor(view, seats):
        raise problem
    before = view.seats_per_slot
    async with sc.session.begin_nested():
        c = Slot.__table__.c
        changed = await sc.session.execute(
            update(Slot.__table__)
            .where(c.session_id == view.row.id, c.booked <= seats)
            .values(
                capacity=seats,
                priority_seats=case((c.priority_seats > seats, seats), else_=c.priority_seats),
            )
        )
        if rowcount(changed) != len(view.slots):  # a seat was taken a moment ago
            raise Refused("schedule.seat_taken_meanwhile")
        promoted = 0
        for slot in view.slots:
            while await booking_service.promote(sc.session, slot.id, sc.now(), places_of(sc)):
                promoted += 1
        await record(
            sc,
            "session.capacity",
            f"session:{view.row.id}",
            {"seats_per_slot": before},
            {"seats_per_slot": seats, "waitlist_promoted": promoted},
            view.row.unit_id,
        )
    return Outcome(1, promoted=promoted, session_ids=[view.row.id])
