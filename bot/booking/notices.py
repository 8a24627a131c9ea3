"""Messages queued for people who did not just write to the bot (through the outbox): the
waitlist promotion, and an officer taking a home-visit request. Rendered in the recipient's
language when queued."""

from __future__ import annotations

from datetime import datetime

from bot import i18n
from bot.booking import texts
from bot.booking.phone import display_phone
from bot.db.booking_models import Booking, HomeVisitRequest, OutboxMessage, Slot
from bot.i18n import _
from bot.points.model import Point, Unit
from bot.points.names import unit_label

# Lower is sooner; a person's own visit comes before reminders and broadcasts.
PRIORITY_OWN_VISIT = 10


def promoted(
    booking: Booking, slot: Slot, point: Point | None, now: datetime
) -> OutboxMessage | None:
    """ "A seat became free: your visit is booked", with the code and a button to see it."""
    if booking.user_id is None or not booking.chat_id:
        return None
    with i18n.use_locale(booking.locale):
        lines = [_("Good news! A seat became free and your visit is now booked."), ""]
        lines += texts.visit_lines(point, slot.starts_at, slot.ends_at, {})
        lines += [
            "",
            _("Booking code: {code}", code=booking.code),
            _(
                "If you can no longer come, please cancel in “My bookings” so someone "
                "else can have the seat."
            ),
        ]
        buttons = [[{"label": _("🗓 See this booking"), "payload": f"mb:show:{booking.id}"}]]
    return OutboxMessage(
        recipient_user_id=booking.user_id,
        channel=booking.channel,
        chat_id=booking.chat_id,
        kind="waitlist_promoted",
        text="\n".join(lines),
        buttons=buttons,
        template=None,
        data={"booking_id": booking.id},
        priority=PRIORITY_OWN_VISIT,
        due_at=now,
        status="pending",
        attempts=0,
        last_error=None,
        booking_id=booking.id,
        dedupe_key=f"promoted:{booking.id}",
        created_at=now,
        sent_at=None,
    )


KIND_HOME_VISIT_TAKEN = "home_visit_taken"


def home_visit_taken(
    request: HomeVisitRequest, unit: Unit | None, now: datetime
) -> OutboxMessage | None:
    """ "An officer of Hoàn Kiếm ward has taken your home-visit request; they will call…"
    (a request is taken once: it never goes back to "new")."""
    if request.user_id is None or not request.chat_id:
        return None
    with i18n.use_locale(request.locale):
        who = unit_label(unit) if unit is not None else request.unit_id
        if request.phone:
            text = _(
                "🏠 An officer of {unit} has taken your home-visit request. They will call "
                "{phone} to agree on a day.",
                unit=who,
                phone=display_phone(request.phone),
            )
        else:
            text = _("🏠 An officer of {unit} has taken your home-visit request.", unit=who)
    return OutboxMessage(
        recipient_user_id=request.user_id,
        channel=request.channel,
        chat_id=request.chat_id,
        kind=KIND_HOME_VISIT_TAKEN,
        text=text,
        buttons=None,
        template=None,
        data={"home_visit": request.id},
        priority=PRIORITY_OWN_VISIT,
        due_at=now,
        status="pending",
        attempts=0,
        last_error=None,
        booking_id=None,
        dedupe_key=f"home_visit_taken:{request.id}",
        created_at=now,
        sent_at=None,
    )
