"""Granting and removing officer rights (the command line and the config bootstrap), each
change audited in the same transaction.

Rights attach to a person (bot/db/models.py). A channel account made an officer becomes a
person's account (a users row with no name or phone, only the channel's id, is made if they
never wrote to the bot, so their very first message already shows officer tools); accounts
linked to that person later share the rights.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.db.models import Person, User
from bot.db.officer_models import ROLES, Officer, OfficerUnit
from bot.officers.audit import record
from bot.officers.roles import officer_of


def snapshot(officer: Officer | None) -> dict[str, Any] | None:
    """What the audit log keeps of an officer's rights."""
    if officer is None:
        return None
    return {"role": officer.role, "units": sorted(officer.unit_ids)}


def target_of(channel: str, external_id: str) -> str:
    return f"officer:{channel}:{external_id}"


async def grant(
    session: AsyncSession,
    *,
    channel: str,
    external_id: str,
    role: str,
    unit_ids: Iterable[str],
    actor: str,
    action: str,
    now: datetime,
    replace: bool,
) -> bool:
    """Give `role` and `unit_ids` to the person; True when anything changed (and was audited).

    replace=True (`trolyso officers add`): role and units become exactly these.
    replace=False (the config bootstrap): rights only grow — admin stays admin, units are
    added — so running it again and again changes nothing.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}: {role!r}")
    officer = await officer_of(session, channel, external_id)
    before = snapshot(officer)
    if officer is None:
        person_id = await person_of_account(session, channel, external_id, now)
        officer = Officer(person_id=person_id, role=role, created_at=now, units=[])
        session.add(officer)
    wanted = set(unit_ids)
    if not replace:
        role = "admin" if "admin" in (officer.role, role) else "officer"
        wanted |= set(officer.unit_ids)
    officer.role = role
    for link in [u for u in officer.units if u.unit_id not in wanted]:
        officer.units.remove(link)
    for unit_id in sorted(wanted - set(officer.unit_ids)):
        officer.units.append(OfficerUnit(unit_id=unit_id))
    after = snapshot(officer)
    if after == before:
        return False
    await record(session, actor, action, target_of(channel, external_id), before, after, at=now)
    return True


async def remove(
    session: AsyncSession, *, channel: str, external_id: str, actor: str, now: datetime
) -> bool:
    """Take every officer right away from the person; False when they had none."""
    officer = await officer_of(session, channel, external_id)
    if officer is None:
        return False
    before = snapshot(officer)
    await session.delete(officer)
    await record(
        session, actor, "officer.remove", target_of(channel, external_id), before, None, at=now
    )
    return True


async def all_officers(session: AsyncSession) -> list[Officer]:
    query = select(Officer).options(selectinload(Officer.accounts))
    officers = list((await session.execute(query)).scalars())
    return sorted(officers, key=lambda o: (o.role, o.identities))


async def person_of_account(
    session: AsyncSession, channel: str, external_id: str, now: datetime
) -> int:
    """The person this channel account belongs to: made (with the account's users row, if
    they never wrote to the bot) when it has none yet."""
    user = await _ensure_user(session, channel, external_id, now)
    if user.person_id is None:
        person = Person(created_at=now)
        session.add(person)
        await session.flush()
        user.person_id = person.id
        await session.flush()
    return user.person_id


async def _ensure_user(
    session: AsyncSession, channel: str, external_id: str, now: datetime
) -> User:
    query = select(User).where(User.channel == channel, User.external_id == external_id)
    user = (await session.execute(query)).scalar_one_or_none()
    if user is not None:
        return user
    try:
        async with session.begin_nested():
            user = User(channel=channel, external_id=external_id, created_at=now, last_seen_at=now)
            session.add(user)
        return user
    except IntegrityError:  # they wrote to the bot at this very moment
        return (await session.execute(query)).scalar_one()
