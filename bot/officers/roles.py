"""Officer grants as stored: the officer row of a channel account's person (with its units),
and the row the chat loaded with the sender's user (handlers/services.py builds the actor).

The checks themselves ("may this person act for that unit?") are methods of the `Actor`
(bot/services/actor.py) and are called by the services, whatever surface calls them.
"""

from __future__ import annotations

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import User
from bot.db.officer_models import Officer


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
