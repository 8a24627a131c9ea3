"""The chat's way into the services (bot/services/): the service context of this message —
the actor built from the sender's user row and officer grant, the message's database session,
the clock — and the refusal a service raised, rendered in the reader's language."""

from __future__ import annotations

from bot.ctx import Ctx
from bot.officers.roles import current_officer
from bot.points.model import Places
from bot.services.actor import Actor, actor_of
from bot.services.context import ServiceContext
from bot.services.errors import Refused, ServiceError
from bot.services.messages import Text, render

__all__ = ["Refused", "actor", "places", "render", "service_context", "text_of"]


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
    )


def places(ctx: Ctx) -> Places:
    """The loaded support points (a refusal when there are none, like the services say)."""
    found = ctx.services.get("places")
    if found is None:
        raise Refused("schedule.no_points_loaded")
    return found


def text_of(message: ServiceError | Text) -> str:
    return render(message)
