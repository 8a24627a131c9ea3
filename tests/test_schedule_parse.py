"""What officers type is read kindly: days as 5/12, 05/12/2026 or 2026-12-05; times as 8:00,
08h30 or "8 giờ"; reasons up to 300 characters. Anything else gets an example that works."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot import i18n
from bot.schedule import parse
from bot.schedule.errors import Refused

TODAY = date(2026, 11, 28)


@pytest.fixture(autouse=True)
def english():
    with i18n.use_locale("en"):
        yield


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("5/12", date(2026, 12, 5)),
        ("05/12/2026", date(2026, 12, 5)),
        ("5-12", date(2026, 12, 5)),
        ("5.12.26", date(2026, 12, 5)),
        ("2026-12-05", date(2026, 12, 5)),
        (" 28/11 ", TODAY),
        ("3/1", date(2027, 1, 3)),  # no year: the next 3 January
    ],
)
def test_days_are_read_in_the_vietnamese_order(typed, expected):
    assert parse.day(typed, TODAY) == expected


@pytest.mark.parametrize(
    "typed, problem",
    [
        ("31/02", "could not read “31/02” as a date"),
        ("tomorrow", "like 5/12 or 05/12/2026"),
        ("12/2025", "could not read"),
        ("27/11/2026", "27/11/2026 has already passed"),
    ],
)
def test_a_day_that_cannot_be_read_or_has_passed_is_explained(typed, problem):
    with pytest.raises(Refused, match=problem):
        parse.day(typed, TODAY)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("8:00", time(8)),
        ("08h30", time(8, 30)),
        ("8h", time(8)),
        ("14H15", time(14, 15)),
        ("8.30", time(8, 30)),
        ("8 giờ 30", time(8, 30)),
        ("0830", time(8, 30)),
        ("17", time(17)),
    ],
)
def test_times_are_read_as_people_write_them(typed, expected):
    assert parse.clock(typed) == expected


@pytest.mark.parametrize("typed", ["25:00", "8:75", "morning", "8:5", ""])
def test_a_time_that_cannot_be_read_gets_an_example(typed):
    with pytest.raises(Refused, match="like 8:00 or 14h30"):
        parse.clock(typed)


def test_reasons_are_tidied_and_at_most_300_characters():
    assert parse.reason("  Cán bộ   bị ốm\n") == "Cán bộ bị ốm"
    assert len(parse.reason("a" * 300)) == 300
    with pytest.raises(Refused, match="301 characters"):
        parse.reason("a" * 301)
    with pytest.raises(Refused, match="short reason in words"):
        parse.reason("!!")
