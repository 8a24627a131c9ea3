"""Reading what officers type: days ("5/12", "05/12/2026", "2026-12-05"), clock times ("8:00",
"08h30", "8h"), whole numbers and reasons. Each reader returns the value or raises `Refused`
with a kind message naming an example of what works."""

from __future__ import annotations

import re
from datetime import date, time

from bot.ids import parse_id
from bot.schedule.errors import Refused

MAX_REASON = 300
_DMY = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d{2}|\d{4}))?")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_CLOCK = re.compile(r"(\d{1,2})\s*(?:[:hg.]|giờ|gio)?\s*(\d{2})?\s*(?:phút|phut|p)?")


def day(text: str, today: date, *, allow_past: bool = False) -> date:
    """A day typed as day/month[/year] (the Vietnamese order) or year-month-day. Without a
    year: the next such day from today."""
    typed = " ".join(text.split()).lower()
    found = _read_day(typed, today)
    if found is None:
        raise Refused("parse.bad_date", text=typed[:40])
    if not allow_past and found < today:
        raise Refused("parse.day_passed", day=found.strftime("%d/%m/%Y"))
    return found


def _read_day(typed: str, today: date) -> date | None:
    try:
        if m := _ISO.fullmatch(typed):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _DMY.fullmatch(typed):
            d, mo = int(m[1]), int(m[2])
            if m[3] is not None:
                year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
                return date(year, mo, d)
            found = date(today.year, mo, d)
            return found if found >= today else date(today.year + 1, mo, d)
    except ValueError:  # 31/02 and the like
        return None
    return None


def clock(text: str) -> time:
    """A time of day: 8, 8h, 8:00, 08h30, 8.30, "8 giờ 30"."""
    typed = " ".join(text.split()).lower()
    m = _CLOCK.fullmatch(typed)
    hour, minute = (int(m[1]), int(m[2] or 0)) if m else (99, 99)
    if hour > 23 or minute > 59:
        raise Refused("parse.bad_time", text=typed[:40])
    return time(hour, minute)


def whole_number(text: str, lo: int, hi: int) -> int:
    number = parse_id(text.strip(), low=lo, high=hi)
    if number is None:
        raise Refused("parse.whole_number", lo=lo, hi=hi)
    return number


def reason(text: str) -> str:
    """The reason told to visitors: one tidy line of at most MAX_REASON characters."""
    tidy = " ".join(text.split())
    if len(tidy) > MAX_REASON:
        raise Refused("parse.reason_too_long", n=len(tidy), max=MAX_REASON)
    if sum(c.isalpha() for c in tidy) < 3:
        raise Refused("parse.reason_in_words")
    return tidy
