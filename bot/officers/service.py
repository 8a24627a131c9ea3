"""Officer services about officers themselves: what an officer may see of the audit log (the
actions of their own units; everything for an admin), the list of officers with their units
and linked apps, and granting or taking away officer rights (admins only; `trolyso officers
add|remove` calls these as the operator). An admin cannot change or take away their own
rights here (another admin, or the operator, can): nobody locks themself out by a slip."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.officer_models import AuditEntry
from bot.i18n import N_
from bot.officers import audit, manage
from bot.officers.units import check_units
from bot.services.actor import officer_of
from bot.services.context import ServiceContext
from bot.services.errors import Refused
from bot.services.messages import define
from bot.services.registry import officer_service

AUDIT_ROWS = 10

define("officers.unknown_unit", N_("I don't know that commune or ward, so I did nothing."))
define(
    "officers.not_yourself",
    N_("You cannot change your own rights here: please ask another administrator."),
)
define(
    "officers.no_units",
    N_("An officer needs at least one commune or ward (an administrator acts for all)."),
)


@dataclass(frozen=True)
class OfficerView:
    """One officer as the Officers page lists them."""

    id: int
    role: str
    unit_ids: list[str]
    accounts: list[tuple[str, str]]  # (channel, external id) of each linked app account
    is_me: bool


@officer_service
async def list_officers(sc: ServiceContext) -> list[OfficerView]:
    """Every officer and admin with their units and linked accounts. Admins only."""
    actor = sc.actor.require_admin()
    return [
        OfficerView(
            id=o.id,
            role=o.role,
            unit_ids=list(o.unit_ids),
            accounts=sorted((u.channel, u.external_id) for u in o.accounts),
            is_me=actor.person_id is not None and o.person_id == actor.person_id,
        )
        for o in await manage.all_officers(sc.session)
    ]


async def _not_yourself(sc: ServiceContext, channel: str, external_id: str) -> None:
    target = await officer_of(sc.session, channel, external_id)
    person = sc.actor.person_id
    if target is not None and person is not None and target.person_id == person:
        raise Refused("officers.not_yourself")


@officer_service
async def audit_log(
    sc: ServiceContext, unit_id: str | None = None, limit: int = AUDIT_ROWS
) -> list[AuditEntry]:
    """The latest entries, newest first: of one unit, or of all the actor's units (every
    unit for an admin)."""
    actor = sc.actor.require_officer()
    if unit_id is not None:
        actor.require_unit(unit_id)
        if unit_id not in sc.units():  # an admin may act anywhere, but it does not exist
            raise Refused("officers.unknown_unit")
        return await audit.recent(sc.session, [unit_id], limit)
    return await audit.recent(sc.session, None if actor.is_admin else actor.sorted_units, limit)


@officer_service
async def grant(
    sc: ServiceContext,
    channel: str,
    external_id: str,
    role: str,
    unit_ids: list[str],
) -> bool:
    """Make the person with this account an officer of `unit_ids` (or an admin): their role
    and units become exactly these. Admins only (the command line's operator is one). True
    when anything changed (and was audited)."""
    actor = sc.actor.require_admin()
    check_units(unit_ids, sc.units())
    if role == "officer" and not unit_ids:
        raise Refused("officers.no_units")
    await _not_yourself(sc, channel, external_id)
    return await manage.grant(
        sc.session,
        channel=channel,
        external_id=external_id,
        role=role,
        unit_ids=unit_ids,
        actor=actor.label,
        action="officer.add",
        now=sc.now(),
        replace=True,
    )


@officer_service
async def revoke(sc: ServiceContext, channel: str, external_id: str) -> bool:
    """Take every officer right away from the person with this account (in every linked
    app). Admins only; False when they had none."""
    actor = sc.actor.require_admin()
    await _not_yourself(sc, channel, external_id)
    return await manage.remove(
        sc.session, channel=channel, external_id=external_id, actor=actor.label, now=sc.now()
    )
