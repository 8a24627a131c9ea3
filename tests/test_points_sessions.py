"""Concrete sessions and slots computed from a point's recurrence, in Hanoi time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.points.model import OneOffSession, Point, RegularSession
from bot.points.sessions import sessions_between, slots_between, upcoming_sessions

TUE_THU = RegularSession(
    weekdays=(1, 3),
    start=time(8, 0),
    end=time(11, 0),
    slot_minutes=30,
    seats_per_slot=4,
    priority_seats=1,
)


def _point(regular=(TUE_THU,), one_off=(), closed=()) -> Point:
    return Point(
        id="hk-1",
        unit="hoan-kiem",
        name="x",
        address="y",
        lat=21.03,
        lon=105.85,
        accessibility="",
        regular=tuple(regular),
        one_off=tuple(one_off),
        closed=tuple(closed),
        sample=True,
    )


def test_regular_sessions_fall_on_their_weekdays():
    # Monday 30 November to Sunday 13 December 2026.
    found = sessions_between(_point(), date(2026, 11, 30), date(2026, 12, 13))
    assert [s.day for s in found] == [
        date(2026, 12, 1),
        date(2026, 12, 3),
        date(2026, 12, 8),
        date(2026, 12, 10),
    ]
    assert all(s.day.weekday() in (1, 3) for s in found)


def test_times_are_hanoi_wall_clock_returned_as_utc():
    first = sessions_between(_point(), date(2026, 12, 1), date(2026, 12, 1))[0]
    assert first.starts_at == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 08:00 at UTC+7
    assert first.ends_at == datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    assert first.starts_at.utcoffset() == timedelta(0)


def test_a_session_is_cut_into_slots_with_seats_and_priority_hold():
    slots = slots_between(_point(), date(2026, 12, 1), date(2026, 12, 1))
    assert len(slots) == 6  # 08:00-11:00 in 30-minute slots
    assert slots[1].starts_at == datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
    assert slots[-1].ends_at == datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    assert {(s.seats, s.priority_seats) for s in slots} == {(4, 1)}
    assert slots[0].priority_until == datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


def test_closed_dates_have_no_session():
    point = _point(closed=[date(2026, 12, 3)])
    days = [s.day for s in sessions_between(point, date(2026, 11, 30), date(2026, 12, 6))]
    assert days == [date(2026, 12, 1)]


def test_one_off_dates_are_added_in_time_order():
    sunday = OneOffSession(
        day=date(2026, 12, 6),
        start=time(8, 0),
        end=time(10, 0),
        slot_minutes=60,
        seats_per_slot=2,
        priority_seats=0,
    )
    found = sessions_between(_point(one_off=[sunday]), date(2026, 11, 30), date(2026, 12, 8))
    assert [(s.day, s.one_off) for s in found] == [
        (date(2026, 12, 1), False),
        (date(2026, 12, 3), False),
        (date(2026, 12, 6), True),
        (date(2026, 12, 8), False),
    ]
    assert len(found[2].slots) == 2


def test_validity_limits_a_regular_session():
    limited = RegularSession(
        weekdays=(1,),
        start=time(8, 0),
        end=time(9, 0),
        slot_minutes=30,
        seats_per_slot=1,
        priority_seats=0,
        valid_from=date(2026, 12, 8),
        valid_until=date(2026, 12, 15),
    )
    days = [
        s.day for s in sessions_between(_point([limited]), date(2026, 12, 1), date(2026, 12, 31))
    ]
    assert days == [date(2026, 12, 8), date(2026, 12, 15)]


def test_upcoming_leaves_out_sessions_already_over_and_looks_two_weeks_ahead():
    # Tuesday 1 December 2026, 11:30 in Hanoi: that morning's session is over.
    now = datetime(2026, 12, 1, 4, 30, tzinfo=UTC)
    found = upcoming_sessions(_point(), now, days=14)
    assert found[0].day == date(2026, 12, 3)
    assert found[-1].day == date(2026, 12, 15)
    # Still running at 10:00: offered.
    running = upcoming_sessions(_point(), datetime(2026, 12, 1, 3, 0, tzinfo=UTC))
    assert running[0].day == date(2026, 12, 1)


def test_hanoi_date_is_used_near_midnight_utc():
    # 23:30 UTC on Monday is already Tuesday 06:30 in Hanoi: Tuesday's session is today's.
    now = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert upcoming_sessions(_point(), now, days=0)[0].day == date(2026, 12, 1)
