"""When reminders go, and keeping the outbox in step with the bookings.

Every confirmed booking gets two reminders to the booker (who may have booked for a relative):
the day before at `reminders.day_before_hour` and `reminders.hours_before` before the visit.
One that would fall in the user's quiet hours moves earlier, to half an hour before they
begin — never later, never after the visit; a second reminder that would come within three
hours of the first is dropped.

`plan()` reconciles the outbox with the bookings of the next days (it runs every minute from
the sweeper, and at once when a user changes their settings): missing reminders are queued,
waiting ones that no longer fit (the visit moved, reminders turned off, quiet hours changed)
are moved or dropped. Reminders that were due before the booking got its time (booked or
moved the evening before) are not sent; after downtime only the latest overdue one is sent.
Rows carry a dedupe key per booking, reminder and visit time, so a reminder goes out once,
across restarts and several processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config
from bot.db.booking_models import Booking, OutboxMessage, Slot
from bot.reminders.settings import Quiet, prefs_of

KIND = TEMPLATE = "reminder"
DAY, SOON = "day", "soon"
PRIORITY_REMINDER = 20  # after notices about a visit (10), before broadcasts (90)
PLAN_AHEAD = timedelta(days=3)
QUIET_MARGIN = timedelta(minutes=30)
MIN_GAP = timedelta(hours=3)
# A reminder is pointless this close to the visit.
TOO_LATE = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Planned:
    which: str
    due_at: datetime


def _at(day, hhmm: str, tz: ZoneInfo) -> datetime:
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=tz)


def in_quiet(moment: datetime, quiet: Quiet, tz: ZoneInfo) -> datetime | None:
    """The start of the quiet hours `moment` falls in, or None when it is outside them."""
    if quiet is None:
        return None
    start, end = quiet
    local = moment.astimezone(tz)
    t = local.time()
    if start < end:
        inside, day = start <= t < end, local.date()
    else:  # across midnight, e.g. 21:00–07:00
        inside = t >= start or t < end
        day = local.date() if t >= start else local.date() - timedelta(days=1)
    return datetime.combine(day, start, tzinfo=tz) if inside else None


def quiet_ends(moment: datetime, quiet: Quiet, tz: ZoneInfo) -> datetime | None:
    """When the quiet hours `moment` falls in end; None when it is outside them."""
    began = in_quiet(moment, quiet, tz)
    if began is None or quiet is None:
        return None
    end = datetime.combine(began.date(), quiet[1], tzinfo=tz)
    return (end if end > began else end + timedelta(days=1)).astimezone(UTC)


def _before_quiet(due: datetime, quiet: Quiet, tz: ZoneInfo) -> datetime:
    began = in_quiet(due, quiet, tz)
    return due if began is None else began - QUIET_MARGIN


def due_times(starts_at: datetime, config: Config, quiet: Quiet) -> list[Planned]:
    """The reminders of a visit starting at `starts_at`, in time order."""
    tz = config.tz
    r = config.reminders
    day_before = (starts_at.astimezone(tz) - timedelta(days=1)).date()
    day = _before_quiet(_at(day_before, r.day_before_hour, tz), quiet, tz)
    soon = _before_quiet(starts_at - timedelta(hours=r.hours_before), quiet, tz)
    # In UTC: SQLite keeps a datetime's wall-clock digits, not its offset.
    planned = [Planned(DAY, day.astimezone(UTC))]
    if soon - day >= MIN_GAP:
        planned.append(Planned(SOON, soon.astimezone(UTC)))
    return [p for p in planned if p.due_at < starts_at - TOO_LATE]


def dedupe_key(booking_id: int, which: str, starts_at: datetime) -> str:
    return f"{KIND}:{booking_id}:{which}:{int(starts_at.timestamp())}"


def wanted(
    booking: Booking, starts_at: datetime, config: Config, quiet: Quiet, now: datetime
) -> list[Planned]:
    """The reminders this booking should still get."""
    if starts_at - now < TOO_LATE:
        return []
    # Due before the booking had this time: the person just booked or moved it.
    planned = [p for p in due_times(starts_at, config, quiet) if p.due_at > booking.updated_at]
    overdue = [p for p in planned if p.due_at <= now]
    return [p for p in planned if p.due_at > now] + overdue[-1:]


def _row(booking: Booking, starts_at: datetime, p: Planned, now: datetime) -> dict:
    return dict(
        recipient_user_id=booking.user_id,
        channel=booking.channel,
        chat_id=booking.chat_id,
        kind=KIND,
        text=None,
        buttons=None,
        template=TEMPLATE,
        data={"booking_id": booking.id, "which": p.which, "starts_at": int(starts_at.timestamp())},
        priority=PRIORITY_REMINDER,
        due_at=p.due_at,
        status="pending",
        attempts=0,
        last_error=None,
        booking_id=booking.id,
        dedupe_key=dedupe_key(booking.id, p.which, starts_at),
        created_at=now,
        sent_at=None,
    )


async def _existing(
    session: AsyncSession, booking_ids: list[int]
) -> dict[str, tuple[int, str, datetime]]:
    """dedupe key → (row id, status, due) of the reminder rows of these bookings."""
    out: dict[str, tuple[int, str, datetime]] = {}
    for i in range(0, len(booking_ids), 500):
        rows = await session.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.dedupe_key,
                OutboxMessage.status,
                OutboxMessage.due_at,
            ).where(
                OutboxMessage.booking_id.in_(booking_ids[i : i + 500]), OutboxMessage.kind == KIND
            )
        )
        out.update(
            {key: (row_id, status, due) for row_id, key, status, due in rows if key is not None}
        )
    return out


async def plan(
    session: AsyncSession, config: Config, now: datetime, *, user_id: int | None = None
) -> int:
    """Bring the reminders of the coming days in line (only `user_id`'s when given); how
    many rows were added, moved or dropped."""
    query = (
        select(Booking, Slot.starts_at)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(
            Booking.status == "confirmed",
            Booking.user_id.is_not(None),
            Booking.chat_id.is_not(None),
            Slot.starts_at > now,
            Slot.starts_at <= now + PLAN_AHEAD,
        )
    )
    if user_id is not None:
        query = query.where(Booking.user_id == user_id)
    bookings = (await session.execute(query)).all()
    people = await prefs_of(
        session, config, (b.user_id for b, _s in bookings if b.user_id is not None)
    )
    existing = await _existing(session, [b.id for b, _s in bookings])
    add, move, keep = [], [], set()
    for booking, starts_at in bookings:
        if booking.user_id is None:  # not selected: the query asks for a user
            continue
        person = people[booking.user_id]
        if not person.enabled:
            continue
        for p in wanted(booking, starts_at, config, person.quiet, now):
            key = dedupe_key(booking.id, p.which, starts_at)
            keep.add(key)
            found = existing.get(key)
            if found is None:
                add.append(_row(booking, starts_at, p, now))
            elif found[1] == "pending" and found[2] != p.due_at:
                move.append((found[0], p.due_at))
    drop = [
        row_id
        for key, (row_id, status, _due) in existing.items()
        if status == "pending" and key not in keep
    ]
    await _apply(session, add, move, drop)
    return len(add) + len(move) + len(drop)


async def _apply(
    session: AsyncSession, add: list[dict], move: list[tuple[int, datetime]], drop: list[int]
) -> None:
    if add:
        insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
        # Another process may have planned the same reminder a moment ago: keep theirs.
        await session.execute(
            insert(OutboxMessage).on_conflict_do_nothing(index_elements=["dedupe_key"]), add
        )
    for row_id, due_at in move:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.status == "pending")
            .values(due_at=due_at)
        )
    for i in range(0, len(drop), 500):
        await session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.id.in_(drop[i : i + 500]), OutboxMessage.status == "pending"
            )
        )
