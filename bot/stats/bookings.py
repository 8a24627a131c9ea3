"""Bookings, attendance and no-shows per support point and ISO week (Hanoi time), counted from
the bookings table alone: the unit of a point is its session's, so the numbers need no
content files and stay right for points since removed from them.

A booking counts in the week of its visit. "booked" is every booking not cancelled;
"not_marked" are visits already over that no officer marked as attended or no-show.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.booking_models import Booking, BookingSession, Slot

# Booking statuses (officers mark visits in bot/schedule/daily.py).
ATTENDED = "attended"
NO_SHOW = "missed"
CANCELLED = "cancelled"

BOOKINGS_HEADER = (
    "unit",
    "point",
    "week",
    "week_starts",
    "booked",
    "cancelled",
    "attended",
    "no_show",
    "not_marked",
)
ATTENDANCE_HEADER = (
    "unit",
    "point",
    "week",
    "week_starts",
    "visits_over",
    "attended",
    "no_show",
    "not_marked",
    "attended_percent",
)


@dataclass(frozen=True, slots=True, order=True)
class Week:
    year: int
    number: int

    @classmethod
    def of(cls, when: datetime, tz: ZoneInfo) -> Week:
        iso = when.astimezone(tz).isocalendar()
        return cls(iso.year, iso.week)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)


@dataclass
class PointWeek:
    unit_id: str
    point_id: str
    week: Week
    counts: Counter

    @property
    def booked(self) -> int:
        return self.counts["booked"]

    @property
    def cancelled(self) -> int:
        return self.counts["cancelled"]

    @property
    def attended(self) -> int:
        return self.counts["attended"]

    @property
    def no_show(self) -> int:
        return self.counts["no_show"]

    @property
    def not_marked(self) -> int:
        return self.counts["not_marked"]

    @property
    def visits_over(self) -> int:
        return self.counts["over"]


def week_start(day: date, tz: ZoneInfo) -> datetime:
    """Monday 00:00 (Hanoi) of the ISO week holding `day`."""
    monday = day - timedelta(days=day.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=tz)


async def by_point_week(
    session: AsyncSession,
    tz: ZoneInfo,
    now: datetime,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    unit_ids: Iterable[str] | None = None,
) -> list[PointWeek]:
    """Counts per (point, week) of visits from `since` to `until`, for `unit_ids` (None: all),
    ordered by unit, point and week."""
    query = (
        select(
            BookingSession.unit_id, Booking.point_id, Slot.starts_at, Slot.ends_at, Booking.status
        )
        .join(Slot, Slot.id == Booking.slot_id)
        .join(BookingSession, BookingSession.id == Slot.session_id)
    )
    if since is not None:
        query = query.where(Slot.starts_at >= since)
    if until is not None:
        query = query.where(Slot.starts_at < until)
    if unit_ids is not None:
        query = query.where(BookingSession.unit_id.in_(list(unit_ids)))
    found: dict[tuple[str, str, Week], Counter] = {}
    for unit_id, point_id, starts_at, ends_at, status in await session.execute(query):
        counts = found.setdefault((unit_id, point_id, Week.of(starts_at, tz)), Counter())
        if status == CANCELLED:
            counts["cancelled"] += 1
            continue
        counts["booked"] += 1
        if status == ATTENDED:
            counts["attended"] += 1
        elif status == NO_SHOW:
            counts["no_show"] += 1
        elif ends_at <= now:
            counts["not_marked"] += 1
        if ends_at <= now:
            counts["over"] += 1
    return [PointWeek(u, p, w, c) for (u, p, w), c in sorted(found.items())]


def booking_rows(weeks: list[PointWeek]) -> list[tuple]:
    return [
        (
            w.unit_id,
            w.point_id,
            w.week.label,
            w.week.monday.isoformat(),
            w.booked,
            w.cancelled,
            w.attended,
            w.no_show,
            w.not_marked,
        )
        for w in weeks
    ]


def attendance_rows(weeks: list[PointWeek]) -> list[tuple]:
    """Only weeks with visits already over; the percentage is of visits marked."""
    rows = []
    for w in weeks:
        if not w.visits_over:
            continue
        marked = w.attended + w.no_show
        percent = f"{100 * w.attended / marked:.0f}" if marked else ""
        rows.append(
            (
                w.unit_id,
                w.point_id,
                w.week.label,
                w.week.monday.isoformat(),
                w.visits_over,
                w.attended,
                w.no_show,
                w.not_marked,
                percent,
            )
        )
    return rows
