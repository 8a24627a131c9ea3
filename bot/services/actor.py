"""Who acts: a person with their roles (citizen, officer, admin) and the units they serve.

Built once per message from the database for the chat (handlers/services.py), and the same
way by the command line or a web page (`actor_for_identity`, `Actor.operator`). Every
authorisation check is a method here, called by the services: an officer acts only for the
units they serve, an admin for every unit. A refusal is logged with ids only (the person,
never a name, phone number or typed text).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import User
from bot.db.officer_models import Officer
from bot.services.errors import NOT_ADMIN, NOT_OFFICER, OUT_OF_SCOPE, NotAllowed

log = logging.getLogger(__name__)
_UNIT_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

CITIZEN, OFFICER, ADMIN = "citizen", "officer", "admin"


@dataclass(frozen=True)
class Actor:
    """`label` is how the actor appears in the audit log ("telegram:123456789", "cli:ops").
    `user_id` is the channel account acting (users.id) when there is one; `person_id` the
    person whose grants these are (None for a citizen)."""

    label: str
    role: str = CITIZEN
    unit_ids: frozenset[str] = field(default_factory=frozenset)
    person_id: int | None = None
    user_id: int | None = None
    officer_id: int | None = None  # the grant row, for what records who sent a broadcast

    @classmethod
    def citizen(cls, label: str, user_id: int | None = None) -> Actor:
        return cls(label, CITIZEN, user_id=user_id)

    @classmethod
    def operator(cls, label: str) -> Actor:
        """The operator at the command line: acts for every unit (they run the machine)."""
        return cls(label, ADMIN)

    @property
    def roles(self) -> frozenset[str]:
        if self.role == ADMIN:
            return frozenset({CITIZEN, OFFICER, ADMIN})
        if self.role == OFFICER:
            return frozenset({CITIZEN, OFFICER})
        return frozenset({CITIZEN})

    @property
    def is_officer(self) -> bool:
        return self.role in (OFFICER, ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def sorted_units(self) -> list[str]:
        return sorted(self.unit_ids)

    def can_act_on_unit(self, unit_id: str) -> bool:
        return self.is_admin or (self.is_officer and unit_id in self.unit_ids)

    def _refuse(self, key: str, unit_id: str | None = None) -> NotAllowed:
        # A unit id from a forged payload or typed text could be anything a person wrote:
        # only a well-formed id is logged.
        shown = unit_id if unit_id and _UNIT_ID.fullmatch(unit_id) and len(unit_id) <= 64 else "-"
        log.warning(
            "officer action refused (%s): person=%s user=%s unit=%s",
            key,
            self.person_id if self.person_id is not None else "-",
            self.user_id if self.user_id is not None else "-",
            shown,
        )
        return NotAllowed(key, unit_id)

    def require_officer(self) -> Actor:
        if not self.is_officer:
            raise self._refuse(NOT_OFFICER)
        return self

    def require_admin(self) -> Actor:
        self.require_officer()
        if not self.is_admin:
            raise self._refuse(NOT_ADMIN)
        return self

    def require_unit(self, unit_id: str) -> Actor:
        """This actor, if they may act for `unit_id`; else NotAllowed (logged)."""
        if not self.is_officer:
            raise self._refuse(NOT_OFFICER, unit_id)
        if not self.can_act_on_unit(unit_id):
            raise self._refuse(OUT_OF_SCOPE, unit_id)
        return self


def actor_of(label: str, user_id: int | None, officer) -> Actor:
    """The actor of a channel account and its officer grant row (None for a citizen)."""
    if officer is None:
        return Actor.citizen(label, user_id)
    return Actor(
        label,
        ADMIN if officer.is_admin else OFFICER,
        frozenset(officer.unit_ids),
        person_id=officer.person_id,
        user_id=user_id,
        officer_id=officer.id,
    )


async def officer_of(session: AsyncSession, channel: str, external_id: str) -> Officer | None:
    """The officer rights of the person this channel account belongs to, if any."""
    query = (
        select(Officer)
        .join(User, User.person_id == Officer.person_id)
        .where(User.channel == channel, User.external_id == external_id)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def actor_for_identity(session: AsyncSession, channel: str, external_id: str) -> Actor:
    """The actor for someone reaching us as (channel, external id): what the command line or a
    web page builds for a person it has identified."""
    user_id = await session.scalar(
        select(User.id).where(User.channel == channel, User.external_id == external_id)
    )
    officer = await officer_of(session, channel, external_id)
    return actor_of(f"{channel}:{external_id}", user_id, officer)
