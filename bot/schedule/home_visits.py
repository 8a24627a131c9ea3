"""The home-visit queue of an officer's units: requests not yet done, oldest first; an officer
takes one (assigned to themself) and marks it done. Authorised with `require_unit` for the
request's unit and audited (request ids only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select, update

from bot.db import rowcount
from bot.db.booking_models import HomeVisitRequest
from bot.i18n import N_, _
from bot.officers import audit
from bot.officers.roles import require_officer, require_unit
from bot.schedule.errors import Refused

if TYPE_CHECKING:
    from bot.ctx import Ctx

QUEUE_ROWS = 20
OPEN_STATES = ("new", "assigned")

audit.register_action("home_visit.assign", N_("Home visit taken by an officer"))
audit.register_action("home_visit.done", N_("Home visit done"))


async def queue(ctx: Ctx) -> list[HomeVisitRequest]:
    """Open requests of the officer's units (every unit for an admin), oldest first."""
    officer = await require_officer(ctx)
    query = (
        select(HomeVisitRequest)
        .where(HomeVisitRequest.status.in_(OPEN_STATES))
        .order_by(HomeVisitRequest.created_at, HomeVisitRequest.id)
        .limit(QUEUE_ROWS)
    )
    if not officer.is_admin:
        query = query.where(HomeVisitRequest.unit_id.in_(officer.unit_ids))
    return list((await ctx.session.scalars(query)).all())


async def request_for(ctx: Ctx, request_id: int) -> HomeVisitRequest:
    request = await ctx.session.get(HomeVisitRequest, request_id, populate_existing=True)
    if request is None:
        raise Refused(_("I could not find that home-visit request, so I did nothing."))
    await require_unit(ctx, request.unit_id)
    return request


async def assign_to_me(ctx: Ctx, request_id: int) -> HomeVisitRequest:
    request = await request_for(ctx, request_id)
    if request.status == "done":
        raise Refused(_("This home visit is already done, so I did nothing."))
    if request.assigned_to == ctx.user.id:
        return request
    # Conditional, so two officers pressing at once cannot both take it.
    taken = await ctx.session.execute(
        update(HomeVisitRequest)
        .where(HomeVisitRequest.id == request.id, HomeVisitRequest.status == "new")
        .values(status="assigned", assigned_to=ctx.user.id, updated_at=ctx.now())
    )
    if rowcount(taken) != 1:
        raise Refused(_("Another officer has already taken this home visit."))
    await ctx.session.refresh(request)
    await audit.record_for(
        ctx,
        "home_visit.assign",
        f"home_visit:{request.id}",
        {"status": "new"},
        {"status": "assigned", "officer_user": ctx.user.id},
        unit_id=request.unit_id,
    )
    return request


async def mark_done(ctx: Ctx, request_id: int) -> HomeVisitRequest:
    request = await request_for(ctx, request_id)
    if request.status == "done":
        return request
    before = request.status
    await ctx.session.execute(
        update(HomeVisitRequest)
        .where(HomeVisitRequest.id == request.id, HomeVisitRequest.status.in_(OPEN_STATES))
        .values(
            status="done", assigned_to=request.assigned_to or ctx.user.id, updated_at=ctx.now()
        )
    )
    await ctx.session.refresh(request)
    await audit.record_for(
        ctx,
        "home_visit.done",
        f"home_visit:{request.id}",
        {"status": before},
        {"status": "done"},
        unit_id=request.unit_id,
    )
    return request
