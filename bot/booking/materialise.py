"""Sessions and slots of the coming weeks, written into the database from the points files so
seats can be counted and taken there.

Idempotent and safe with several processes: rows already there are left alone (bookings and
officers' changes live on them) and a row another process inserted a moment ago is skipped
(INSERT … ON CONFLICT DO NOTHING on both SQLite and PostgreSQL). A session added to a file
appears at the next run; changes to sessions already materialised are the officers' job.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.booking_models import BookingSession, Slot
from bot.points.model import Places
from bot.points.sessions import PRIORITY_HOLD, ScheduledSession, sessions_between


def _insert(session: AsyncSession, table):
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    return insert(table).on_conflict_do_nothing()


async def materialise(
    session: AsyncSession, places: Places, now: datetime, horizon_days: int, tz: ZoneInfo
) -> int:
    """Write the sessions from today to `horizon_days` ahead that are not yet in the database;
    return how many slots were added."""
    today = now.astimezone(tz).date()
    last = today + timedelta(days=horizon_days)
    planned = [
        s
        for point in places.points.values()
        for s in sessions_between(point, today, last, tz)
        if s.ends_at > now
    ]
    if not planned:
        return 0
    start = min(s.starts_at for s in planned)
    known = await _existing_sessions(session, start)
    new = [s for s in planned if (s.point_id, s.starts_at) not in known]
    if new:
        await session.execute(
            _insert(session, BookingSession.__table__),
            [
                {
                    "point_id": s.point_id,
                    "unit_id": places.points[s.point_id].unit,
                    "starts_at": s.starts_at,
                    "ends_at": s.ends_at,
                    "slot_minutes": s.slot_minutes,
                    "status": "open",
                    "source": "one_off" if s.one_off else "regular",
                    "created_at": now,
                }
                for s in new
            ],
        )
        known = await _existing_sessions(session, start)
    return await _add_missing_slots(session, planned, known, start)


async def _existing_sessions(
    session: AsyncSession, start: datetime
) -> dict[tuple[str, datetime], int]:
    rows = await session.execute(
        select(BookingSession.point_id, BookingSession.starts_at, BookingSession.id).where(
            BookingSession.starts_at >= start
        )
    )
    return {(p, s): i for p, s, i in rows}


async def _add_missing_slots(
    session: AsyncSession,
    planned: list[ScheduledSession],
    sessions: dict[tuple[str, datetime], int],
    start: datetime,
) -> int:
    rows = await session.execute(
        select(Slot.point_id, Slot.starts_at).where(Slot.starts_at >= start)
    )
    have = {(point_id, starts_at) for point_id, starts_at in rows}
    missing = [
        (sessions[(s.point_id, s.starts_at)], slot)
        for s in planned
        for slot in s.slots
        if (slot.point_id, slot.starts_at) not in have and (s.point_id, s.starts_at) in sessions
    ]
    if missing:
        await session.execute(
            _insert(session, Slot.__table__),
            [
                {
                    "session_id": session_id,
                    "point_id": slot.point_id,
                    "starts_at": slot.starts_at,
                    "ends_at": slot.ends_at,
                    "capacity": slot.seats,
                    "priority_seats": min(slot.priority_seats, slot.seats),
                    "hold_until": slot.starts_at - PRIORITY_HOLD,
                    "booked": 0,
                    "booked_priority": 0,
                    "status": "open",
                }
                for session_id, slot in missing
            ],
        )
    return len(missing)
