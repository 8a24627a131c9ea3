"""Messages queued for people who did not just write to the bot (through the outbox): the
waitlist promotion, and an officer taking a home-visit request. Rendered in the recipient's
language when queued."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.booking import cards, texts
from bot.booking.phone import display_phone
from bot.db.booking_models import Booking, HomeVisitRequest, OutboxMessage, Slot
from bot.db.models import User
from bot.i18n import _
from bot.outbox.render import stored_replies
from bot.outbox.runtime import Rendered, Skip
from bot.points.model import Point
from bot.types import Reply

if TYPE_CHECKING:
    from bot.core import Core

# Lower is sooner; a person's own visit comes before reminders and broadcasts.
PRIORITY_OWN_VISIT = 10
# The outbox template of a promotion: its text (written when queued) with the same calendar
# file and venue a booking gets, made at send time (handlers/booking.py registers it).
PROMOTED = "waitlist_promoted"


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
        template=PROMOTED,
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


def home_visit_news(request: HomeVisitRequest, event: str, now: datetime) -> OutboxMessage | None:
    """To the citizen who asked for a home visit: an officer has taken the request
    (`event` "taken": they will call to agree on a day) or the visit is done ("done")."""
    if request.user_id is None or not request.chat_id:
        return None
    with i18n.use_locale(request.locale):
        who = _("you") if request.for_self else (request.visitor_name or _("the visitor"))
        if event == "taken":
            lines = [
                _(
                    "🏠 Your home-visit request (code {code}) has been taken by an officer of "
                    "the support team.",
                    code=request.code or "",
                ),
                _(
                    "They will call {phone} to agree on a day to visit {who}.",
                    phone=display_phone(request.phone or ""),
                    who=who,
                ),
            ]
        else:
            lines = [
                _(
                    "🏠 The home visit (code {code}) is marked as done. Thank you!",
                    code=request.code or "",
                ),
                _("If anything is still unclear, you can book another visit at any time."),
            ]
        buttons = [[{"label": _("🗓 My bookings"), "payload": "mybk"}]]
    return OutboxMessage(
        recipient_user_id=request.user_id,
        channel=request.channel,
        chat_id=request.chat_id,
        kind=f"home_visit_{event}",
        text="\n".join(lines),
        buttons=buttons,
        template=None,
        data={"home_visit_id": request.id},
        priority=PRIORITY_OWN_VISIT,
        due_at=now,
        status="pending",
        attempts=0,
        last_error=None,
        booking_id=None,
        dedupe_key=f"home_visit:{request.id}:{event}",
        created_at=now,
        sent_at=None,
    )


def home_visit_cancelled(request: HomeVisitRequest, officer: User, now: datetime) -> OutboxMessage:
    """To the officer who had taken a home visit: the citizen cancelled it, no need to call.
    Only the request's number and code: the officer's list had the rest."""
    with i18n.use_locale(officer.locale or "vi"):  # an officer who never chose: Vietnamese
        text = _(
            "🏠 Home-visit request #{id} (code {code}) was cancelled by the citizen: "
            "no need to call or visit.",
            id=request.id,
            code=request.code or "",
        )
    return OutboxMessage(
        recipient_user_id=officer.id,
        channel=officer.channel,
        chat_id=officer.external_id,
        kind="home_visit_cancelled",
        text=text,
        buttons=None,
        template=None,
        data={"home_visit_id": request.id},
        priority=PRIORITY_OWN_VISIT,
        due_at=now,
        status="pending",
        attempts=0,
        last_error=None,
        booking_id=None,
        dedupe_key=f"home_visit:{request.id}:cancelled",
        created_at=now,
        sent_at=None,
    )


async def render_promoted(session: AsyncSession, row: OutboxMessage, core: Core) -> Rendered:
    """The promotion as sent: its text and button (kept in the chat: it carries the code),
    then the visit's calendar file and the venue, like a booking confirmation."""
    booking = await session.get(Booking, (row.data or {}).get("booking_id"))
    if booking is None or booking.status != "confirmed":
        return Skip("the visit was cancelled")
    slot = await session.get(Slot, booking.slot_id)
    if slot is None or not row.text:
        return Skip("the visit is gone")
    first = stored_replies(row)[0]
    replies = [replace(first, keep=True)]
    places = core.services.get("places")
    point = places.points.get(booking.point_id) if places is not None else None
    if point is not None:
        user = await session.get(User, booking.user_id) if booking.user_id else None
        with i18n.use_locale((user.locale if user else None) or booking.locale):
            replies += [
                Reply(
                    document=cards.calendar_document(
                        booking,
                        slot,
                        point,
                        core.config.tz,
                        core.clock.now(),
                        alarm_hours=core.config.reminders.hours_before,
                    )
                ),
                Reply(location=cards.venue(point)),
            ]
    return replies
