"""Broadcasts already sent, as a service: the list an officer sees (their own; every one for
an admin), one broadcast's progress (sent / unreachable / failed of its recipients) for whoever
sent it or may write to its audience, and a preview's recipients per channel with who it will
not reach and why. The web pages call these; each checks the actor's rights itself."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcasts.audience import Audience, left_out, recipients
from bot.broadcasts.news import BROADCAST_KIND
from bot.broadcasts.progress import Tally, tally
from bot.broadcasts.service import authorise
from bot.channels.policy import Recipient as PolicyRecipient
from bot.channels.policy import SendPolicy
from bot.db.broadcast_models import Broadcast
from bot.i18n import N_
from bot.outbox import reach
from bot.services.context import ServiceContext
from bot.services.errors import Refused
from bot.services.messages import define
from bot.services.registry import officer_service

if TYPE_CHECKING:
    from bot.db import Database

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


class _ThisTransaction:
    """A `Database` for send policies whose `transaction()` is the caller's own: a policy
    opening a transaction of its own inside the caller's would wait for it for ever."""

    def __init__(self, session: AsyncSession):
        self._session = session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        yield self._session


@dataclass
class Reach:
    """A broadcast's preview: who it goes to per channel, and who it will not reach and why
    (a reason msgid: turned news off, blocked the bot, or the channel's send policy)."""

    by_channel: dict[str, int] = field(default_factory=dict)
    not_delivered: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_channel.values())


@officer_service
async def preview_reach(
    sc: ServiceContext,
    audience: Audience,
    default_locale: str,
    policy_of: Callable[[str], SendPolicy],
) -> Reach:
    """Who the broadcast would reach now, per channel, and who not and why: the people the
    audience leaves out (turned news off, unreachable) and those each channel's send policy
    would refuse now without a later time (outside a reply window, no template). `policy_of`
    gives a channel's policy (`core.profile(channel).policy`); what a policy reads is read in
    this transaction."""
    await authorise(sc, audience)
    now = sc.now()
    found = await recipients(sc.session, audience, now, default_locale)
    result = Reach(not_delivered=dict(await left_out(sc.session, audience, now, default_locale)))
    by_channel: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    seen: dict[int, datetime] = {}
    channels = {r.channel for r in found}
    if any(policy_of(c).needs_history for c in channels):
        seen = dict(await reach.last_seen(sc.session, [r.user_id for r in found]))
    for person in found:
        policy = policy_of(person.channel)
        last = seen.get(person.user_id) if policy.needs_history else None
        decision = await policy.decide(
            PolicyRecipient(person.channel, person.chat_id, last, person.user_id),
            BROADCAST_KIND,
            now,
            cast("Database", _ThisTransaction(sc.session)),
        )
        if decision.allowed or decision.retry_at is not None:
            by_channel[person.channel] += 1
        else:
            refused[decision.reason] += 1
    result.by_channel = dict(sorted(by_channel.items()))
    for reason, n in sorted(refused.items()):
        result.not_delivered[reason] = result.not_delivered.get(reason, 0) + n
    return result
