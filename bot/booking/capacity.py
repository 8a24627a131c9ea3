"""Seats that are never overbooked, on SQLite and PostgreSQL alike.

A seat is taken by ONE conditional UPDATE whose WHERE clause holds the whole rule (room left,
seats held for priority visitors, slot open and not started), and the caller checks that it
changed a row. The database serialises concurrent UPDATEs of one row (PostgreSQL re-checks the
WHERE clause on the row another transaction just committed; SQLite has a single writer), so
two people can never both take the last seat — no check-then-insert race.

Priority seats: of `capacity`, `priority_seats` are held for priority visitors (aged 60+,
disability, poor household) until `hold_until` (24 h before the slot). Priority visitors use
the held seats first, so a general visitor may take a seat while
`booked + still_held < capacity`, where `still_held = max(priority_seats - booked_priority, 0)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import rowcount
from bot.db.booking_models import Slot

# Core (table) statements: the ORM adds nothing to a counter update but its overhead.
_SLOTS = Slot.__table__
_STILL_HELD = case(
    (
        _SLOTS.c.priority_seats > _SLOTS.c.booked_priority,
        _SLOTS.c.priority_seats - _SLOTS.c.booked_priority,
    ),
    else_=0,
)


async def take_seat(session: AsyncSession, slot_id: int, *, priority: bool, now: datetime) -> bool:
    """Take one seat in the slot inside the caller's transaction; False when there is none
    for this visitor (full, held for priority, cancelled or already started)."""
    c = _SLOTS.c
    conditions = [c.id == slot_id, c.status == "open", c.starts_at > now, c.booked < c.capacity]
    if not priority:
        conditions.append(or_(c.hold_until <= now, c.booked + _STILL_HELD < c.capacity))
    stmt = (
        update(_SLOTS)
        .where(*conditions)
        .values(booked=c.booked + 1, booked_priority=c.booked_priority + int(priority))
    )
    result = await session.execute(stmt)
    return rowcount(result) == 1


async def release_seat(session: AsyncSession, slot_id: int, *, priority: bool) -> None:
    """Give a seat back (a cancellation or a move); the counters never go below zero."""
    c = _SLOTS.c
    conditions = [c.id == slot_id, c.booked > 0]
    values = {"booked": c.booked - 1}
    if priority:
        conditions.append(c.booked_priority > 0)
        values["booked_priority"] = c.booked_priority - 1
    await session.execute(update(_SLOTS).where(*conditions).values(**values))


@dataclass(frozen=True, slots=True)
class Room:
    """Seats left in a slot as one kind of visitor sees them."""

    free: int  # seats this visitor could take now
    held: int  # further seats held for priority visitors (0 for a priority visitor)

    @property
    def full(self) -> bool:
        return self.free == 0


def room(slot: Slot, *, priority: bool, now: datetime) -> Room:
    """What is left for a priority visitor, or for anyone else (with the seats still held
    for priority visitors counted apart)."""
    left = max(slot.capacity - slot.booked, 0)
    if slot.status != "open" or slot.starts_at <= now:
        return Room(0, 0)
    if priority or slot.hold_until <= now:
        return Room(left, 0)
    held = min(max(slot.priority_seats - slot.booked_priority, 0), left)
    return Room(left - held, held)


async def lock_slots(session: AsyncSession, *slot_ids: int) -> None:
    """Lock several slot rows in id order (PostgreSQL), so two moves between the same slots
    in opposite directions wait for each other instead of deadlocking."""
    if session.get_bind().dialect.name == "sqlite":
        return  # one writer at a time already
    await session.execute(
        select(Slot.id).where(Slot.id.in_(slot_ids)).order_by(Slot.id).with_for_update()
    )
