"""Officer grants as the chat loads them: the officer row of a channel account (with its
units), read once per message, and whether to show officer menus.

The checks themselves ("may this person act for that unit?") are methods of the `Actor`
(bot/services/actor.py) and are called by the services, whatever surface calls them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.db.models import User
from bot.db.officer_models import Officer

if TYPE_CHECKING:
    from bot.ctx import Ctx


async def officer_of(session: AsyncSession, channel: str, external_id: str) -> Officer | None:
    """The officer rights of the person this channel account belongs to, if any."""
    query = (
        select(Officer)
        .join(User, User.person_id == Officer.person_id)
        .where(User.channel == channel, User.external_id == external_id)
    )
    return (await session.execute(query)).scalar_one_or_none()


def can_act_on_unit(officer: Officer | None, unit_id: str) -> bool:
    if officer is None:
        return False
    return officer.is_admin or unit_id in officer.unit_ids


def loaded_officer(user: User) -> Officer | None:
    """The officer row loaded with the user at the start of this message (see
    bot/db/officer_models.py); None for citizens. Never touches the database."""
    return inspect(user).dict.get("officer")


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
