"""The sweeper: sends due outbox rows through their channel, within the channel's limits.

`sweep_once(core)` claims a batch of due rows (bot/outbox/store.py), drops those that must not
go (the person is unreachable; a feature's last check says no), and sends the rest with at
most `outbox.max_in_flight` at once, each waiting its turn in the channel's limiter
(bot/outbox/limiter.py). Then each row is marked:

- sent → the `on_sent` and `on_finished` hooks run (a broadcast counts its progress);
- "too many requests" → the whole channel pauses for `retry_after`, the row goes back untried;
- unreachable (blocked, deactivated) → the person is marked, this row and every other row
  waiting for them fail with "unreachable";
- rejected (a bad request) → failed at once; other errors → retried with a doubling wait
  (`outbox.retry_base_seconds`) until `outbox.max_attempts`, then failed with the reason.
Reasons never carry personal data.

`Sweeper` runs it: one APScheduler interval job (`outbox.sweep_every_seconds`, memory only —
the rows are the state) whose tick starts a drain task when none runs; the drain sweeps
batch after batch while a backlog remains, so a broadcast goes out at the channel's full
rate. Stopping lets the messages in flight finish and gives the rest back untried; a hard kill
leaves claimed rows `sending` until their lease ends, then they are claimed again — so only
the messages in flight at the kill can go twice. Interactive replies never queue here: the
outbox keeps below the budget by `rate_limits.interactive_headroom` and sends only a few
messages at once, so the replies' HTTP connections and database turns stay free.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import event

from bot.db.booking_models import OutboxMessage
from bot.outage import Outage
from bot.outbox import reach, store
from bot.outbox.delivery import Batch, SweepResult, run_hooks
from bot.outbox.leader import Leader
from bot.outbox.runtime import Outbox, outbox

if TYPE_CHECKING:
    from bot.core import Core

__all__ = ["SweepResult", "Sweeper", "sweep_once", "sweeper"]

log = logging.getLogger(__name__)
JOB_ID = "outbox.sweep"
# A batch holds about this many seconds of the channels' budget (sooner rows can overtake a
# broadcast at the next batch), within these bounds.
BATCH_SECONDS = 2.0
MIN_BATCH, MAX_BATCH, UNLIMITED_BATCH = 10, 1000, 100
STOP_TIMEOUT_SECONDS = 30.0


def _batch_size(box: Outbox, channels: list[str]) -> int:
    rates = [rate for name in channels if (rate := box.limiter(name).rate) is not None]
    rates += [
        rate for name in channels if (rate := box.core.profile(name).paid_per_second) is not None
    ]
    if len(rates) < len(channels):  # a channel without a rate limit
        return UNLIMITED_BATCH
    return max(MIN_BATCH, min(MAX_BATCH, math.ceil(sum(rates) * BATCH_SECONDS)))


async def _dropped_before_sending(
    session, core: Core, rows: list[OutboxMessage], result: SweepResult
) -> list[OutboxMessage]:
    """Rows that must not go at all: to unreachable people, or refused by a feature's check
    (e.g. the person turned news off since the broadcast was queued)."""
    box = outbox(core)
    dropped: list[OutboxMessage] = []
    gone = await reach.unreachable_among(session, (r.recipient_user_id for r in rows))
    for row in rows:
        if row.recipient_user_id in gone and await store.mark_failed(
            session, row, reach.UNREACHABLE
        ):
            result.unreachable += 1
            dropped.append(row)
    by_kind: dict[str, list[OutboxMessage]] = defaultdict(list)
    for row in rows:
        if row.recipient_user_id not in gone and row.kind in box.checks:
            by_kind[row.kind].append(row)
    for kind, kind_rows in by_kind.items():
        for check in box.checks[kind]:
            refused = await check(session, kind_rows, core)
            for row in [r for r in kind_rows if r.id in refused]:
                if await store.mark_skipped(session, row, refused[row.id]):
                    result.skipped += 1
                    dropped.append(row)
            kind_rows = [r for r in kind_rows if r.id not in refused]
    return dropped


async def sweep_once(
    core: Core, now: datetime | None = None, *, stop: asyncio.Event | None = None
) -> SweepResult:
    """Claim one batch of due rows and send it; what happened, counted."""
    box = outbox(core)
    result = SweepResult()
    channels = [name for name in box.channels if box.limiter(name).paused_for() == 0]
    if not channels or (stop is not None and stop.is_set()):
        return result
    now = now or core.clock.now()
    limit = _batch_size(box, channels)
    lease_until = now + timedelta(seconds=core.config.outbox.lease_seconds)
    async with core.db.transaction() as session:
        rows = await store.claim(session, channels, now, limit, lease_until)
        dropped = await _dropped_before_sending(session, core, rows, result) if rows else []
    result.claimed, result.more = len(rows), len(rows) >= limit
    for row in dropped:
        await run_hooks(box.finished_hooks, core, row)
    gone = {r.id for r in dropped}
    batch = Batch(core, [r for r in rows if r.id not in gone], result, stop)
    try:
        # Paid messages go faster than a few at a time can carry (bot/channels/profiles.py).
        in_flight = max(
            [core.config.outbox.max_in_flight]
            + [core.profile(name).paid_in_flight for name in channels]
        )
        workers = min(in_flight, len(batch.queue))
        await asyncio.gather(*(batch.worker() for _ in range(workers)))
    finally:
        await batch.put_back_the_rest()
    return result


class Sweeper:
    """The periodic job and its drain task, for one core (`runtime.outbox(core).sweeper`)."""

    def __init__(self, core: Core):
        self.core = core
        self.leader = Leader(core.db)
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._listening = False
        self.started = False
        # During a database outage every tick fails: one line, then a count a minute.
        self._outage = Outage("outbox sweep", log)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        from bot.booking.jobs import scheduler

        self._stop.clear()
        self.started = True
        scheduler(self.core).add_job(
            self.tick,
            "interval",
            seconds=self.core.config.outbox.sweep_every_seconds,
            id=JOB_ID,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            next_run_time=datetime.now(UTC),
        )
        if not self._listening:
            event.listen(self.core.db.engine.sync_engine, "engine_disposed", self._disposed)
            self._listening = True

    async def tick(self) -> None:
        """The job: start draining unless a drain is still at work."""
        if not self._stop.is_set() and not self.running:
            self._task = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        try:
            if not await self.leader.hold():
                return
            await outbox(self.core).run_periodic()
            while not self._stop.is_set():
                result = await sweep_once(self.core, stop=self._stop)
                if result.sent or result.failed or result.unreachable or result.undeliverable:
                    log.debug("outbox swept: %s", result)
                if not result.more:
                    break
        except Exception as e:
            self._outage.failed(e)
        else:
            self._outage.succeeded()

    async def stop(self) -> None:
        """Stop sweeping: messages in flight finish, the rest of the batch goes back."""
        self._stop.set()
        self.started = False
        scheduler = self.core.services.get("scheduler")
        if scheduler is not None and scheduler.get_job(JOB_ID) is not None:
            scheduler.remove_job(JOB_ID)
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), STOP_TIMEOUT_SECONDS)
            except TimeoutError:
                log.warning(
                    "outbox: sends still in flight at stop; their rows wait for their lease"
                )
                self._task.cancel()
        await self.leader.release()

    def _disposed(self, _engine) -> None:
        """The database is closing without a stop (a crash path): abandon the drain; its
        claimed rows come back after their lease."""
        self._stop.set()
        if self._task is not None and not self._task.done():  # running
            self._task.cancel()


def sweeper(core: Core) -> Sweeper:
    box = outbox(core)
    if box.sweeper is None:
        box.sweeper = Sweeper(core)
    return box.sweeper
