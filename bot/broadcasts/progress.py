"""How a broadcast is going, told to the officer who sent it: "sent 1,200 / 5,000" at most
every `broadcasts.progress_every_seconds`, and a final report (delivered, unreachable,
failed) once no row of it is waiting any more.

A broadcast's rows are counted by their outbox status (bot/outbox/store.py): pending and
sending are still on their way; sent is delivered; failed is unreachable when the sweeper
failed it as "unreachable" (blocked the bot, account deleted), else failed; undeliverable when
the recipient's channel did not allow the message (its send policy, bot/channels/policy.py),
counted by the policy's reason; skipped (the last
check before sending, bot/broadcasts/filter.py) and rows dropped at /stop were not sent
because the person turned news off. The officer is told through the outbox too (kinds "broadcast_progress" and
"broadcast_report", before any broadcast row), because a channel cannot yet edit a message
it sent earlier; see `progress_message_id` in bot/db/broadcast_models.py.

The sweeper drives it (`register`): after a broadcast row is settled (at most every
CHECK_EVERY_SECONDS) and at the start of each sweep, which brings the final report once the
last row is settled. Safe in several processes: each progress message and the report are
claimed by one conditional UPDATE of the broadcast row, so only one process queues each.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.broadcasts import texts
from bot.broadcasts.news import BROADCAST_KIND
from bot.broadcasts.queue import PRIORITY_PROGRESS, key_prefix
from bot.channels.policy import NOT_NOW
from bot.config import Config
from bot.db import rowcount
from bot.db.booking_models import OutboxMessage
from bot.db.broadcast_models import Broadcast
from bot.outbox import reach, runtime
from bot.outbox.store import UNDELIVERABLE, WAITING

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)
PROGRESS_KIND, REPORT_KIND = "broadcast_progress", "broadcast_report"
CHECK_EVERY_SECONDS = 5
_LAST_CHECK = "broadcasts.progress.last_check"


def every_seconds(config: Config) -> int:
    return config.broadcasts.progress_every_seconds


@dataclass(frozen=True, slots=True)
class Tally:
    waiting: int
    delivered: int
    unreachable: int
    failed: int
    skipped: int
    # Refused by the recipient's channel, by reason (msgids, e.g. "outside the reply window").
    undeliverable: dict[str, int] = field(default_factory=dict)
    # Delivered, by the recipient's channel ("telegram", "zalo").
    delivered_by_channel: dict[str, int] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return self.delivered + self.unreachable + self.failed + self.skipped + self.refused

    @property
    def refused(self) -> int:
        return sum(self.undeliverable.values())


def _rows_of(broadcast: Broadcast):
    return (
        OutboxMessage.id.between(broadcast.first_outbox_id, broadcast.last_outbox_id),
        OutboxMessage.kind == BROADCAST_KIND,
        OutboxMessage.dedupe_key.like(key_prefix(broadcast.id) + "%"),
    )


async def tally(session: AsyncSession, broadcast: Broadcast) -> Tally:
    if broadcast.first_outbox_id is None:
        return Tally(0, 0, 0, 0, broadcast.recipients)
    blocked = OutboxMessage.last_error == reach.UNREACHABLE
    why = case((OutboxMessage.status == UNDELIVERABLE, OutboxMessage.last_error), else_=None)
    found = await session.execute(
        select(OutboxMessage.status, blocked, why, OutboxMessage.channel, func.count())
        .where(*_rows_of(broadcast))
        .group_by(OutboxMessage.status, blocked, why, OutboxMessage.channel)
    )
    counts: dict[str, int] = {}
    refused: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    for status, is_blocked, reason, channel, n in found:
        if status == "sent":
            by_channel[channel] = by_channel.get(channel, 0) + n
        if status == UNDELIVERABLE:
            why_not = reason or NOT_NOW
            refused[why_not] = refused.get(why_not, 0) + n
            continue
        key = "unreachable" if status == "failed" and is_blocked else status
        counts[key] = counts.get(key, 0) + n
    waiting = sum(counts.get(s, 0) for s in WAITING)
    delivered, failed = counts.get("sent", 0), counts.get("failed", 0)
    unreachable = counts.get("unreachable", 0)
    # Skipped by the last check before sending, or dropped when the person turned news off.
    skipped = broadcast.recipients - waiting - delivered - failed - unreachable
    skipped -= sum(refused.values())
    return Tally(
        waiting, delivered, unreachable, failed, skipped, refused, dict(sorted(by_channel.items()))
    )


def _message(broadcast: Broadcast, kind: str, key: str, text: str, now: datetime) -> OutboxMessage:
    with i18n.use_locale(broadcast.progress_locale):
        buttons = texts.officer_buttons()
    return OutboxMessage(
        recipient_user_id=broadcast.progress_user_id,
        channel=broadcast.progress_channel,
        chat_id=broadcast.progress_chat_id,
        kind=kind,
        text=text,
        buttons=buttons,
        template=None,
        data={"broadcast_id": broadcast.id},
        priority=PRIORITY_PROGRESS,
        due_at=now,
        status="pending",
        attempts=0,
        last_error=None,
        booking_id=None,
        dedupe_key=key,
        created_at=now,
        sent_at=None,
    )


async def _finish(
    session: AsyncSession,
    broadcast: Broadcast,
    t: Tally,
    now: datetime,
    title_of: Callable[[str], str],
) -> bool:
    claimed = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast.id, Broadcast.status == "sending")
        .values(
            status="done",
            finished_at=now,
            delivered=t.delivered,
            unreachable=t.unreachable,
            # The stored numbers have no column of their own for these: not delivered, and
            # not the person's choice (the report message says why, by reason).
            failed=t.failed + t.refused,
            skipped=t.skipped,
            progress_at=now,
            progress_sent=t.done,
        )
    )
    if rowcount(claimed) != 1:
        return False  # another process reported it a moment ago
    with i18n.use_locale(broadcast.progress_locale):
        text = texts.report(
            broadcast.id,
            t.delivered,
            t.unreachable,
            t.failed,
            t.skipped,
            t.undeliverable,
            {title_of(channel): n for channel, n in t.delivered_by_channel.items()},
        )
    session.add(_message(broadcast, REPORT_KIND, f"{REPORT_KIND}:{broadcast.id}", text, now))
    log.info(
        "broadcast %s finished: delivered=%d unreachable=%d failed=%d skipped=%d",
        broadcast.id,
        t.delivered,
        t.unreachable,
        t.failed,
        t.skipped,
    )
    return True


async def _progress(
    session: AsyncSession, broadcast: Broadcast, t: Tally, now: datetime, every: timedelta
) -> bool:
    last = broadcast.progress_at or broadcast.created_at
    if now - last < every or t.done == broadcast.progress_sent:
        return False
    claimed = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast.id,
            Broadcast.status == "sending",
            Broadcast.progress_sent == broadcast.progress_sent,
            or_(Broadcast.progress_at.is_(None), Broadcast.progress_at == broadcast.progress_at),
        )
        .values(progress_at=now, progress_sent=t.done)
    )
    if rowcount(claimed) != 1:
        return False
    with i18n.use_locale(broadcast.progress_locale):
        text = texts.progress(broadcast.id, t.done, broadcast.recipients)
    key = f"{PROGRESS_KIND}:{broadcast.id}:{t.done}"
    session.add(_message(broadcast, PROGRESS_KIND, key, text, now))
    return True


async def check(core: Core) -> int:
    """Queue due progress messages and final reports; how many were queued."""
    now = core.clock.now()
    every = timedelta(seconds=every_seconds(core.config))
    queued = 0
    async with core.db.transaction() as session:
        running = (
            await session.scalars(
                select(Broadcast).where(Broadcast.status == "sending").order_by(Broadcast.id)
            )
        ).all()
        for broadcast in running:
            t = await tally(session, broadcast)
            if t.waiting == 0:
                queued += await _finish(
                    session, broadcast, t, now, lambda channel: core.profile(channel).label
                )
            else:
                queued += await _progress(session, broadcast, t, now, every)
    return queued


async def _on_finished(core: Core, row: OutboxMessage) -> None:
    """The sweeper settled a row: while a broadcast goes out, look at it every few seconds."""
    if row.kind != BROADCAST_KIND:
        return
    now = core.clock.now()
    last = core.services.get(_LAST_CHECK)
    if last is not None and now - last < timedelta(seconds=CHECK_EVERY_SECONDS):
        return
    core.services[_LAST_CHECK] = now
    await check(core)


def register(core: Core) -> None:
    """Driven by the outbox sweeper, which sends the rows: after settled broadcast rows
    (at most every few seconds) and at the start of each sweep (the last row's report)."""
    runtime.on_finished(core, _on_finished)
    runtime.every(core, "broadcasts.progress", CHECK_EVERY_SECONDS, check)
