"""What an officer can change in the schedule of their support points: list the coming
sessions, add a session, cancel one with a reason, change its seats, close a point for some
days (moving one to another time or place: bot/schedule/moving.py).

Every function first authorises the person server-side (`require_unit` for the unit of the
session or point; `NotAllowed` otherwise), then changes rows inside a savepoint of the
message's transaction and writes its audit entry there too: a refusal (`Refused`) or a
failure leaves nothing behind. Bookers and waiting people are told through the outbox.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import case, func, select, update

from bot.booking import capacity, texts
from bot.booking import service as booking_service
from bot.db import rowcount
from bot.db.booking_models import Booking, BookingSession, Slot, WaitlistEntry
from bot.i18n import N_, _, ngettext
from bot.officers import audit
from bot.officers.roles import can_act_on_unit, require_officer, require_unit
from bot.points.model import Places, Point
from bot.schedule import notices, placing
from bot.schedule.errors import Refused
from bot.schedule.placing import Shape, at, local_day

if TYPE_CHECKING:
    from bot.ctx import Ctx

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


def places_of(ctx: Ctx) -> Places:
    places = ctx.services.get("places")
    if places is None:
        raise Refused(_("There are no support points loaded, so I did nothing."))
    return places


def _point(ctx: Ctx, point_id: str) -> Point:
    point = places_of(ctx).points.get(point_id)
    if point is None:
        raise Refused(_("I don't know that support point, so I did nothing."))
    return point


async def point_for(ctx: Ctx, point_id: str) -> Point:
    """The point, if this person may act for its unit."""
    point = _point(ctx, point_id)
    await require_unit(ctx, point.unit)
    return point


async def my_points(ctx: Ctx) -> list[Point]:
    """The support points of the units this officer serves (every point for an admin)."""
    officer = await require_officer(ctx)
    places = ctx.services.get("places")
    if places is None:
        return []
    return [p for p in places.points.values() if can_act_on_unit(officer, p.unit)]


async def session_for(ctx: Ctx, session_id: int) -> SessionView:
    """The session with its slots, if this person may act for its unit."""
    row = await ctx.session.get(BookingSession, session_id, populate_existing=True)
    if row is None:
        raise Refused(_("I could not find that session, so I did nothing."))
    await require_unit(ctx, row.unit_id)
    slots = await placing.slots_of(ctx.session, row.id)
    waiting = (
        await ctx.session.scalar(
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


async def upcoming(ctx: Ctx, point_id: str, days: int = LIST_DAYS) -> list[SessionView]:
    """The point's sessions not yet over, from today through `days` days (cancelled and
    moved ones too, so the officer sees what was changed)."""
    point = await point_for(ctx, point_id)
    now = ctx.now()
    rows = (
        await ctx.session.scalars(
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
            await ctx.session.scalars(
                select(Slot).where(Slot.session_id.in_(list(slots))).order_by(Slot.starts_at)
            )
        ).all():
            slots[slot.session_id].append(slot)
    return [SessionView(r, slots[r.id]) for r in rows]


def not_changeable(view: SessionView, now: datetime) -> None:
    if view.row.status == "cancelled":
        raise Refused(_("This session is already cancelled, so I did nothing."))
    if view.row.status != "open":
        raise Refused(_("This session has already been moved, so I did nothing."))
    if view.row.starts_at <= now:
        raise Refused(_("This session has already started, so it cannot be changed."))


async def record(ctx: Ctx, action: str, target: str, before, after, unit_id: str) -> str:
    """Audit the action in this transaction; its entry id keys the messages it causes."""
    entry = await audit.record_for(ctx, action, target, before, after, unit_id=unit_id)
    await ctx.session.flush()
    return str(entry.id)


# --- add -----------------------------------------------------------------------------------


def check_shape(shape: Shape) -> None:
    """The same rules as the points files (bot/points/loader.py)."""
    length = (shape.end.hour * 60 + shape.end.minute) - (
        shape.start.hour * 60 + shape.start.minute
    )
    if length <= 0:
        raise Refused(
            _("The end must be after the start ({start}).", start=shape.start.strftime("%H:%M"))
        )
    if not 5 <= shape.slot_minutes <= 240 or length % shape.slot_minutes:
        raise Refused(
            _(
                "{m} minutes do not divide {start}–{end} into whole time slots.",
                m=shape.slot_minutes,
                start=shape.start.strftime("%H:%M"),
                end=shape.end.strftime("%H:%M"),
            )
        )
    if not 1 <= shape.seats <= 500:
        raise Refused(_("Seats per time slot must be from 1 to 500."))
    if not 0 <= shape.priority_seats <= shape.seats:
        raise Refused(
            _("Priority seats must be from 0 to {n} (the seats per time slot).", n=shape.seats)
        )


async def no_clash(
    ctx: Ctx,
    point_id: str,
    starts_at: datetime,
    ends_at: datetime,
    ignore: Set[int] = frozenset(),
) -> None:
    found = await placing.clashes(
        ctx.session, places_of(ctx), point_id, starts_at, ends_at, ctx.config.tz, ignore=ignore
    )
    if found:
        raise Refused(
            _(
                "That overlaps the session at {when} at this point. Please choose another time.",
                when=_moment(found[0]),
            )
        )


def _moment(dt: datetime) -> str:
    return texts.moment(dt)


async def check_free(ctx: Ctx, point_id: str, day: date, start: time, end: time) -> None:
    """Refused when a new session then would be in the past or overlap another."""
    starts_at, ends_at = at(day, start, ctx.config.tz), at(day, end, ctx.config.tz)
    if starts_at <= ctx.now():
        raise Refused(_("That time has already passed. Please choose a later one."))
    await no_clash(ctx, point_id, starts_at, ends_at)


async def add_session(ctx: Ctx, shape: Shape) -> BookingSession:
    point = await point_for(ctx, shape.point_id)
    check_shape(shape)
    planned = shape.scheduled(ctx.config.tz)
    await check_free(ctx, point.id, shape.day, shape.start, shape.end)
    async with ctx.session.begin_nested():
        row = await placing.place(ctx.session, point.unit, planned, ctx.now())
        await record(
            ctx,
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


async def affected(ctx: Ctx, session_ids: list[int]) -> tuple[int, int]:
    """(confirmed bookings, people waiting) of these sessions: for a preview."""
    if not session_ids:
        return 0, 0
    slot_ids = select(Slot.id).where(Slot.session_id.in_(session_ids))
    bookings = await ctx.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.slot_id.in_(slot_ids), Booking.status == "confirmed")
    )
    waiting = await ctx.session.scalar(
        select(func.count())
        .select_from(WaitlistEntry)
        .where(WaitlistEntry.slot_id.in_(slot_ids), WaitlistEntry.status == "waiting")
    )
    return bookings or 0, waiting or 0


async def cancel_rows(ctx: Ctx, rows: list[BookingSession], reason: str | None) -> Cancelled:
    """Cancel the sessions, their bookings (seats freed) and waitlists; nobody told yet."""
    now, done = ctx.now(), Cancelled()
    for row in rows:
        claimed = await ctx.session.execute(
            update(BookingSession)
            .where(BookingSession.id == row.id, BookingSession.status == "open")
            .values(status="cancelled", note=reason)
        )
        if rowcount(claimed) != 1:  # another officer changed it a moment ago
            raise Refused(
                _(
                    "This session was changed by someone else a moment ago. Please "
                    "look at it again."
                )
            )
        await ctx.session.execute(
            update(Slot).where(Slot.session_id == row.id).values(status="cancelled")
        )
    ids = [r.id for r in rows]
    found = (
        await ctx.session.execute(
            select(Booking, Slot)
            .join(Slot, Booking.slot_id == Slot.id)
            .where(Slot.session_id.in_(ids), Booking.status == "confirmed")
            .order_by(Slot.starts_at, Booking.id)
        )
    ).all()
    for booking, slot in found:
        if await booking_service.cancel(ctx.session, booking, now, places_of(ctx)):
            done.bookings.append((booking, slot))
    waiting = (
        await ctx.session.execute(
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


async def _offers(ctx: Ctx, point_id: str, priority: bool) -> list[Slot]:
    """The first free time of each of the next days at the point, for this kind of visitor."""
    now, tz = ctx.now(), ctx.config.tz
    slots = (
        await ctx.session.scalars(
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


async def tell_cancelled(ctx: Ctx, done: Cancelled, change: notices.Change) -> None:
    """One message to each booker of the cancelled visits, one to each person waiting."""
    places = places_of(ctx)
    people = [b.user_id for b, _s in done.bookings] + [e.user_id for e, _s in done.entries]
    locales = await notices.locales_of(ctx.session, people)
    offers: dict[tuple[str, bool], list[Slot]] = {}
    visits = []
    for booking, slot in done.bookings:
        key = (booking.point_id, booking.priority_seat)
        if key not in offers:
            offers[key] = await _offers(ctx, *key)
        visits.append(notices.CancelledVisit(booking, slot, offers[key]))
    for group in by_recipient(visits, lambda v: v.booking):
        first = group[0].booking
        add_message(
            ctx,
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
            ctx,
            notices.waitlist_cancelled(
                group,
                places.points.get(slot.point_id),
                locales.get(entry.user_id) or entry.locale,
                change,
            ),
        )


def add_message(ctx: Ctx, message) -> None:
    if message is not None:
        ctx.session.add(message)


async def cancel_session(ctx: Ctx, session_id: int, reason: str) -> Outcome:
    view = await session_for(ctx, session_id)
    not_changeable(view, ctx.now())
    async with ctx.session.begin_nested():
        done = await cancel_rows(ctx, [view.row], reason)
        key = await record(
            ctx,
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
        await tell_cancelled(ctx, done, notices.Change(key, reason, ctx.now()))
    return Outcome(1, len(done.bookings), len(done.entries), session_ids=[view.row.id])


async def sessions_between(ctx: Ctx, point_id: str, first: date, last: date) -> list[int]:
    """Open sessions of the point on local days `first`..`last` not yet started (the point's
    file is written out up to `last` first, so days beyond the usual horizon count too)."""
    point = await point_for(ctx, point_id)
    tz, now = ctx.config.tz, ctx.now()
    await placing.materialise_until(ctx.session, places_of(ctx), point.id, last, now, tz)
    start = max(at(first, time(0), tz), now)
    end = at(last + timedelta(days=1), time(0), tz)
    return list(
        (
            await ctx.session.scalars(
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


async def close_preview(ctx: Ctx, point_id: str, first: date, last: date) -> tuple[int, int, int]:
    """(sessions, bookings, people waiting) that closing these days would cancel; whatever
    had to be written to count them (the file's far sessions) is rolled back."""
    async with ctx.session.begin_nested() as savepoint:
        ids = await sessions_between(ctx, point_id, first, last)
        bookings, waiting = await affected(ctx, ids)
        await savepoint.rollback()
    return len(ids), bookings, waiting


async def close_point(ctx: Ctx, point_id: str, first: date, last: date, reason: str) -> Outcome:
    """Cancel every session of the point from `first` to `last` (Hanoi days) with a reason."""
    point = await point_for(ctx, point_id)
    if last < first:
        raise Refused(_("The last day is before the first day. Please type them again."))
    async with ctx.session.begin_nested():
        ids = await sessions_between(ctx, point.id, first, last)
        if not ids:
            raise Refused(
                _("There is no session at this point on those days, so there is nothing to close.")
            )
        rows = [await ctx.session.get_one(BookingSession, i) for i in ids]
        done = await cancel_rows(ctx, rows, reason)
        key = await record(
            ctx,
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
        await tell_cancelled(ctx, done, notices.Change(key, reason, ctx.now()))
    return Outcome(len(ids), len(done.bookings), len(done.entries), session_ids=ids)


# --- capacity ------------------------------------------------------------------------------


def booked_floor(view: SessionView) -> tuple[int, Slot | None]:
    """The most seats booked in any one time slot, and that slot."""
    fullest = max(view.slots, key=lambda s: s.booked, default=None)
    return (fullest.booked if fullest else 0), fullest


def below_floor(view: SessionView, seats: int) -> str | None:
    floor, fullest = booked_floor(view)
    if seats >= floor or fullest is None:
        return None
    return ngettext(
        "{n} seat is already booked at {time}, so the seats per time slot cannot go below {n}.",
        "{n} seats are already booked at {time}, so the seats per time slot cannot go below {n}.",
        floor,
        time=_moment(fullest.starts_at),
    )


async def change_capacity(ctx: Ctx, session_id: int, seats: int) -> Outcome:
    """Set the seats of every time slot of the session, never below what is booked; people
    waiting get the new seats."""
    view = await session_for(ctx, session_id)
    not_changeable(view, ctx.now())
    if not 1 <= seats <= 500:
        raise Refused(_("Seats per time slot must be from 1 to 500."))
    if problem := below_floor(view, seats):
        raise Refused(problem)
    before = view.seats_per_slot
    async with ctx.session.begin_nested():
        c = Slot.__table__.c
        changed = await ctx.session.execute(
            update(Slot.__table__)
            .where(c.session_id == view.row.id, c.booked <= seats)
            .values(
                capacity=seats,
                priority_seats=case((c.priority_seats > seats, seats), else_=c.priority_seats),
            )
        )
        if rowcount(changed) != len(view.slots):  # a seat was taken a moment ago
            raise Refused(_("A seat was booked a moment ago. Please try again."))
        promoted = 0
        for slot in view.slots:
            while await booking_service.promote(ctx.session, slot.id, ctx.now(), places_of(ctx)):
                promoted += 1
        await record(
            ctx,
            "session.capacity",
            f"session:{view.row.id}",
            {"seats_per_slot": before},
            {"seats_per_slot": seats, "waitlist_promoted": promoted},
            view.row.unit_id,
        )
    return Outcome(1, promoted=promoted, session_ids=[view.row.id])
