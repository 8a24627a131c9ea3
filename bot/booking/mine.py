"""A person's own bookings, as a service: the upcoming visits and waitlist places of the actor's
account, cancelling, moving to another time (same code), leaving a waitlist, and the answers to
a schedule-change message ("still fine", book a time offered instead).

Every function checks that the booking or waitlist place is the actor's own, and still in the
state the request is about: anyone else's id, a forged or a stale one is refused with
`Refused` and changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.booking import capacity, notices, queries, service
from bot.db import rowcount
from bot.db.booking_models import Booking, HomeVisitRequest, Slot, WaitlistEntry
from bot.db.models import User
from bot.db.reminder_models import VisitConfirmation
from bot.i18n import N_
from bot.schedule import answers
from bot.services.context import ServiceContext
from bot.services.errors import Refused
from bot.services.messages import define

DAYS_AHEAD = 14  # how far ahead another time is offered

define(
    "mine.not_found",
    N_("I could not find that visit among your bookings, so I did nothing."),
)
define("mine.cancelled", N_("This visit was cancelled, so I did nothing."))
define("mine.over", N_("This visit is over, so I did nothing."))
define("mine.slot_full", N_("Sorry, that time has just filled up. Your visit stays as it was."))
define(
    "mine.not_waiting",
    N_("You are no longer on this waitlist: if a seat came free, it is in your bookings."),
)
define(
    "mine.offer_gone",
    N_(
        "That time can no longer be booked from this message: it was taken, "
        "or another time is already booked. You can book a visit again."
    ),
)
define("mine.home_visit_done", N_("This home visit is already done, so I did nothing."))
define(
    "mine.offer_full",
    N_("Sorry, that time has just filled up. Please choose another time."),
)


def _user_id(sc: ServiceContext) -> int:
    if sc.actor.user_id is None:  # bookings belong to a channel account
        raise Refused("mine.not_found")
    return sc.actor.user_id


async def upcoming(
    sc: ServiceContext,
) -> tuple[list[tuple[Booking, Slot]], list[tuple[WaitlistEntry, Slot]]]:
    """The actor's upcoming visits and waitlist places, soonest first."""
    user_id, now = _user_id(sc), sc.now()
    return (
        await queries.upcoming_bookings(sc.session, user_id, now),
        await queries.waiting(sc.session, user_id, now),
    )


async def own(sc: ServiceContext, booking_id: int, *, lock: bool = False) -> tuple[Booking, Slot]:
    """The actor's booking with its slot, whatever its state."""
    booking = await service.own_booking(sc.session, booking_id, _user_id(sc), lock=lock)
    if booking is None:
        raise Refused("mine.not_found")
    slot = await sc.session.get(Slot, booking.slot_id)
    assert slot is not None  # a booking's slot is never deleted
    return booking, slot


def is_upcoming(sc: ServiceContext, booking: Booking, slot: Slot) -> bool:
    return booking.status == "confirmed" and slot.starts_at > sc.now()


async def own_upcoming(
    sc: ServiceContext, booking_id: int, *, lock: bool = False
) -> tuple[Booking, Slot]:
    """The actor's booking, if it is still to come."""
    booking, slot = await own(sc, booking_id, lock=lock)
    if not is_upcoming(sc, booking, slot):
        raise Refused("mine.cancelled" if booking.status == "cancelled" else "mine.over")
    return booking, slot


async def will_come(sc: ServiceContext, booking_id: int) -> tuple[Booking, Slot]:
    """ "I'll come" under a reminder: recorded once for the actor's upcoming visit."""
    booking, slot = await own_upcoming(sc, booking_id)
    insert = sqlite_insert if sc.session.get_bind().dialect.name == "sqlite" else pg_insert
    await sc.session.execute(
        insert(VisitConfirmation)
        .values(booking_id=booking.id, confirmed_at=sc.now())
        .on_conflict_do_nothing(index_elements=["booking_id"])
    )
    return booking, slot


async def cancel(sc: ServiceContext, booking_id: int) -> tuple[Booking, Slot]:
    """Cancel the actor's upcoming visit; the seat goes to the first person waiting."""
    booking, slot = await own_upcoming(sc, booking_id, lock=True)
    await service.cancel(sc.session, booking, sc.now(), sc.places)
    return booking, slot


async def free_slots(sc: ServiceContext, booking_id: int) -> tuple[Booking, Slot, list[Slot]]:
    """The other times of the same point in the next DAYS_AHEAD days with a seat for this
    visitor (a priority seat for a priority visitor)."""
    booking, slot = await own_upcoming(sc, booking_id)
    now = sc.now()
    slots = await queries.slots_between(
        sc.session, booking.point_id, now, now + timedelta(days=DAYS_AHEAD)
    )
    free = [
        s
        for s in slots
        if s.id != slot.id and not capacity.room(s, priority=booking.priority_seat, now=now).full
    ]
    return booking, slot, free


async def new_slot_for(sc: ServiceContext, booking: Booking, slot_id: int) -> Slot:
    """A slot the booking may move to: one of the same point."""
    new_slot = await sc.session.get(Slot, slot_id)
    if new_slot is None or new_slot.point_id != booking.point_id:
        raise Refused("mine.not_found")
    return new_slot


async def move(sc: ServiceContext, booking_id: int, slot_id: int) -> tuple[Booking, Slot]:
    """Move the actor's upcoming visit to another time of the same point, keeping its code;
    Refused("mine.slot_full") when that time has no seat now (nothing changes)."""
    booking, _slot = await own_upcoming(sc, booking_id, lock=True)
    # Another point's slot, a full one: service.move changes nothing and says so.
    if not await service.move(sc.session, booking, slot_id, sc.now(), sc.places):
        raise Refused("mine.slot_full")
    new_slot = await sc.session.get(Slot, slot_id, populate_existing=True)
    assert new_slot is not None
    return booking, new_slot


async def own_entry(sc: ServiceContext, entry_id: int) -> tuple[WaitlistEntry, Slot]:
    """The actor's place on a waitlist, still waiting."""
    entry = await sc.session.get(WaitlistEntry, entry_id)
    if entry is None or entry.user_id != _user_id(sc) or entry.status != "waiting":
        raise Refused("mine.not_found")
    slot = await sc.session.get(Slot, entry.slot_id)
    assert slot is not None
    return entry, slot


async def leave_waitlist(sc: ServiceContext, entry_id: int) -> None:
    entry = await sc.session.get(WaitlistEntry, entry_id)
    if entry is None or entry.user_id != _user_id(sc):
        raise Refused("mine.not_found")
    # Conditional, so a promotion committed a moment ago is never undone.
    left = await sc.session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.id == entry.id, WaitlistEntry.status == "waiting")
        .values(status="left", details={}, updated_at=sc.now())
    )
    if rowcount(left) != 1:
        raise Refused("mine.not_waiting")


async def still_fine(sc: ServiceContext, booking_id: int) -> tuple[Booking, Slot]:
    """Record "the new time is still fine" for the actor's moved visit."""
    booking = await answers.acknowledge(sc.session, booking_id, _user_id(sc), sc.now())
    if booking is None:
        raise Refused("mine.not_found")
    slot = await sc.session.get(Slot, booking.slot_id)
    assert slot is not None
    return booking, slot


async def rebook_offer(sc: ServiceContext, booking_id: int, slot_id: int) -> tuple[Booking, Slot]:
    """The actor's cancelled visit and a time offered instead, if it may still be booked."""
    found = await answers.rebook_offer(sc.session, booking_id, slot_id, _user_id(sc), sc.now())
    if found is None:
        raise Refused("mine.offer_gone")
    return found


async def rebook(
    sc: ServiceContext, booking_id: int, slot_id: int, reply_to: tuple[str, str, str]
) -> tuple[Booking, Slot]:
    """Book the offered time with the cancelled visit's details; `reply_to` is (channel, chat
    id, locale) where reminders go."""
    booking, slot = await rebook_offer(sc, booking_id, slot_id)
    booker = service.Booker(_user_id(sc), *reply_to)
    new = await answers.rebook(sc.session, booking, slot, booker, sc.now())
    if new is None:
        raise Refused("mine.offer_full")
    return new, slot


# --- home-visit requests -------------------------------------------------------------------

HOME_OPEN = ("new", "assigned")


async def home_visits(sc: ServiceContext) -> list[HomeVisitRequest]:
    """The actor's home-visit requests not yet done or cancelled, oldest first."""
    return list(
        (
            await sc.session.scalars(
                select(HomeVisitRequest)
                .where(
                    HomeVisitRequest.user_id == _user_id(sc),
                    HomeVisitRequest.status.in_(HOME_OPEN),
                )
                .order_by(HomeVisitRequest.created_at, HomeVisitRequest.id)
            )
        ).all()
    )


async def own_home_visit(sc: ServiceContext, request_id: int) -> HomeVisitRequest:
    """The actor's home-visit request, whatever its state."""
    request = await sc.session.get(HomeVisitRequest, request_id, populate_existing=True)
    if request is None or request.user_id != _user_id(sc):
        raise Refused("mine.not_found")
    return request


async def cancel_home_visit(sc: ServiceContext, request_id: int) -> HomeVisitRequest:
    """Cancel the actor's home-visit request while no visit has been made; an officer who
    had taken it no longer sees it in the queue and is told (through the outbox)."""
    request = await own_home_visit(sc, request_id)
    if request.status == "cancelled":
        raise Refused("mine.cancelled")
    if request.status == "done":
        raise Refused("mine.home_visit_done")
    # Conditional, so an officer's "done" a moment ago is never undone.
    done = await sc.session.execute(
        update(HomeVisitRequest)
        .where(HomeVisitRequest.id == request.id, HomeVisitRequest.status.in_(HOME_OPEN))
        .values(status="cancelled", updated_at=sc.now())
    )
    if rowcount(done) != 1:
        raise Refused("mine.home_visit_done")
    await sc.session.refresh(request)
    if request.assigned_to is not None:
        officer = await sc.session.get(User, request.assigned_to)
        if officer is not None:
            sc.session.add(notices.home_visit_cancelled(request, officer, sc.now()))
    return request
