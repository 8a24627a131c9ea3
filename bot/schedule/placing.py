"""Sessions and slots as database rows, the way bot/booking/materialise.py writes them, for the
sessions officers add or move.

The daily materialise only adds sessions whose (point, start) has no row yet, so every change
made here survives it: a cancelled session keeps its row (status "cancelled"), a moved one
keeps its old row as "moved" next to the new one, a changed capacity lives on the slots. A
new session where a cancelled or moved one used to be takes over those rows (the unique
(point, start) keys allow one row each).
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.materialise import materialise
from bot.db.booking_models import BookingSession, Slot
from bot.points.model import Places
from bot.points.sessions import PRIORITY_HOLD, ScheduledSession, sessions_between


@dataclass(frozen=True, slots=True)
class Shape:
    """A session as an officer describes it: where, which day, from when to when, how cut."""

    point_id: str
    day: date  # Hanoi date
    start: time
    end: time
    slot_minutes: int
    seats: int
    priority_seats: int

    def scheduled(self, tz: ZoneInfo) -> ScheduledSession:
        return ScheduledSession(
            point_id=self.point_id,
            day=self.day,
            starts_at=at(self.day, self.start, tz),
            ends_at=at(self.day, self.end, tz),
            slot_minutes=self.slot_minutes,
            seats_per_slot=self.seats,
            priority_seats=min(self.priority_seats, self.seats),
            one_off=True,
        )


def at(day: date, t: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, t, tzinfo=tz).astimezone(UTC)


def local_day(dt: datetime, tz: ZoneInfo) -> date:
    return dt.astimezone(tz).date()


async def clashes(
    session: AsyncSession,
    places: Places,
    point_id: str,
    starts_at: datetime,
    ends_at: datetime,
    tz: ZoneInfo,
    *,
    ignore: Set[int] = frozenset(),
) -> list[datetime]:
    """Starts of the sessions of the point that would overlap [starts_at, ends_at): open rows
    in the database, and sessions of the points file not yet written there (the daily
    materialise would add them later)."""
    rows = (
        await session.execute(
            select(
                BookingSession.id,
                BookingSession.starts_at,
                BookingSession.ends_at,
                BookingSession.status,
            ).where(
                BookingSession.point_id == point_id,
                BookingSession.starts_at < ends_at + timedelta(days=1),
                BookingSession.ends_at > starts_at - timedelta(days=1),
            )
        )
    ).all()
    found = [
        s
        for i, s, e, status in rows
        if status == "open" and i not in ignore and s < ends_at and starts_at < e
    ]
    known = {s for _i, s, _e, _status in rows}
    point = places.points.get(point_id)
    if point is not None:
        first, last = local_day(starts_at, tz), local_day(ends_at, tz)
        found += [
            p.starts_at
            for p in sessions_between(point, first, last, tz)
            if p.starts_at not in known and p.starts_at < ends_at and starts_at < p.ends_at
        ]
    return sorted(found)


async def place(
    session: AsyncSession, unit_id: str, planned: ScheduledSession, now: datetime
) -> BookingSession:
    """Write an open session with its slots (empty); the caller has checked `clashes`."""
    row = (
        await session.execute(
            select(BookingSession).where(
                BookingSession.point_id == planned.point_id,
                BookingSession.starts_at == planned.starts_at,
            )
        )
    ).scalar_one_or_none()
    if row is None:
        row = BookingSession(
            point_id=planned.point_id,
            unit_id=unit_id,
            starts_at=planned.starts_at,
            ends_at=planned.ends_at,
            slot_minutes=planned.slot_minutes,
            status="open",
            source="officer",
            created_at=now,
            note=None,
        )
        session.add(row)
    else:  # a cancelled or moved session stood here: it becomes this one
        row.unit_id, row.ends_at, row.slot_minutes = unit_id, planned.ends_at, planned.slot_minutes
        row.status, row.source, row.note = "open", "officer", None
    await session.flush()
    starts = [s.starts_at for s in planned.slots]
    old = {
        s.starts_at: s
        for s in (
            await session.scalars(
                select(Slot).where(Slot.point_id == planned.point_id, Slot.starts_at.in_(starts))
            )
        ).all()
    }
    for slot in planned.slots:
        values = dict(
            session_id=row.id,
            ends_at=slot.ends_at,
            capacity=slot.seats,
            priority_seats=min(slot.priority_seats, slot.seats),
            hold_until=slot.starts_at - PRIORITY_HOLD,
            booked=0,
            booked_priority=0,
            status="open",
        )
        if slot.starts_at in old:  # a slot of a session no longer open: its seats are free
            for key, value in values.items():
                setattr(old[slot.starts_at], key, value)
        else:
            session.add(Slot(point_id=slot.point_id, starts_at=slot.starts_at, **values))
    await session.flush()
    return row


async def materialise_until(
    session: AsyncSession, places: Places, point_id: str, last: date, now: datetime, tz: ZoneInfo
) -> None:
    """Write the point's sessions from its file up to `last`, so that closing days beyond the
    usual horizon leaves rows the daily materialise will not add again as open."""
    point = places.points.get(point_id)
    if point is None:
        return
    days = (last - local_day(now, tz)).days
    if days < 0:
        return
    one = Places(units=places.units, points={point.id: point}, by_unit={point.unit: (point,)})
    await materialise(session, one, now, days, tz)


async def slots_of(session: AsyncSession, session_id: int) -> list[Slot]:
    return list(
        (
            await session.scalars(
                select(Slot).where(Slot.session_id == session_id).order_by(Slot.starts_at)
            )
        ).all()
    )
