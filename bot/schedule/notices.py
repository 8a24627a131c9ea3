"""The messages that tell people about a schedule change, queued in the outbox (the sweeper
sends them): to the booker of every affected visit — the person who can act, also when they
booked for a relative — and to everyone waiting for a seat in it. Rendered when queued, in
the recipient's language.

A cancelled visit comes with the next free times at the same point (one tap books one with
the same details: `mb:rebook:` in handlers/mybookings.py); a moved visit with "Still fine"
(`mb:ok:`) and "Cancel" (`mb:cancel:`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.booking import texts
from bot.booking.notices import PRIORITY_OWN_VISIT
from bot.db.booking_models import Booking, OutboxMessage, Slot, WaitlistEntry
from bot.db.models import User
from bot.i18n import _
from bot.points.model import Point

KIND_CANCELLED = "session_cancelled"
KIND_MOVED = "session_moved"
KIND_WAIT_CANCELLED = "waitlist_session_cancelled"
KIND_WAIT_MOVED = "waitlist_session_moved"
MAX_OFFERS_EACH = 2  # free times offered per visit when one message is about several


@dataclass(frozen=True, slots=True)
class Change:
    """One officer action, shared by the messages it causes."""

    key: str  # unique per action (the audit entry id): a message is never queued twice
    reason: str | None  # the officer's words; None: a general sentence is used
    now: datetime


def _button(label: str, payload: str) -> dict[str, str]:
    return {"label": label, "payload": payload}


def _row(
    recipient: Booking | WaitlistEntry,
    kind: str,
    text: str,
    buttons: list[list[Any]],
    change: Change,
    booking_id: int | None,
    what: str,
) -> OutboxMessage:
    """`what` names the first visit or waitlist place of the message (unique per recipient
    within one change), `booking_id` the first booking, so cancelling or moving it again
    drops a message not yet sent."""
    return OutboxMessage(
        recipient_user_id=recipient.user_id,
        channel=recipient.channel,
        chat_id=recipient.chat_id,
        kind=kind,
        text=text,
        buttons=buttons,
        template=None,
        data={"booking_id": booking_id, "what": what},
        priority=PRIORITY_OWN_VISIT,
        due_at=change.now,
        status="pending",
        attempts=0,
        last_error=None,
        booking_id=booking_id,
        dedupe_key=f"sched:{change.key}:{what}"[:96],
        created_at=change.now,
        sent_at=None,
    )


async def locales_of(session: AsyncSession, user_ids: list[int | None]) -> dict[int, str]:
    """The language each person chose since (their booking remembers the one they had)."""
    ids = sorted({i for i in user_ids if i is not None})
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.locale).where(User.id.in_(ids)))
    return {i: locale for i, locale in rows if locale}


def recipient_key(recipient: Booking | WaitlistEntry) -> tuple:
    """Who gets one message: the person, where they talk to the bot."""
    return recipient.user_id, recipient.channel, recipient.chat_id


def reachable(recipient: Booking | WaitlistEntry) -> bool:
    return recipient.user_id is not None and bool(recipient.chat_id)


def _reason(change: Change) -> str:
    return change.reason or _("The support point had to change its schedule.")


def _visit(
    booking: Booking, point: Point | None, starts_at: datetime, ends_at: datetime
) -> list[str]:
    """Where, when and who (the booker may have booked for a relative)."""
    who = {"name": booking.visitor_name, "for_self": booking.for_self}
    return texts.visit_lines(point, starts_at, ends_at, who if booking.visitor_name else {})


def _named(label: str, booking: Booking, several: bool) -> str:
    """A button label, with the visitor's name when the message is about several visits."""
    return f"{label} · {booking.visitor_name}" if several and booking.visitor_name else label


@dataclass(frozen=True, slots=True)
class CancelledVisit:
    booking: Booking
    slot: Slot
    offers: list[Slot]  # free times at the same point this visitor may take instead


def cancelled(
    visits: list[CancelledVisit], point: Point | None, locale: str, change: Change
) -> OutboxMessage | None:
    """One booker's visits cancelled by the point: why, and the next free times there."""
    first = visits[0].booking
    if not reachable(first):
        return None
    several = len(visits) > 1
    with i18n.use_locale(locale):
        lines = [_("😔 Sorry: your visit has been cancelled by the support point.")]
        buttons = []
        for v in visits:
            lines += ["", *_visit(v.booking, point, v.slot.starts_at, v.slot.ends_at)]
            buttons += [
                [
                    _button(
                        _named(_("🗓 {when}", when=texts.moment(s.starts_at)), v.booking, several),
                        f"mb:rebook:{v.booking.id}:{s.id}",
                    )
                ]
                for s in v.offers[: MAX_OFFERS_EACH if several else None]
            ]
        lines += ["", _("Reason: {reason}", reason=_reason(change)), ""]
        if buttons:
            lines.append(
                _(
                    "These are the next free times at the same place. Press one to "
                    "book it with the same details:"
                )
            )
        else:
            lines.append(
                _(
                    "There is no free time at this place in the coming days. You can "
                    "look for another support point."
                )
            )
        buttons += [
            [_button(_("📍 Other support points"), "pts")],
            [_button(_("🗓 My bookings"), "mybk")],
        ]
    return _row(first, KIND_CANCELLED, "\n".join(lines), buttons, change, first.id, f"b{first.id}")


@dataclass(frozen=True, slots=True)
class MovedVisit:
    booking: Booking
    before: tuple[datetime, datetime]
    slot: Slot  # the new one


def moved(
    visits: list[MovedVisit],
    old_point: Point | None,
    new_point: Point | None,
    locale: str,
    change: Change,
) -> OutboxMessage | None:
    """One booker's visits have a new time or place: still fine?"""
    first = visits[0].booking
    if not reachable(first):
        return None
    several = len(visits) > 1
    with i18n.use_locale(locale):
        lines = [_("📢 Your visit has been moved by the support point.")]
        buttons = []
        for v in visits:
            lines += ["", _("Before: {when}", when=texts.when(*v.before))]
            if new_point is not None and old_point is not None and new_point.id != old_point.id:
                lines.append(f"    {old_point.name}")
            lines += [
                _("Now:"),
                *_visit(v.booking, new_point, v.slot.starts_at, v.slot.ends_at),
                _("Booking code: {code} (unchanged)", code=v.booking.code),
            ]
            buttons += [
                [_button(_named(_("👍 Still fine"), v.booking, several), f"mb:ok:{v.booking.id}")],
                [
                    _button(
                        _named(_("❌ Cancel the visit"), v.booking, several),
                        f"mb:cancel:{v.booking.id}",
                    )
                ],
            ]
        if change.reason:
            lines += ["", _("Reason: {reason}", reason=change.reason)]
        lines += ["", _("Is the new time still fine?")]
    return _row(first, KIND_MOVED, "\n".join(lines), buttons, change, first.id, f"b{first.id}")


def waitlist_cancelled(
    entries: list[tuple[WaitlistEntry, Slot]], point: Point | None, locale: str, change: Change
) -> OutboxMessage | None:
    first = entries[0][0]
    if not reachable(first):
        return None
    with i18n.use_locale(locale):
        lines = [
            _(
                "😔 The session you were waiting for has been cancelled, so you are no "
                "longer on its waitlist."
            )
        ]
        for _entry, slot in entries:
            lines += ["", *texts.visit_lines(point, slot.starts_at, slot.ends_at, {})]
        lines += ["", _("Reason: {reason}", reason=_reason(change))]
        buttons = [
            [_button(_("📅 Book another time"), f"pts:b:{entries[0][1].point_id}")],
            [_button(_("🏠 Menu"), "menu")],
        ]
    return _row(
        first, KIND_WAIT_CANCELLED, "\n".join(lines), buttons, change, None, f"w{first.id}"
    )


def waitlist_moved(
    entries: list[tuple[WaitlistEntry, tuple[datetime, datetime], Slot]],
    point: Point | None,
    locale: str,
    change: Change,
) -> OutboxMessage | None:
    first = entries[0][0]
    if not reachable(first):
        return None
    with i18n.use_locale(locale):
        lines = [
            _("📢 The session you are waiting for has been moved. You keep your place in line.")
        ]
        buttons = []
        for entry, before, slot in entries:
            lines += [
                "",
                _("Before: {when}", when=texts.when(*before)),
                _("Now:"),
                *texts.visit_lines(point, slot.starts_at, slot.ends_at, {}),
            ]
            buttons.append([_button(_("🚶 Leave the waitlist"), f"mb:leave:{entry.id}")])
        buttons.append([_button(_("🗓 My bookings"), "mybk")])
    return _row(first, KIND_WAIT_MOVED, "\n".join(lines), buttons, change, None, f"w{first.id}")
