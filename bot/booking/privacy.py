"""A person's data is theirs: what the bot keeps about a user and the people they booked for
(export), deleting it on request (erase), and forgetting visits some days after they happened
(purge).

Every feature that keeps personal data registers a `Holder` here, so /privacy shows and
deletes all of it; booking registers its own below.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.booking import service
from bot.db import rowcount
from bot.db.booking_models import (
    Booking,
    BookingDraft,
    HomeVisitRequest,
    OutboxMessage,
    Slot,
    WaitlistEntry,
)
from bot.db.models import User
from bot.i18n import N_
from bot.points.model import Places
from bot.services.context import ServiceContext
from bot.services.errors import Refused
from bot.services.messages import define

log = logging.getLogger(__name__)
define(
    "privacy.no_account", N_("I could not find that visit among your bookings, so I did nothing.")
)

Exporter = Callable[[AsyncSession, User], Awaitable[Any]]
Eraser = Callable[[AsyncSession, User, datetime, Places | None], Awaitable[int]]


@dataclass(frozen=True)
class Holder:
    """One kind of personal data: how to list it for its owner and how to delete it."""

    name: str  # key in the export, e.g. "bookings"
    label: str  # msgid shown on the /privacy page, e.g. N_("Visits you booked")
    export: Exporter
    erase: Eraser
    # The tables it covers (tests/test_privacy_registry.py checks every table that refers to
    # a person is covered by one).
    tables: tuple[str, ...] = ()


HOLDERS: list[Holder] = []


def register(holder: Holder) -> None:
    HOLDERS[:] = [h for h in HOLDERS if h.name != holder.name] + [holder]


async def export(session: AsyncSession, user: User, now: datetime | None = None) -> dict[str, Any]:
    """Everything kept, times in Hanoi with their offset ("2026-12-03T09:00:00+07:00"); each
    booking says whether it is upcoming, past or cancelled (as of `now`, when given)."""
    data: dict[str, Any] = {
        "account": {
            "channel": user.channel,
            "language": user.locale,
            "first_seen": user.created_at.isoformat(),
        }
    }
    for holder in HOLDERS:
        data[holder.name] = await holder.export(session, user)
    if now is not None:
        for item in data.get("bookings") or []:
            item["state"] = visit_state(item, now)
    return _in_hanoi(data)


def visit_state(item: dict[str, Any], now: datetime) -> str:
    """ "cancelled", "past" or "upcoming" for an exported booking."""
    if item.get("status") == "cancelled":
        return "cancelled"
    ends = item.get("ends_at")
    if ends and datetime.fromisoformat(ends) <= now:
        return "past"
    return "upcoming"


def _in_hanoi(value: Any) -> Any:
    """Every aware ISO time in the export, in Hanoi time (whatever a holder wrote)."""
    if isinstance(value, dict):
        return {k: _in_hanoi(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_in_hanoi(v) for v in value]
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return i18n.local(moment).isoformat() if moment.tzinfo is not None else value
    return value


async def erase(
    session: AsyncSession, user: User, now: datetime, places: Places | None
) -> dict[str, int]:
    """Delete everything every holder keeps about the user; the user row keeps only what
    identifies the account to the messenger."""
    counts = {h.name: await h.erase(session, user, now, places) for h in HOLDERS}
    user.locale = None
    log.info("personal data erased for user %s: %s", user.id, counts)
    return counts


# --- as services: the actor's own data, from any surface --------------------------------


async def _own_user(sc: ServiceContext) -> User:
    user = await sc.session.get(User, sc.actor.user_id) if sc.actor.user_id else None
    if user is None:  # personal data belongs to a channel account
        raise Refused("privacy.no_account")
    return user


async def my_data(sc: ServiceContext) -> dict[str, Any]:
    """Everything kept about the actor's account and the people they booked for."""
    return await export(sc.session, await _own_user(sc), sc.now())


async def erase_my_data(sc: ServiceContext) -> dict[str, int]:
    """Delete it (upcoming visits cancelled, their seats given to people waiting)."""
    return await erase(sc.session, await _own_user(sc), sc.now(), sc.places)


# --- booking's own data ------------------------------------------------------------------


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


async def _export_bookings(session: AsyncSession, user: User) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Booking, Slot)
        .join(Slot, Booking.slot_id == Slot.id)
        .where(Booking.user_id == user.id)
        .order_by(Slot.starts_at)
    )
    return [
        {
            "code": b.code,
            "point": b.point_id,
            "starts_at": _iso(s.starts_at),
            "ends_at": _iso(s.ends_at),
            "status": b.status,
            "for_self": b.for_self,
            "visitor_name": b.visitor_name,
            "phone": b.phone,
            "help": b.help_topic,
            "help_note": b.help_note,
            "priority": b.priority,
            "needs": b.needs,
            "booked_anyway_with_needs_not_met": b.access_note,
            "booked_at": _iso(b.created_at),
        }
        for b, s in rows
    ]


async def _export_waitlist(session: AsyncSession, user: User) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(WaitlistEntry, Slot)
        .join(Slot, WaitlistEntry.slot_id == Slot.id)
        .where(WaitlistEntry.user_id == user.id, WaitlistEntry.status == "waiting")
    )
    return [
        {
            "point": s.point_id,
            "starts_at": _iso(s.starts_at),
            "since": _iso(w.created_at),
            **w.details,
        }
        for w, s in rows
    ]


async def _export_home_visits(session: AsyncSession, user: User) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(HomeVisitRequest).where(HomeVisitRequest.user_id == user.id)
    )
    return [
        {
            "code": r.code,
            "unit": r.unit_id,
            "status": r.status,
            "visitor_name": r.visitor_name,
            "phone": r.phone,
            "address": r.address,
            "preferred_days": r.preferred_days,
            "help": r.help_topic,
            "help_note": r.help_note,
            "priority": r.priority,
            "needs": r.needs,
            "officer_note": r.officer_note,
            "asked_at": _iso(r.created_at),
        }
        for r in rows
    ]


async def _export_draft(session: AsyncSession, user: User) -> dict[str, Any] | None:
    draft = await session.get(BookingDraft, user.id)
    return dict(draft.data) if draft else None


async def _erase_bookings(
    session: AsyncSession, user: User, now: datetime, places: Places | None
) -> int:
    upcoming = (
        await session.scalars(
            select(Booking)
            .join(Slot, Booking.slot_id == Slot.id)
            .where(Booking.user_id == user.id, Booking.status == "confirmed", Slot.starts_at > now)
        )
    ).all()
    for booking in upcoming:
        await service.cancel(session, booking, now, places)
    await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.recipient_user_id == user.id, OutboxMessage.status == "pending"
        )
    )
    result = await session.execute(
        update(Booking)
        .where(Booking.user_id == user.id)
        .values(**_FORGET, purged_at=now)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


async def _erase_waitlist(
    session: AsyncSession, user: User, now: datetime, places: Places | None
) -> int:
    result = await session.execute(delete(WaitlistEntry).where(WaitlistEntry.user_id == user.id))
    return rowcount(result)


async def _erase_home_visits(
    session: AsyncSession, user: User, now: datetime, places: Places | None
) -> int:
    result = await session.execute(
        delete(HomeVisitRequest).where(HomeVisitRequest.user_id == user.id)
    )
    return rowcount(result)


async def _erase_draft(
    session: AsyncSession, user: User, now: datetime, places: Places | None
) -> int:
    result = await session.execute(delete(BookingDraft).where(BookingDraft.user_id == user.id))
    return rowcount(result)


# What a forgotten booking keeps: the point, slot, code, status and help topic (for counts).
_FORGET: dict[str, Any] = {
    "visitor_name": None,
    "phone": None,
    "help_note": None,
    "priority": [],
    "needs": [],
    "access_note": None,  # which needs the point did not meet: about the visitor's needs
    "user_id": None,
    "chat_id": None,
}

# The waitlist goes first: cancelling the user's bookings must not promote the user.
register(
    Holder(
        "waitlist",
        N_("Waitlist places"),
        _export_waitlist,
        _erase_waitlist,
        tables=("waitlist_entries",),
    )
)
register(
    Holder(
        "bookings",
        N_("Visits you booked"),
        _export_bookings,
        _erase_bookings,
        tables=("bookings",),
    )
)
register(
    Holder(
        "home_visits",
        N_("Home-visit requests"),
        _export_home_visits,
        _erase_home_visits,
        tables=("home_visit_requests",),
    )
)
register(
    Holder(
        "unfinished_booking",
        N_("An unfinished booking form"),
        _export_draft,
        _erase_draft,
        tables=("booking_drafts",),
    )
)


async def purge(session: AsyncSession, now: datetime, retention_days: int) -> dict[str, int]:
    """Forget visits `retention_days` after they happened; drop waitlists of slots that have
    started and home-visit requests done that long ago."""
    cutoff = now - timedelta(days=retention_days)
    old_slots = select(Slot.id).where(Slot.ends_at < cutoff)
    bookings = await session.execute(
        update(Booking)
        .where(Booking.purged_at.is_(None), Booking.slot_id.in_(old_slots))
        .values(**_FORGET, purged_at=now)
        .execution_options(synchronize_session=False)
    )
    started = select(Slot.id).where(Slot.starts_at <= now)
    waitlist = await session.execute(
        delete(WaitlistEntry).where(WaitlistEntry.slot_id.in_(started))
    )
    visits = await session.execute(
        delete(HomeVisitRequest).where(
            HomeVisitRequest.status.in_(("done", "cancelled")),
            HomeVisitRequest.updated_at < cutoff,
        )
    )
    counts = {
        "bookings": rowcount(bookings),
        "waitlist": rowcount(waitlist),
        "home_visits": rowcount(visits),
    }
    log.info("retention purge: %s", counts)
    return counts


# Holders of data outside booking (guides, dialog state, sent messages, reach) register here
# too; imported last, as they use this module's `register`.
from bot import privacy_holders  # noqa: E402, F401
