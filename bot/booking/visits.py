"""Booking a visit as a service: book a seat, join the waitlist when there is none, or ask for a
home visit — for the actor's own account (reminders go to `reply_to`: channel, chat, locale).
The details are checked here, whatever surface gathered them: a name, a Vietnamese mobile
number in E.164, a known help topic, priority groups and needs from the known lists, and the
visitor's consent. Seats are taken only through bot/booking/service.py."""

from __future__ import annotations

from bot.booking import service
from bot.booking.phone import normalise_phone
from bot.db.booking_models import Booking, HomeVisitRequest, Slot
from bot.i18n import N_
from bot.services.context import ServiceContext
from bot.services.errors import Refused
from bot.services.messages import define

ReplyTo = tuple[str, str, str]  # channel, chat id, locale

define(
    "booking.incomplete",
    N_("Something is missing from this form. Please press Back and check each answer."),
)
define("booking.slot_gone", N_("That time is no longer offered. Please book again."))


def check(details: service.Details) -> None:
    """Refused("booking.incomplete") unless every detail has an accepted form."""
    if (
        not details.name.strip()
        or normalise_phone(details.phone) != details.phone
        or details.help_topic not in service.HELP_TOPICS
        or not set(details.priority) <= set(service.PRIORITY_GROUPS)
        or not set(details.needs) <= set(service.NEEDS)
        or not details.consent
    ):
        raise Refused("booking.incomplete")


def _booker(sc: ServiceContext, reply_to: ReplyTo) -> service.Booker:
    if sc.actor.user_id is None:  # a visit is booked from a channel account
        raise Refused("booking.incomplete")
    return service.Booker(sc.actor.user_id, *reply_to)


async def _slot(sc: ServiceContext, slot_id: int) -> Slot:
    slot = await sc.session.get(Slot, slot_id)
    if slot is None or slot.status != "open" or slot.starts_at <= sc.now():
        raise Refused("booking.slot_gone")
    return slot


async def book_visit(
    sc: ServiceContext, slot_id: int, details: service.Details, reply_to: ReplyTo
) -> tuple[Booking | None, Slot]:
    """The confirmed booking and its slot; (None, slot) when the slot has no seat for this
    visitor now (the caller may offer the waitlist)."""
    check(details)
    booker = _booker(sc, reply_to)
    slot = await _slot(sc, slot_id)
    return await service.book(sc.session, slot.id, booker, details, sc.now()), slot


async def wait_for_seat(
    sc: ServiceContext, slot_id: int, details: service.Details, reply_to: ReplyTo
) -> tuple[int, Slot]:
    """Join the slot's waitlist; (place in line, 1 = next; the slot)."""
    check(details)
    booker = _booker(sc, reply_to)
    slot = await _slot(sc, slot_id)
    return await service.join_waitlist(sc.session, slot.id, booker, details, sc.now()), slot


async def ask_home_visit(
    sc: ServiceContext,
    point_id: str,
    details: service.Details,
    address: str,
    days: list[int],
    reply_to: ReplyTo,
) -> HomeVisitRequest:
    """A request for the support team of the point's unit to come to the visitor."""
    check(details)
    point = sc.places.points.get(point_id) if sc.places else None
    if point is None or not address.strip() or not all(0 <= d <= 6 for d in days):
        raise Refused("booking.incomplete")
    return await service.request_home_visit(
        sc.session,
        unit_id=point.unit,
        point_id=point.id,
        booker=_booker(sc, reply_to),
        details=details,
        address=address,
        days=days,
        now=sc.now(),
    )
