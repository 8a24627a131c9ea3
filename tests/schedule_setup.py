"""Helpers for the officers' schedule and daily-work tests: a core with officers of two units
and an admin, the sample points open for booking, citizens and their bookings made directly
(the booking dialog has its own tests), and what the outbox holds.

    officer = officer_chat(core, HOAN_KIEM)          # speaks English
    lan = await citizen(core, "501", locale="vi")
    booking = await book(core, lan, "hk-1", MONDAY, "08:30", name="Nguyễn Thị Lan")
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.booking import service
from bot.core import Core
from bot.db.booking_models import Booking, BookingSession, OutboxMessage, Slot, WaitlistEntry
from bot.db.models import User
from bot.db.officer_models import AuditEntry
from tests.booking_flow import slot_at
from tests.chat import Chat

ADMIN, HOAN_KIEM, CAU_GIAY = "900", "100", "200"
OFFICERS = {
    "officers__admins": [ADMIN],
    "officers__officers": [f"{HOAN_KIEM}:hoan-kiem", f"{CAU_GIAY}:cau-giay"],
}


def officer_chat(core: Core, who: str) -> Chat:
    return Chat(core, user_id=who, channel="telegram", language="en")


async def citizen(core: Core, external_id: str, locale: str | None = "vi") -> int:
    now = core.clock.now()
    async with core.db.transaction() as session:
        user = User(
            channel="telegram",
            external_id=external_id,
            locale=locale,
            created_at=now,
            last_seen_at=now,
        )
        session.add(user)
        await session.flush()
        return user.id


async def book(
    core: Core,
    user_id: int,
    point_id: str,
    day: date,
    hh_mm: str,
    *,
    name: str = "Nguyễn Thị Lan",
    phone: str = "+84912345678",
    priority: tuple[str, ...] = (),
    locale: str = "vi",
    for_self: bool = False,
) -> Booking:
    slot = await slot_at(core, point_id, day, hh_mm)
    booker = service.Booker(user_id, "telegram", f"chat-{user_id}", locale)
    details = service.Details(
        for_self=for_self,
        name=name,
        phone=phone,
        help_topic="vneid",
        priority=list(priority),
        needs=["wheelchair"],
        consent=True,
    )
    async with core.db.transaction() as session:
        booking = await service.book(session, slot.id, booker, details, core.clock.now())
    assert booking is not None, "the slot had a seat"
    return booking


async def wait_for(
    core: Core, user_id: int, point_id: str, day: date, hh_mm: str, locale: str = "vi"
) -> None:
    slot = await slot_at(core, point_id, day, hh_mm)
    booker = service.Booker(user_id, "telegram", f"chat-{user_id}", locale)
    details = service.Details(
        for_self=True, name="Đỗ Thị Mai", phone="+84912000111", help_topic="dvc", consent=True
    )
    async with core.db.transaction() as session:
        await service.join_waitlist(session, slot.id, booker, details, core.clock.now())


async def set_seats(
    core: Core, point_id: str, day: date, hh_mm: str, seats: int, priority: int = 0
) -> None:
    """Make one slot small (to fill it up in a test)."""
    slot_id = (await slot_at(core, point_id, day, hh_mm)).id
    async with core.db.transaction() as session:
        slot = await session.get(Slot, slot_id)
        slot.capacity, slot.priority_seats = seats, priority


async def all_rows(core: Core, model, *where, order=None) -> list:
    async with core.db.transaction() as session:
        query = select(model).where(*where).order_by(order if order is not None else model.id)
        return list((await session.scalars(query)).all())


async def outbox(core: Core) -> list[OutboxMessage]:
    """The messages queued (the calendar files that follow them: `calendar_files`)."""
    return [m for m in await all_rows(core, OutboxMessage) if not m.kind.startswith("calendar")]


async def calendar_files(core: Core) -> list[OutboxMessage]:
    """The calendar files queued after a schedule change (bot/booking/calendar.py)."""
    return [m for m in await all_rows(core, OutboxMessage) if m.kind.startswith("calendar")]


async def audits(core: Core, action: str | None = None) -> list[AuditEntry]:
    rows = await all_rows(core, AuditEntry)
    return [r for r in rows if action is None or r.action == action]


async def snapshot(core: Core) -> tuple:
    """Everything a schedule action may change, to prove a refused one changed nothing."""
    sessions = [
        (s.id, s.point_id, s.starts_at, s.status, s.note)
        for s in await all_rows(core, BookingSession)
    ]
    slots = [
        (s.id, s.session_id, s.capacity, s.booked, s.status) for s in await all_rows(core, Slot)
    ]
    bookings = [
        (b.id, b.slot_id, b.status, b.schedule_ack_at) for b in await all_rows(core, Booking)
    ]
    waiting = [(w.id, w.slot_id, w.status) for w in await all_rows(core, WaitlistEntry)]
    return (sessions, slots, bookings, waiting, len(await outbox(core)), len(await audits(core)))


async def session_at(core: Core, point_id: str, day: date, hh_mm: str = "08:00") -> BookingSession:
    slot = await slot_at(core, point_id, day, hh_mm)
    async with core.db.transaction() as session:
        return await session.get(BookingSession, slot.session_id)
