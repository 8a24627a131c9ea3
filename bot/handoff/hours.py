"""When a citizen may expect an answer: the office hours of their unit, read from its support
points' regular sessions (the earliest start and latest end of each weekday), else the
configured `handoff.office_hours` Monday to Friday. Inside them: "today"; outside them: the
next opening ("tomorrow morning", or the weekday)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.points.model import Places

Hours = dict[int, tuple[time, time]]  # weekday (0 = Monday) → (opens, closes)
WEEKDAYS = range(0, 5)


def office_hours(places: Places | None, unit_id: str, fallback: tuple[time, time]) -> Hours:
    hours: Hours = {}
    for point in places.points_of(unit_id) if places is not None else ():
        for session in point.regular:
            for day in session.weekdays:
                opens, closes = hours.get(day, (session.start, session.end))
                hours[day] = (min(opens, session.start), max(closes, session.end))
    return hours or {day: fallback for day in WEEKDAYS}


@dataclass(frozen=True)
class Expect:
    """`open_now`: an officer is at work now, until `until`; otherwise the next opening is
    `next_day` at `opens` (`tomorrow` when that is the next calendar day)."""

    open_now: bool
    until: time | None = None
    next_day: date | None = None
    opens: time | None = None
    tomorrow: bool = False


def expect(hours: Hours, now: datetime, tz: ZoneInfo) -> Expect:
    local = now.astimezone(tz)
    today = hours.get(local.weekday())
    if today is not None and today[0] <= local.time() < today[1]:
        return Expect(True, until=today[1])
    for ahead in range(0, 8):
        day = local.date() + timedelta(days=ahead)
        found = hours.get(day.weekday())
        if found is None or (ahead == 0 and local.time() >= found[0]):
            continue
        return Expect(False, next_day=day, opens=found[0], tomorrow=ahead == 1)
    return Expect(False)
