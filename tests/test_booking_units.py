"""Small parts of booking a person relies on: phone numbers as Vietnamese people write them,
booking codes that cannot be misread, and a calendar file that opens at the right hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.booking import ics
from bot.booking.codes import ALPHABET, LENGTH, new_code
from bot.booking.phone import display_phone, normalise_phone

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(
    "typed",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "+84912345678",
        "+84 912 345 678",
        "84912345678",
        " 0912 345 678 ",
        "(+84) 912-345-678",
        "+84 (0)912 345 678",
    ],
)
def test_phone_numbers_are_accepted_as_people_write_them_and_stored_in_one_form(typed):
    assert normalise_phone(typed) == "+84912345678"


@pytest.mark.parametrize("typed", ["0312345678", "0512345678", "0712345678", "0812345678"])
def test_every_mobile_prefix_is_accepted(typed):
    assert normalise_phone(typed) == "+84" + typed[1:]


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "0123456789",
        "0212345678",
        "0412345678",
        "0612345678",
        "091234567",
        "09123456789",
        "+8400912345678",
        "+1 212 555 0100",
        "0912 345 67a",
        "một hai ba",
        "0912345678 ext 2",
        "849123456789",
    ],
)
def test_numbers_that_are_not_vietnamese_mobiles_are_refused(typed):
    assert normalise_phone(typed) is None


def test_phone_numbers_are_shown_the_way_people_write_them():
    assert display_phone("+84912345678") == "0912 345 678"


def test_booking_codes_have_no_look_alike_characters():
    assert not set("0O1IL5S2Z8B") & set(ALPHABET)
    codes = {new_code() for _ in range(2000)}
    assert all(len(c) == LENGTH and set(c) <= set(ALPHABET) for c in codes)
    assert len(codes) > 1990  # random, not a sequence


def test_the_calendar_file_is_in_hanoi_time_with_an_alarm_two_hours_before():
    start = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)  # 08:30 in Hanoi
    data = ics.calendar_file(
        uid="ABC234@trolyso",
        title="Visit",
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        location="Số 1 phố Huế",
        description="Code ABC234",
        alarm_text="In 2 hours",
        stamp=start - timedelta(days=2),
        tz=HANOI,
    )
    text = data.decode()
    assert "BEGIN:VTIMEZONE" in text and "TZID:Asia/Ho_Chi_Minh" in text
    assert "DTSTART;TZID=Asia/Ho_Chi_Minh:20261130T083000" in text
    assert "DTEND;TZID=Asia/Ho_Chi_Minh:20261130T090000" in text
    (event,) = Calendar.from_ical(data).walk("VEVENT")
    assert event.decoded("DTSTART") == start
    assert str(event["LOCATION"]) == "Số 1 phố Huế"
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -timedelta(hours=2)
    assert str(alarm["ACTION"]) == "DISPLAY"
