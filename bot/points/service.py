"""Support points as a service: a point's next sessions with the seats anyone may take now and
the seats still held for priority visitors (from the booking feature's slots). Public
information: any actor may read it."""

from __future__ import annotations

from datetime import datetime

from bot.points.model import Point
from bot.points.sessions import ScheduledSession
from bot.services.context import ServiceContext


async def free_seats(
    sc: ServiceContext, point: Point, sessions: list[ScheduledSession]
) -> dict[datetime, tuple[int, int]]:
    """Session start → (seats anyone may take now, seats still held for priority visitors)."""
    if not sessions:
        return {}
    # Imported here: points work without the booking feature (the card then shows no seats).
    from bot.booking import capacity, queries

    now = sc.now()
    slots = await queries.slots_between(sc.session, point.id, now, sessions[-1].ends_at)
    seats: dict[datetime, tuple[int, int]] = {}
    for session in sessions:
        rooms = [
            capacity.room(slot, priority=False, now=now)
            for slot in slots
            if session.starts_at <= slot.starts_at < session.ends_at
        ]
        if rooms:
            seats[session.starts_at] = (sum(r.free for r in rooms), sum(r.held for r in rooms))
    return seats
