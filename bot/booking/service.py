"""Booking operations, each inside the caller's transaction: book a seat, join the waitlist,
cancel (promoting the first person waiting), move to another slot, ask for a home visit.

Seats are only taken through bot/booking/capacity.py; status changes are conditional UPDATEs
checked by row count, so a double tap or two processes never cancel or promote twice.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import capacity, notices
from bot.booking.codes import new_code
from bot.db import rowcount
from bot.db.booking_models import Booking, HomeVisitRequest, OutboxMessage, Slot, WaitlistEntry
from bot.points.model import Places, Point

log = logging.getLogger(__name__)
PRIORITY_GROUPS = ("aged60", "disability", "poor")
NEEDS = ("wheelchair", "hearing", "sight")
HELP_TOPICS = ("vneid", "dvc", "ihanoi", "basics", "other")
_CODE_ATTEMPTS = 8


class BookingError(Exception):
    """A booking operation that cannot be done (e.g. no unused code could be found)."""


@dataclass(frozen=True, slots=True)
class Booker:
    """Who books, and where the bot reaches them later."""

    user_id: int
    channel: str
    chat_id: str
    locale: str


@dataclass(slots=True)
class Details:
    """What a booking records about the visit and the visitor."""

    for_self: bool
    name: str
    phone: str  # E.164
    help_topic: str
    help_note: str | None = None
    priority: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    consent: bool = False
    # The needs the point does not meet (or does not say it meets), booked anyway: for the
    # officers (bot/booking/access.py); set by the service, never typed by a person.
    access_note: str | None = None

    @property
    def priority_seat(self) -> bool:
        return bool(self.priority)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Details:
        return cls(**{k: data[k] for k in cls.__slots__ if k in data})


async def book(
    session: AsyncSession, slot_id: int, booker: Booker, details: Details, now: datetime
) -> Booking | None:
    """A confirmed booking, or None when the slot has no seat for this visitor."""
    if not await capacity.take_seat(session, slot_id, priority=details.priority_seat, now=now):
        return None
    slot = await session.get_one(Slot, slot_id)
    return await _insert_booking(session, slot, booker, details, now)


async def _insert_booking(
    session: AsyncSession, slot: Slot, booker: Booker, details: Details, now: datetime
) -> Booking:
    values = dict(
        slot_id=slot.id,
        point_id=slot.point_id,
        user_id=booker.user_id,
        channel=booker.channel,
        chat_id=booker.chat_id,
        locale=booker.locale,
        for_self=details.for_self,
        visitor_name=details.name,
        phone=details.phone,
        help_topic=details.help_topic,
        help_note=details.help_note,
        priority=list(details.priority),
        needs=list(details.needs),
        priority_seat=details.priority_seat,
        consent=details.consent,
        access_note=details.access_note,
        status="confirmed",
        created_at=now,
        updated_at=now,
        cancelled_at=None,
        purged_at=None,
    )
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    for _ in range(_CODE_ATTEMPTS):
        # A code already taken inserts nothing (no error, no savepoint): draw another.
        stmt = (
            insert(Booking)
            .values(code=new_code(), **values)
            .on_conflict_do_nothing(index_elements=["code"])
            .returning(Booking)
        )
        booking = (await session.scalars(stmt)).one_or_none()
        if booking is not None:
            log.info("booking %s confirmed: slot=%s", booking.code, slot.id)
            return booking
    raise BookingError("no unused booking code found")


async def join_waitlist(
    session: AsyncSession, slot_id: int, booker: Booker, details: Details, now: datetime
) -> int:
    """Put the visitor in line for the slot (once per booker and visitor); return their place
    in the line (1 = next)."""
    line = (
        await session.scalars(
            select(WaitlistEntry)
            .where(WaitlistEntry.slot_id == slot_id, WaitlistEntry.status == "waiting")
            .order_by(WaitlistEntry.id)
        )
    ).all()
    for place, entry in enumerate(line, start=1):
        if entry.user_id == booker.user_id and entry.details.get("name") == details.name:
            return place
    session.add(
        WaitlistEntry(
            slot_id=slot_id,
            user_id=booker.user_id,
            channel=booker.channel,
            chat_id=booker.chat_id,
            locale=booker.locale,
            details=details.to_json(),
            priority_seat=details.priority_seat,
            status="waiting",
            booking_id=None,
            created_at=now,
            updated_at=now,
        )
    )
    return len(line) + 1


async def own_booking(
    session: AsyncSession, booking_id: int, user_id: int, *, lock: bool = False
) -> Booking | None:
    """The booking if this user made it; None for anyone else's (or no such booking)."""
    query = select(Booking).where(Booking.id == booking_id, Booking.user_id == user_id)
    if lock and session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def cancel(
    session: AsyncSession, booking: Booking, now: datetime, places: Places | None = None
) -> bool:
    """Cancel a confirmed booking, free its seat and promote the first person waiting.
    False when it was no longer confirmed (already cancelled, a second tap)."""
    result = await session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == "confirmed")
        .values(
            status="cancelled",
            cancelled_at=now,
            updated_at=now,
            ics_sequence=Booking.ics_sequence + 1,  # the calendar file that removes it
        )
    )
    if rowcount(result) != 1:
        return False
    await session.refresh(booking, ["status", "cancelled_at", "updated_at", "ics_sequence"])
    await capacity.release_seat(session, booking.slot_id, priority=booking.priority_seat)
    await _drop_pending_messages(session, booking.id)
    log.info("booking %s cancelled", booking.code)
    await promote(session, booking.slot_id, now, places)
    return True


async def move(
    session: AsyncSession,
    booking: Booking,
    new_slot_id: int,
    now: datetime,
    places: Places | None = None,
) -> bool:
    """Move a confirmed booking to another slot of the same point, keeping its code: the new
    seat is taken and the old one freed in one transaction. False when the new slot has no
    seat for this visitor (nothing changes then)."""
    new_slot = await session.get(Slot, new_slot_id)
    if (
        booking.status != "confirmed"
        or new_slot is None
        or new_slot_id == booking.slot_id
        or new_slot.point_id != booking.point_id
    ):
        return False
    old_slot_id = booking.slot_id
    await capacity.lock_slots(session, old_slot_id, new_slot_id)
    if not await capacity.take_seat(session, new_slot_id, priority=booking.priority_seat, now=now):
        return False
    await capacity.release_seat(session, old_slot_id, priority=booking.priority_seat)
    booking.slot_id = new_slot_id
    booking.updated_at = now
    booking.ics_sequence += 1  # the calendar file of the new time replaces the old
    await _drop_pending_messages(session, booking.id)
    log.info("booking %s moved: slot %s -> %s", booking.code, old_slot_id, new_slot_id)
    await promote(session, old_slot_id, now, places)
    return True


async def _drop_pending_messages(session: AsyncSession, booking_id: int) -> None:
    """Queued messages about a booking (reminders) no longer fit once it is cancelled or
    moved; the reminders feature queues new ones for the new time."""
    await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.booking_id == booking_id, OutboxMessage.status == "pending"
        )
    )


def _point(places: Places | None, point_id: str) -> Point | None:
    return places.points.get(point_id) if places is not None else None


async def promote(
    session: AsyncSession, slot_id: int, now: datetime, places: Places | None = None
) -> Booking | None:
    """Give a free seat of the slot to the first person waiting who may take it (a seat still
    held for priority visitors goes to the first priority visitor in line). The promoted
    person's booking is confirmed and a pending outbox message tells them."""
    slot = await session.get(Slot, slot_id, populate_existing=True)
    if slot is None:
        return None
    general_room = not capacity.room(slot, priority=False, now=now).full
    if capacity.room(slot, priority=True, now=now).full:
        return None
    waiting = (
        (
            await session.execute(
                select(WaitlistEntry)
                .where(WaitlistEntry.slot_id == slot_id, WaitlistEntry.status == "waiting")
                .order_by(WaitlistEntry.id)
            )
        )
        .scalars()
        .all()
    )
    for entry in waiting:
        if not (entry.priority_seat or general_room):
            continue
        if entry.user_id is None:  # the person is gone (privacy erases their places first)
            continue
        booking = await _promote_entry(session, entry, slot, now)
        if booking is None:
            return None
        message = notices.promoted(booking, slot, _point(places, slot.point_id), now)
        if message is not None:
            session.add(message)
        return booking
    return None


async def _promote_entry(
    session: AsyncSession, entry: WaitlistEntry, slot: Slot, now: datetime
) -> Booking | None:
    claimed = await session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.id == entry.id, WaitlistEntry.status == "waiting")
        .values(status="promoted", updated_at=now)
    )
    if rowcount(claimed) != 1:
        return None  # another process promoted them a moment ago
    if not await capacity.take_seat(session, slot.id, priority=entry.priority_seat, now=now):
        entry.status = "waiting"  # the seat went to someone else meanwhile
        return None
    assert entry.user_id is not None  # entries without a person are skipped above
    booker = Booker(entry.user_id, entry.channel, entry.chat_id or "", entry.locale)
    booking = await _insert_booking(session, slot, booker, Details.from_json(entry.details), now)
    await session.flush()
    entry.booking_id = booking.id
    entry.details = {}  # the personal data now lives in the booking only
    log.info("waitlist entry %s promoted to booking %s", entry.id, booking.code)
    return booking


async def request_home_visit(
    session: AsyncSession,
    *,
    unit_id: str,
    point_id: str | None,
    booker: Booker,
    details: Details,
    address: str,
    days: list[int],
    now: datetime,
) -> HomeVisitRequest:
    request = HomeVisitRequest(
        code=await _unused_code(session),
        unit_id=unit_id,
        point_id=point_id,
        user_id=booker.user_id,
        channel=booker.channel,
        chat_id=booker.chat_id,
        locale=booker.locale,
        for_self=details.for_self,
        visitor_name=details.name,
        phone=details.phone,
        address=address,
        preferred_days=sorted(days),
        help_topic=details.help_topic,
        help_note=details.help_note,
        priority=list(details.priority),
        needs=list(details.needs),
        consent=details.consent,
        status="new",
        assigned_to=None,
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    await session.flush()
    log.info("home visit request %s (%s) for unit %s", request.id, request.code, unit_id)
    return request


async def _unused_code(session: AsyncSession) -> str:
    """A code no booking and no home-visit request has (a citizen sees both kinds in one
    list, so one code names one thing)."""
    for _ in range(_CODE_ATTEMPTS):
        code = new_code()
        taken = await session.scalar(
            select(Booking.id)
            .where(Booking.code == code)
            .union_all(select(HomeVisitRequest.id).where(HomeVisitRequest.code == code))
        )
        if taken is None:
            return code
    raise BookingError("no unused code found")
