"""The home-visit queue of an officer's units: requests not yet done, oldest first; an officer
takes one (assigned to themself), writes a note on it, and marks it done; the citizen is told
of taking and done through the outbox. Authorised with `require_unit` for the request's unit
and audited (request ids only: never the note's words)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select, update

from bot.booking import notices
from bot.db import rowcount
from bot.db.booking_models import HomeVisitRequest
from bot.i18n import N_
from bot.officers import audit
from bot.schedule.errors import Refused
from bot.services.registry import officer_service

if TYPE_CHECKING:
    from bot.services.context import ServiceContext

QUEUE_ROWS = 20
OPEN_STATES = ("new", "assigned")

audit.register_action("home_visit.assign", N_("Home visit taken by an officer"))
audit.register_action("home_visit.done", N_("Home visit done"))
audit.register_action("home_visit.note", N_("Home-visit note written"))

MAX_NOTE = 300  # home_visit_requests.officer_note


@officer_service
async def queue(sc: ServiceContext) -> list[HomeVisitRequest]:
    """Open requests of the officer's units (every unit for an admin), oldest first."""
    officer = sc.actor.require_officer()
    query = (
        select(HomeVisitRequest)
        .where(HomeVisitRequest.status.in_(OPEN_STATES))
        .order_by(HomeVisitRequest.created_at, HomeVisitRequest.id)
        .limit(QUEUE_ROWS)
    )
    if not officer.is_admin:
        query = query.where(HomeVisitRequest.unit_id.in_(officer.unit_ids))
    return list((await sc.session.scalars(query)).all())


@officer_service
async def request_for(sc: ServiceContext, request_id: int) -> HomeVisitRequest:
    sc.actor.require_officer()
    request = await sc.session.get(HomeVisitRequest, request_id, populate_existing=True)
    if request is None:
        raise Refused("home_visit.not_found")
    sc.actor.require_unit(request.unit_id)
    return request


@officer_service
async def assign_to_me(sc: ServiceContext, request_id: int) -> HomeVisitRequest:
    request = await request_for(sc, request_id)
    if request.status == "done":
        raise Refused("home_visit.already_done")
    if request.status == "cancelled":
        raise Refused("home_visit.cancelled")
    if request.assigned_to == sc.actor.user_id:
        return request
    # Conditional, so two officers pressing at once cannot both take it.
    taken = await sc.session.execute(
        update(HomeVisitRequest)
        .where(HomeVisitRequest.id == request.id, HomeVisitRequest.status == "new")
        .values(status="assigned", assigned_to=sc.actor.user_id, updated_at=sc.now())
    )
    if rowcount(taken) != 1:
        raise Refused("home_visit.taken")
    await sc.session.refresh(request)
    if (told := notices.home_visit_news(request, "taken", sc.now())) is not None:
        sc.session.add(told)
    await audit.record_by(
        sc,
        "home_visit.assign",
        f"home_visit:{request.id}",
        {"status": "new"},
        {"status": "assigned", "officer_user": sc.actor.user_id},
        unit_id=request.unit_id,
    )
    return request


@officer_service
async def write_note(sc: ServiceContext, request_id: int, note: str) -> HomeVisitRequest:
    """Set (or clear, with "") the officers' note on an open or done request."""
    request = await request_for(sc, request_id)
    note = " ".join(note.split())
    if len(note) > MAX_NOTE:
        raise Refused("home_visit.note_too_long", n=MAX_NOTE)
    before = request.officer_note
    if (before or "") == note:
        return request
    await sc.session.execute(
        update(HomeVisitRequest)
        .where(HomeVisitRequest.id == request.id)
        .values(officer_note=note or None, updated_at=sc.now())
    )
    await sc.session.refresh(request)
    await audit.record_by(
        sc,
        "home_visit.note",
        f"home_visit:{request.id}",
        {"note": bool(before)},
        {"note": bool(note), "length": len(note)},
        unit_id=request.unit_id,
    )
    return request


@officer_service
async def mark_done(sc: ServiceContext, request_id: int) -> HomeVisitRequest:
    request = await request_for(sc, request_id)
    if request.status == "done":
        return request
    if request.status == "cancelled":
        raise Refused("home_visit.cancelled")
    before = request.status
    await sc.session.execute(
        update(HomeVisitRequest)
        .where(HomeVisitRequest.id == request.id, HomeVisitRequest.status.in_(OPEN_STATES))
        .values(
            status="done", assigned_to=request.assigned_to or sc.actor.user_id, updated_at=sc.now()
        )
    )
    await sc.session.refresh(request)
    if (told := notices.home_visit_news(request, "done", sc.now())) is not None:
        sc.session.add(told)
    await audit.record_by(
        sc,
        "home_visit.done",
        f"home_visit:{request.id}",
        {"status": before},
        {"status": "done"},
        unit_id=request.unit_id,
    )
    return request
