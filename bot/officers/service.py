"""Officer services about officers themselves: what an officer may see of the audit log (the
actions of their own units; everything for an admin), and granting or taking away officer
rights (admins only; `trolyso officers add|remove` calls these as the operator)."""

from __future__ import annotations

from bot.db.officer_models import AuditEntry
from bot.i18n import N_
from bot.officers import audit, manage
from bot.officers.units import check_units
from bot.services.context import ServiceContext
from bot.services.errors import Refused
from bot.services.messages import define
from bot.services.registry import officer_service

AUDIT_ROWS = 10

define("officers.unknown_unit", N_("I don't know that commune or ward, so I did nothing."))


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
    return await manage.remove(
        sc.session, channel=channel, external_id=external_id, actor=actor.label, now=sc.now()
    )
