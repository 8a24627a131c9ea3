"""Who may do what: an officer acts only for the units they serve, an admin for every unit.

Every officer action is authorised here, server-side, whatever buttons the person was shown:
a handler calls `require_unit(ctx, unit_id)` (or `require_officer` / `require_admin`) before
it shows or changes anything, and turns `NotAllowed` into a polite refusal. A refusal is
logged with the internal user id only (never a name, phone number or typed text).
"""

from __future__ import annotations

import logging
import re
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.db.models import User
from bot.db.officer_models import Officer

if TYPE_CHECKING:
    from bot.ctx import Ctx

log = logging.getLogger(__name__)
_UNIT_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class Refusal(StrEnum):
    NOT_OFFICER = "not_officer"  # a citizen (or a removed officer)
    OUT_OF_SCOPE = "out_of_scope"  # an officer, but not of that unit
    NOT_ADMIN = "not_admin"  # an officer asking for an admin-only action


class NotAllowed(Exception):
    """The person may not do this; nothing was changed."""

    def __init__(self, reason: Refusal, unit_id: str | None = None):
        super().__init__(f"{reason.value}: unit {unit_id}" if unit_id else reason.value)
        self.reason = reason
        self.unit_id = unit_id


async def officer_of(session: AsyncSession, channel: str, external_id: str) -> Officer | None:
    query = select(Officer).where(Officer.channel == channel, Officer.external_id == external_id)
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


async def current_officer(ctx: Ctx) -> Officer | None:
    state = inspect(ctx.user)
    if "officer" in state.dict:
        return state.dict["officer"]
    # The user row was created by this very message, so nothing was joined onto it.
    officer = await officer_of(ctx.session, ctx.user.channel, ctx.user.external_id)
    set_committed_value(ctx.user, "officer", officer)
    return officer


def _refuse(ctx: Ctx, reason: Refusal, unit_id: str | None = None) -> NotAllowed:
    # A unit id from a forged payload or typed text could be anything a person wrote: only
    # a well-formed id is logged.
    shown = unit_id if unit_id and _UNIT_ID.fullmatch(unit_id) and len(unit_id) <= 64 else "-"
    log.warning(
        "officer action refused (%s): channel=%s user=%s unit=%s",
        reason.value,
        ctx.user.channel,
        ctx.user.id,
        shown,
    )
    return NotAllowed(reason, unit_id)


async def require_officer(ctx: Ctx) -> Officer:
    officer = await current_officer(ctx)
    if officer is None:
        raise _refuse(ctx, Refusal.NOT_OFFICER)
    return officer


async def require_admin(ctx: Ctx) -> Officer:
    officer = await require_officer(ctx)
    if not officer.is_admin:
        raise _refuse(ctx, Refusal.NOT_ADMIN)
    return officer


async def require_unit(ctx: Ctx, unit_id: str) -> Officer:
    """The officer acting, if they may act for `unit_id`; else NotAllowed (logged)."""
    officer = await current_officer(ctx)
    if officer is None:
        raise _refuse(ctx, Refusal.NOT_OFFICER, unit_id)
    if not can_act_on_unit(officer, unit_id):
        raise _refuse(ctx, Refusal.OUT_OF_SCOPE, unit_id)
    return officer
