"""Booking a visit as a service: book a seat, join the waitlist when there is none, or ask for a
home visit — for the actor's own account (reminders go to `reply_to`: channel, chat, locale).
The details are checked here, whatever surface gathered them: a name, a Vietnamese mobile
number in E.164, a known help topic, priority groups and needs from the known lists, and the
visitor's consent. Seats are taken only through bot/booking/service.py."""

from __future__ import annotations

from dataclasses import dataclass

from bot.booking import access, service
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
define(
    "booking.access_unmet",
    N_(
        "This support point may not meet the visitor's needs. Please choose another point, "
        "a home visit, or book here and let the staff know."
    ),
)


@dataclass(frozen=True, slots=True)
class AccessAdvice:
    """What the dialog says before offering times: how the point meets the needs, and the
    nearest points that surely do (with km)."""

    point_id: str
    fit: access.Fit
    instead: list[tuple[str, float]]


async def access_advice(sc: ServiceContext, point_id: str, needs: list[str]) -> AccessAdvice:
    """Check the visitor's needs against the point before any time is offered."""
    point = sc.places.points.get(point_id) if sc.places else None
    if point is None or not set(needs) <= set(service.NEEDS):
        raise Refused("booking.incomplete")
    assert sc.places is not None
    nearest = access.nearest_fitting(sc.places, point, needs)
    return AccessAdvice(point.id, access.fit(point, needs), [(p.id, km) for p, km in nearest])


def _access_note(sc: ServiceContext, point_id: str, details: service.Details, ack: bool) -> None:
    """Refuse a booking at a point that does not meet (or does not say it meets) the needs,
    unless the booker chose to book anyway: then the officers get a note on it."""
    point = sc.places.points.get(point_id) if sc.places else None
    if point is None:
        return
    fit = access.fit(point, details.needs)
    if fit.ok:
        details.access_note = None
        return
    if not ack:
        raise Refused("booking.access_unmet")
    details.access_note = fit.note()


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
    sc: ServiceContext,
    slot_id: int,
    details: service.Details,
    reply_to: ReplyTo,
    *,
    access_ack: bool = False,
) -> tuple[Booking | None, Slot]:
    """The confirmed booking and its slot; (None, slot) when the slot has no seat for this
    visitor now (the caller may offer the waitlist). A point that does not meet the needs
    is refused unless `access_ack` (the booker chose to book anyway; the officers are told)."""
    check(details)
    booker = _booker(sc, reply_to)
    slot = await _slot(sc, slot_id)
    _access_note(sc, slot.point_id, details, access_ack)
    return await service.book(sc.session, slot.id, booker, details, sc.now()), slot


async def wait_for_seat(
    sc: ServiceContext,
    slot_id: int,
    details: service.Details,
    reply_to: ReplyTo,
    *,
    access_ack: bool = False,
) -> tuple[int, Slot]:
    """Join the slot's waitlist; (place in line, 1 = next; the slot)."""
    check(details)
    booker = _booker(sc, reply_to)
    slot = await _slot(sc, slot_id)
    _access_note(sc, slot.point_id, details, access_ack)
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
