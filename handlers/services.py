"""The chat's way into the services (bot/services/): the service context of this message —
the actor built from the sender's user row and officer grant, the message's database session,
the clock — and the refusal a service raised, rendered in the reader's language."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.orm.attributes import set_committed_value

from bot.ctx import Ctx
from bot.db.officer_models import Officer
from bot.officers.roles import loaded_officer, officer_of
from bot.points.model import Places
from bot.services.actor import Actor, actor_of
from bot.services.context import ServiceContext
from bot.services.errors import Refused, ServiceError
from bot.services.messages import Text, render

__all__ = [
    "Refused",
    "actor",
    "current_officer",
    "is_officer",
    "places",
    "render",
    "service_context",
    "text_of",
]


def is_officer(ctx: Ctx | None) -> bool:
    """For menus (which cannot await): ctx is None in the apology menu, then hide."""
    return ctx is not None and loaded_officer(ctx.user) is not None


async def current_officer(ctx: Ctx, *, again: bool = False) -> Officer | None:
    """The sender's officer rights; `again` reads them afresh (after linking an account)."""
    state = inspect(ctx.user)
    if "officer" in state.dict and not again:
        return state.dict["officer"]
    # The user row was created by this very message, so nothing was joined onto it.
    officer = await officer_of(ctx.session, ctx.user.channel, ctx.user.external_id)
    set_committed_value(ctx.user, "officer", officer)
    return officer


async def actor(ctx: Ctx) -> Actor:
    """Who writes: their officer grant is loaded with their user row once per message."""
    officer = await current_officer(ctx)
    return actor_of(f"{ctx.user.channel}:{ctx.user.external_id}", ctx.user.id, officer)


async def service_context(ctx: Ctx) -> ServiceContext:
    return ServiceContext(
        actor=await actor(ctx),
        session=ctx.session,
        clock=ctx.clock,
        tz=ctx.config.tz,
        places=ctx.services.get("places"),
        content_dir=ctx.config.path("paths.content"),
        horizon_days=ctx.config.booking.horizon_days,
        min_notice_hours=ctx.config.schedule.min_notice_hours,
    )


def places(ctx: Ctx) -> Places:
    """The loaded support points (a refusal when there are none, like the services say)."""
    found = ctx.services.get("places")
    if found is None:
        raise Refused("schedule.no_points_loaded")
    return found


def text_of(message: ServiceError | Text) -> str:
    return render(message)
