"""Broadcasts already sent, as a service: the list an officer sees (their own; every one for
an admin), one broadcast's progress (sent / unreachable / failed of its recipients) for whoever
sent it or may write to its audience. (A preview's reach is `service.reach_now`.) The web
pages call these; each checks the actor's rights itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.broadcasts.audience import Audience
from bot.broadcasts.progress import Tally, tally
from bot.broadcasts.service import authorise
from bot.db.broadcast_models import Broadcast
from bot.i18n import N_
from bot.services.context import ServiceContext
from bot.services.errors import Refused
from bot.services.messages import define
from bot.services.registry import officer_service

if TYPE_CHECKING:
    pass

RECENT = 20

define("broadcast.not_found", N_("I could not find that broadcast."))


@dataclass(frozen=True)
class Status:
    broadcast: Broadcast
    tally: Tally

    @property
    def percent(self) -> int:
        total = self.broadcast.recipients
        return 100 if total == 0 else min(100, round(100 * self.tally.done / total))

    @property
    def finished(self) -> bool:
        return self.tally.waiting == 0


@officer_service
async def recent_broadcasts(sc: ServiceContext, limit: int = RECENT) -> list[Broadcast]:
    """The latest broadcasts this officer sent (every officer's, for an admin), newest first."""
    actor = sc.actor.require_officer()
    query = select(Broadcast).order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
    if not actor.is_admin:
        query = query.where(Broadcast.author_officer_id == actor.officer_id)
    return list((await sc.session.scalars(query.limit(limit))).all())


@officer_service
async def broadcast_status(sc: ServiceContext, broadcast_id: int) -> Status:
    """How far the broadcast has gone: for its sender, an admin, or an officer who may write to
    the same audience (NotAllowed for anyone else)."""
    actor = sc.actor.require_officer()
    broadcast = await sc.session.get(Broadcast, broadcast_id, populate_existing=True)
    if broadcast is None:
        raise Refused("broadcast.not_found")
    if not actor.is_admin and broadcast.author_officer_id != actor.officer_id:
        await authorise(sc, Audience(broadcast.audience_kind, tuple(broadcast.audience_target)))
    return Status(broadcast, await tally(sc.session, broadcast))
