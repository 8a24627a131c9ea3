"""The calendar file sent with a booking: one event in Hanoi time (with its VTIMEZONE, so any
calendar app shows the right hour), at the point's address and coordinates (GEO), with an
alarm `reminders.hours_before` hours before.

The event follows the visit: its UID never changes, its SEQUENCE goes up with every change
sent (a new time, officers moving the session), and a cancellation is a `METHOD:CANCEL` file
with `STATUS:CANCELLED` — so a calendar app replaces or removes its event instead of keeping
the old time with its alarm."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone

PRODID = "-//Tro ly so//Digital support booking//VI"
ALARM_BEFORE = timedelta(hours=2)  # when no other is given


def calendar_file(
    *,
    uid: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    description: str,
    alarm_text: str,
    stamp: datetime,
    tz: ZoneInfo,
    sequence: int = 0,
    geo: tuple[float, float] | None = None,
    alarm_before: timedelta = ALARM_BEFORE,
    cancelled: bool = False,
) -> bytes:
    """The .ics bytes of one visit; `uid` stays the same when the visit moves, so a calendar
    app updates the event instead of adding a second one (`sequence` says which version is
    newer); `cancelled` makes the file that removes it."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "PUBLISH")
    local_start, local_end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    cal.add_component(_vtimezone(tz.key, local_start.year))
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", local_start)
    event.add("dtend", local_end)
    event.add("summary", title)
    event.add("location", location)
    event.add("description", description)
    if geo is not None:
        event.add("geo", geo)
    if cancelled:
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", alarm_text)
        alarm.add("trigger", -alarm_before)
        event.add_component(alarm)
    cal.add_component(event)
    return cal.to_ical()


@lru_cache(maxsize=16)
def _vtimezone(key: str, year: int) -> Timezone:
    """The zone's rules around `year`. Building them takes tens of milliseconds, so each is
    built once; the component is only ever serialised, never changed."""
    zone = Timezone.from_tzinfo(
        ZoneInfo(key), first_date=date(year, 1, 1), last_date=date(year + 1, 12, 31)
    )
    # The library notes in English which years the rules cover; a Vietnamese file would
    # carry that one English line, and no calendar app needs it.
    zone.pop("COMMENT", None)
    return zone
