"""Sessions and slots of the coming weeks, written into the database from the points files so
seats can be counted and taken there.

Idempotent and safe with several processes: rows already there are left alone (bookings and
officers' changes live on them) and a row another process inserted a moment ago is skipped
(INSERT … ON CONFLICT DO NOTHING on both SQLite and PostgreSQL). A session added to a file
appears at the next run. `sync` also follows a session changed or removed in a file
(content reload, start, nightly), keeping what officers changed and what people booked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.booking_models import Booking, BookingSession, Slot, WaitlistEntry
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


# --- following the points files (content reload, start, nightly) ---------------------------

_FROM_FILES = ("regular", "one_off")


@dataclass
class SyncReport:
    """What following the points files changed in the coming sessions."""

    new_points: list[str] = field(default_factory=list)
    changed_points: list[str] = field(default_factory=list)
    removed_points: list[str] = field(default_factory=list)
    sessions_added: int = 0
    sessions_changed: int = 0
    sessions_removed: int = 0
    slots_added: int = 0
    kept_booked: int = 0  # differs from the file, but people booked or wait: officers decide
    kept_officer: int = 0  # differs from the file because an officer changed it

    def lines(self) -> list[str]:
        """For the operator (`trolyso content reload`) and the log; no personal data."""
        lines = []
        if self.new_points or self.changed_points or self.removed_points:
            parts = [
                f"{len(self.new_points)} new" + _ids(self.new_points),
                f"{len(self.changed_points)} changed" + _ids(self.changed_points),
                f"{len(self.removed_points)} removed" + _ids(self.removed_points),
            ]
            lines.append("points: " + ", ".join(parts))
        lines.append(
            f"sessions: {self.sessions_added} added, {self.sessions_changed} changed, "
            f"{self.sessions_removed} removed ({self.slots_added} time slots opened)"
        )
        if self.kept_booked:
            lines.append(
                f"kept as they were: {self.kept_booked} session(s) no longer as in the points "
                "files but with bookings or people waiting; officers move or cancel them"
            )
        if self.kept_officer:
            lines.append(f"kept as they were: {self.kept_officer} session(s) an officer changed")
        return lines


def _ids(ids: list[str]) -> str:
    return f" ({', '.join(ids)})" if ids else ""


def point_changes(old: Places | None, new: Places, report: SyncReport) -> None:
    before = old.points if old is not None else {}
    report.new_points = sorted(set(new.points) - set(before))
    report.removed_points = sorted(set(before) - set(new.points))
    report.changed_points = sorted(
        pid for pid in set(new.points) & set(before) if new.points[pid] != before[pid]
    )


async def sync(
    session: AsyncSession,
    places: Places,
    now: datetime,
    horizon_days: int,
    tz: ZoneInfo,
    report: SyncReport | None = None,
) -> SyncReport:
    """Bring the coming sessions in line with the points files: a session the files no
    longer have, or have with other hours or seats, is removed (and the file's version
    added) — unless people booked or wait for it, or an officer changed it (cancelled,
    moved, seats changed, added in the bot): those are kept and counted. Then every missing
    session is added (`materialise`)."""
    report = report or SyncReport()
    today = now.astimezone(tz).date()
    last = today + timedelta(days=horizon_days)
    plan = {
        (s.point_id, s.starts_at): s
        for point in places.points.values()
        for s in sessions_between(point, today, last, tz)
        if s.ends_at > now
    }
    rows = (
        await session.scalars(
            select(BookingSession).where(
                BookingSession.starts_at > now,
                BookingSession.source.in_(_FROM_FILES),
                BookingSession.status == "open",
            )
        )
    ).all()
    slots: dict[int, list[Slot]] = {}
    if rows:
        for slot in await session.scalars(
            select(Slot).where(Slot.session_id.in_([r.id for r in rows])).order_by(Slot.starts_at)
        ):
            slots.setdefault(slot.session_id, []).append(slot)
    gone: list[int] = []
    for row in rows:
        want = plan.get((row.point_id, row.starts_at))
        if want is not None and _same(row, slots.get(row.id, []), want):
            continue
        if want is None and row.starts_at.astimezone(tz).date() > last:
            continue  # beyond the horizon: the files are not read that far
        if await _officer_changed(session, row.id):
            report.kept_officer += 1
        elif await _has_people(session, [s.id for s in slots.get(row.id, [])]):
            report.kept_booked += 1
        else:
            gone.append(row.id)
            if want is None:
                report.sessions_removed += 1
            else:
                report.sessions_changed += 1
    if gone:
        await session.execute(delete(Slot).where(Slot.session_id.in_(gone)))
        await session.execute(delete(BookingSession).where(BookingSession.id.in_(gone)))
    known = await _existing_sessions(session, min((k[1] for k in plan), default=now))
    report.sessions_added = sum(1 for key in plan if key not in known) - report.sessions_changed
    report.slots_added = await materialise(session, places, now, horizon_days, tz)
    return report


def _same(row: BookingSession, slots: list[Slot], want: ScheduledSession) -> bool:
    have = [(s.starts_at, s.ends_at, s.capacity, s.priority_seats) for s in slots]
    planned = [
        (p.starts_at, p.ends_at, p.seats, min(p.priority_seats, p.seats)) for p in want.slots
    ]
    return (
        row.ends_at == want.ends_at and row.slot_minutes == want.slot_minutes and have == planned
    )


async def _officer_changed(session: AsyncSession, session_id: int) -> bool:
    from bot.db.officer_models import AuditEntry

    found = await session.scalar(
        select(AuditEntry.id)
        .where(AuditEntry.target == f"session:{session_id}", AuditEntry.action.like("session.%"))
        .limit(1)
    )
    return found is not None


async def _has_people(session: AsyncSession, slot_ids: list[int]) -> bool:
    """Any booking (whatever its state: its row keeps the slot) or waitlist place."""
    if not slot_ids:
        return False
    booked = await session.scalar(select(Booking.id).where(Booking.slot_id.in_(slot_ids)).limit(1))
    waiting = await session.scalar(
        select(WaitlistEntry.id).where(WaitlistEntry.slot_id.in_(slot_ids)).limit(1)
    )
    return booked is not None or waiting is not None
