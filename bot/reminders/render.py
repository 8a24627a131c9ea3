"""A reminder as the booker reads it, written at send time from the booking as it stands then
(in their language; the point, time and code; "I'll come" / Cancel / Change the time).

A reminder whose booking was cancelled or moved, whose booker turned reminders off, or whose
visit is about to start is skipped. One that comes due inside the booker's quiet hours
(the bot was down when it was due) waits for the morning if the visit is still ahead then,
else it is skipped.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.booking import cards, texts
from bot.db.booking_models import Booking, OutboxMessage, Slot
from bot.db.models import User
from bot.db.reminder_models import VisitConfirmation
from bot.i18n import _
from bot.outbox.runtime import Defer, Rendered, Skip
from bot.reminders.plan import DAY, TOO_LATE, quiet_ends
from bot.reminders.settings import prefs, row_of
from bot.types import Button, Reply, rows

if TYPE_CHECKING:
    from bot.core import Core
    from bot.ctx import CoreParts

COME = "rem:come:"


def _headline(booking: Booking, slot: Slot, days_ahead: int) -> str:
    at = texts.clock(slot.starts_at)
    if booking.for_self:
        if days_ahead == 0:
            return _("🔔 Reminder: your visit is today at {time}.", time=at)
        if days_ahead == 1:
            return _("🔔 Reminder: your visit is tomorrow at {time}.", time=at)
        return _(
            "🔔 Reminder: your visit is on {date} at {time}.",
            date=i18n.format_day(slot.starts_at),
            time=at,
        )
    name = booking.visitor_name or _("your relative")
    if days_ahead == 0:
        return _(
            "🔔 Reminder: the visit you booked for {name} is today at {time}.", name=name, time=at
        )
    if days_ahead == 1:
        return _(
            "🔔 Reminder: the visit you booked for {name} is tomorrow at {time}.",
            name=name,
            time=at,
        )
    return _(
        "🔔 Reminder: the visit you booked for {name} is on {date} at {time}.",
        name=name,
        date=i18n.format_day(slot.starts_at),
        time=at,
    )


def reminder_reply(
    booking: Booking,
    slot: Slot,
    core: Core | CoreParts,
    *,
    which: str,
    confirmed: bool,
    answered: bool = False,
) -> Reply:
    """In the current locale. `answered`: the reminder brought up to date after "I'll come"
    was pressed on it (its buttons gone, the answer said)."""
    tz = core.config.tz
    days_ahead = (
        slot.starts_at.astimezone(tz).date() - core.clock.now().astimezone(tz).date()
    ).days
    places = core.services.get("places")
    point = places.points.get(booking.point_id) if places is not None else None
    lines = [
        _headline(booking, slot, days_ahead),
        "",
        *texts.visit_lines(point, slot.starts_at, slot.ends_at, {}),
        _("Booking code: {code}", code=booking.code),
    ]
    if which == DAY:
        lines.append(cards.what_to_bring(None if booking.for_self else booking.visitor_name))
    lines.append("")
    if answered:
        lines.append(
            _("✅ You said you will come. Thank you!")
            if booking.for_self
            else _(
                "✅ You said {name} will come. Thank you!",
                name=booking.visitor_name or _("your relative"),
            )
        )
        return Reply(text="\n".join(lines), keep=True)
    buttons = []
    if confirmed:
        lines.append(
            _(
                "You told us you will come. Thank you! If something changes, you can "
                "still cancel or change the time."
            )
        )
    else:
        lines.append(_("Will you come? If not, please cancel, so someone else can have the seat."))
        buttons.append(Button(_("✅ I'll come"), f"{COME}{booking.id}"))
    buttons += [
        Button(_("❌ Cancel this visit"), f"mb:cancel:{booking.id}"),
        Button(_("🔁 Change the time"), f"mb:resch:{booking.id}"),
    ]
    return Reply(text="\n".join(lines), buttons=rows(*buttons), keep=True)


async def render(session: AsyncSession, row: OutboxMessage, core: Core) -> Rendered:
    data = row.data or {}
    booking = await session.get(Booking, data.get("booking_id"))
    if booking is None or booking.status != "confirmed" or booking.user_id is None:
        return Skip("the visit was cancelled")
    slot = await session.get(Slot, booking.slot_id)
    if slot is None or int(slot.starts_at.timestamp()) != data.get("starts_at"):
        return Skip("the visit moved")
    now = core.clock.now()
    if slot.starts_at - now < TOO_LATE:
        return Skip("too late: the visit is about to start")
    person = prefs(core.config, await row_of(session, booking.user_id))
    if not person.enabled:
        return Skip("reminders turned off")
    morning = quiet_ends(now, person.quiet, core.config.tz)
    if morning is not None:
        if slot.starts_at - morning < TOO_LATE + timedelta(minutes=15):
            return Skip("quiet hours until the visit")
        return Defer(morning)
    user = await session.get(User, booking.user_id)
    confirmed = await session.get(VisitConfirmation, booking.id) is not None
    with i18n.use_locale((user.locale if user else None) or booking.locale):
        return [
            reminder_reply(booking, slot, core, which=data.get("which", DAY), confirmed=confirmed)
        ]
