"""The concrete sessions and slots of a support point for a range of days, computed from its
recurrence: regular weekdays within their validity, minus closed dates, plus one-off dates.

A plain loop over the days (clearer than cron expressions for "every Tuesday and Thursday").
Wall-clock times are Hanoi's; everything returned is an aware UTC datetime. The booking
feature materialises these into database rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.points.model import OneOffSession, Point, RegularSession

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
# Seats held for priority visitors open to everyone this long before the slot starts.
PRIORITY_HOLD = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Slot:
    point_id: str
    starts_at: datetime  # aware UTC
    ends_at: datetime  # aware UTC
    seats: int
    priority_seats: int  # of `seats`, held for priority visitors until `priority_until`

    @property
    def priority_until(self) -> datetime:
        return self.starts_at - PRIORITY_HOLD


@dataclass(frozen=True, slots=True)
class ScheduledSession:
    """One session on one day, e.g. Tuesday 1 December 08:00-11:00 at point hoan-kiem."""

    point_id: str
    day: date  # the local (Hanoi) date
    starts_at: datetime  # aware UTC
    ends_at: datetime  # aware UTC
    slot_minutes: int
    seats_per_slot: int
    priority_seats: int
    one_off: bool

    @property
    def slots(self) -> tuple[Slot, ...]:
        step = timedelta(minutes=self.slot_minutes)
        count = int((self.ends_at - self.starts_at) / step)
        return tuple(
            Slot(
                self.point_id,
                self.starts_at + i * step,
                self.starts_at + (i + 1) * step,
                self.seats_per_slot,
                self.priority_seats,
            )
            for i in range(count)
        )


def _at(day: date, t: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, t, tzinfo=tz).astimezone(UTC)


def _scheduled(
    point: Point, day: date, s: RegularSession | OneOffSession, tz: ZoneInfo, one_off: bool
) -> ScheduledSession:
    return ScheduledSession(
        point_id=point.id,
        day=day,
        starts_at=_at(day, s.start, tz),
        ends_at=_at(day, s.end, tz),
        slot_minutes=s.slot_minutes,
        seats_per_slot=s.seats_per_slot,
        priority_seats=s.priority_seats,
        one_off=one_off,
    )


def runs_on(s: RegularSession, day: date) -> bool:
    """Whether the regular session `s` takes place on `day` (closed dates aside)."""
    return (
        day.weekday() in s.weekdays
        and (s.valid_from is None or s.valid_from <= day)
        and (s.valid_until is None or day <= s.valid_until)
    )


def sessions_between(
    point: Point, first: date, last: date, tz: ZoneInfo = HANOI
) -> list[ScheduledSession]:
    """Every session from local day `first` to `last` (both included), in time order."""
    closed = set(point.closed)
    found = [
        _scheduled(point, s.day, s, tz, True)
        for s in point.one_off
        if first <= s.day <= last and s.day not in closed
    ]
    day = first
    while day <= last:
        if day not in closed:
            found += [
                _scheduled(point, day, s, tz, False) for s in point.regular if runs_on(s, day)
            ]
        day += timedelta(days=1)
    return sorted(found, key=lambda s: s.starts_at)


def upcoming_sessions(
    point: Point, now: datetime, days: int = 14, tz: ZoneInfo = HANOI
) -> list[ScheduledSession]:
    """Sessions not yet over, from today (Hanoi) through the next `days` days."""
    today = now.astimezone(tz).date()
    return [
        s
        for s in sessions_between(point, today, today + timedelta(days=days), tz)
        if s.ends_at > now
    ]


def slots_between(point: Point, first: date, last: date, tz: ZoneInfo = HANOI) -> list[Slot]:
    return [slot for s in sessions_between(point, first, last, tz) for slot in s.slots]
