"""Sending one claimed batch: a few workers take rows in turn, wait for the channel's limiter,
send, and record the outcome (bot/outbox/sweeper.py says what each outcome does); "sent" is
group-committed. Used by `sweep_once`.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.channels.adapt import adapt
from bot.channels.errors import RateLimited, RecipientUnreachable, Rejected, SendError
from bot.channels.policy import Decision, Recipient
from bot.db.booking_models import OutboxMessage
from bot.outbox import reach, store
from bot.outbox.limiter import Busy
from bot.outbox.render import needs_session, render
from bot.outbox.runtime import Defer, Hook, Skip, outbox
from bot.types import Reply

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)
MAX_RETRY_WAIT = timedelta(hours=1)


@dataclass
class SweepResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unreachable: int = 0
    skipped: int = 0
    undeliverable: int = 0  # refused by the channel's send policy
    put_back: int = 0
    rate_limited: int = 0
    lost: int = 0  # marks refused: the lease ran out and another sweeper took the row
    more: bool = False  # a full batch was claimed: more rows may be due


def _reason(error: BaseException) -> str:
    """The error's kind and the messenger's words, with any long number (a chat id, a phone)
    masked: reasons are read by officers and operators."""
    words = re.sub(r"\+?\d{5,}", "…", str(error))[:200]
    return f"{type(error).__name__}: {words}" if words else type(error).__name__


async def run_hooks(hooks: list[Hook], core: Core, row: OutboxMessage) -> None:
    for hook in hooks:
        try:
            result = hook(core, row)
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.exception("outbox hook failed for row %s", row.id)


class _SentMarks:
    """Group commit of "sent": each sender waits until its row is recorded before it takes
    another, so at most `max_in_flight` messages are ever sent but not yet recorded (what a
    hard kill can repeat), while the database sees one UPDATE for all rows sent meanwhile."""

    def __init__(self, core: Core):
        self.core = core
        self._waiting: list[tuple[OutboxMessage, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task | None = None

    async def record(self, row: OutboxMessage) -> bool:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((row, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await done

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                async with self.core.db.transaction() as session:
                    kept = await store.mark_all_sent(
                        session, [row for row, _f in batch], self.core.clock.now()
                    )
            except Exception as e:
                for _row, done in batch:
                    done.set_exception(e)
                continue
            for row, done in batch:
                done.set_result(row.id in kept)


class Batch:
    """One claimed batch being sent by a few workers."""

    def __init__(
        self,
        core: Core,
        rows: list[OutboxMessage],
        result: SweepResult,
        stop: asyncio.Event | None,
    ):
        self.core = core
        self.box = outbox(core)
        self.queue = deque(rows)
        self.result = result
        self.stop = stop
        self.later: list[tuple[OutboxMessage, datetime]] = []
        self.unreachable: set[int] = set()
        self.marks = _SentMarks(core)
        # users.last_seen_at of this batch's recipients, loaded once when a channel's send
        # policy needs it.
        self._last_seen: dict[int, datetime] | None = None

    def stopping(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def now(self) -> datetime:
        return self.core.clock.now()

    def after(self, seconds: float) -> datetime:
        return self.now() + timedelta(seconds=seconds)

    async def worker(self) -> None:
        while self.queue and not self.stopping():
            row = self.queue.popleft()
            try:
                await self.deliver(row)
            except Exception:  # the database, most likely: the row waits for its lease
                log.exception("outbox row %s: could not be handled", row.id)

    async def put_back_the_rest(self) -> None:
        self.later += [(row, self.now()) for row in self.queue]
        self.queue.clear()
        by_time: dict[datetime, list[OutboxMessage]] = defaultdict(list)
        for row, at in self.later:
            by_time[at].append(row)
        if not by_time:
            return
        async with self.core.db.transaction() as session:
            for at, rows in by_time.items():
                self.result.put_back += await store.put_back(session, rows, at)

    async def _finish(self, row: OutboxMessage, mark, *args) -> bool:
        if mark is store.mark_sent:
            done = await self.marks.record(row)
        else:
            async with self.core.db.transaction() as session:
                done = await mark(session, row, *args)
        if not done:
            self.result.lost += 1
            log.warning("outbox row %s: claim lost before it was marked", row.id)
            return False
        if row.status == "sent":
            await run_hooks(self.box.sent_hooks, self.core, row)
        if row.status != "pending":
            await run_hooks(self.box.finished_hooks, self.core, row)
        return True

    async def _rendered(self, row: OutboxMessage) -> list[Reply] | None:
        try:
            if needs_session(row):
                async with self.core.db.transaction() as session:
                    rendered = await render(session, row, self.core)
            else:
                rendered = await render(None, row, self.core)
        except ValueError as e:
            rendered = Skip(f"cannot render: {e}")
            log.error("outbox row %s: %s", row.id, e)
        except Exception:
            log.exception("outbox row %s: rendering failed", row.id)
            await self._retry(row, "rendering failed")
            return None
        if isinstance(rendered, Skip):
            if await self._finish(row, store.mark_skipped, rendered.reason):
                self.result.skipped += 1
            return None
        if isinstance(rendered, Defer):
            self.later.append((row, rendered.until))
            return None
        return rendered

    async def deliver(self, row: OutboxMessage) -> None:
        channel = self.box.channels.get(row.channel)
        paid = self.box.paid(row.channel, row.kind)
        limiter = self.box.paid_limiter(row.channel) if paid else self.box.limiter(row.channel)
        if channel is None or limiter.paused_for() > 0:
            self.later.append((row, self.after(limiter.paused_for())))
            return
        if row.recipient_user_id in self.unreachable:
            if await self._finish(row, store.mark_failed, reach.UNREACHABLE):
                self.result.unreachable += 1
            return
        decision = await self._decide(row)
        if not decision.allowed:
            if decision.retry_at is not None:
                self.later.append((row, decision.retry_at))
            elif await self._finish(row, store.mark_undeliverable, decision.reason):
                self.result.undeliverable += 1
            return
        replies = await self._rendered(row)
        if replies is None:
            return
        # As the channel can show them; nobody pages a reminder's buttons days later.
        replies = adapt(replies, self.core.profile(row.channel).capabilities, paging=False).replies
        try:
            wait = limiter.reserve(row.chat_id, cost=len(replies))
        except Busy as busy:
            self.later.append((row, self.after(busy.seconds)))
            return
        await self.box.timer.sleep(wait)
        if limiter.paused_for() > 0 or self.stopping():
            self.later.append((row, self.after(limiter.paused_for())))
            return
        await self._send(channel, limiter, row, replies, decision, paid)

    async def _decide(self, row: OutboxMessage) -> Decision:
        """Ask the recipient's channel whether this message may go to them now."""
        policy = self.core.profile(row.channel).policy
        seen = None
        user_id = row.recipient_user_id
        if policy.needs_history and user_id is not None:
            known = self._last_seen or {}
            if user_id not in known:
                # This row's recipient and those still queued, in one query. Other workers
                # may load at the same time: each reads what it loaded, and all are kept.
                ids = [r.recipient_user_id for r in self.queue] + [user_id]
                async with self.core.db.transaction() as session:
                    found = await reach.last_seen(session, ids)
                self._last_seen = known = {**(self._last_seen or {}), **found}
            seen = known.get(user_id)
        recipient = Recipient(
            row.channel, row.chat_id, seen, row.recipient_user_id, row.booking_id
        )
        return await policy.decide(recipient, row.kind, self.now(), self.core.db)

    async def _send(
        self,
        channel,
        limiter,
        row: OutboxMessage,
        replies: list[Reply],
        decision: Decision,
        paid: bool = False,
    ) -> None:
        # A channel whose policy may choose how a message goes (a template by phone) takes
        # the decision; the others are sent as usual; a paid message as the channel sends
        # those (its profile names the kinds).
        send_as = getattr(channel, "send_as", None)
        try:
            if paid:
                await channel.send_paid(row.chat_id, replies)
            elif send_as is not None:
                await send_as(row.chat_id, replies, decision)
            else:
                await channel.send(row.chat_id, replies)
        except RateLimited as e:
            limiter.pause(e.retry_after)
            self.result.rate_limited += 1
            self.later.append((row, self.after(e.retry_after)))
            log.warning("outbox: %s asked to wait %.1f s", row.channel, e.retry_after)
        except RecipientUnreachable:
            await self._unreachable(row)
        except Rejected as e:
            if await self._finish(row, store.mark_failed, _reason(e)):
                self.result.failed += 1
        except SendError as e:  # network or server trouble: try again later
            await self._retry(row, _reason(e))
        except Exception as e:  # the channel's own failure: said loudly, then as above
            log.exception("outbox row %s: unexpected error from %s", row.id, row.channel)
            await self._retry(row, _reason(e))
        else:
            if await self._finish(row, store.mark_sent, self.now()):
                self.result.sent += 1

    async def _retry(self, row: OutboxMessage, reason: str) -> None:
        limit = self.core.config.outbox.max_attempts
        if row.attempts >= limit:
            if await self._finish(
                row, store.mark_failed, f"gave up after {row.attempts} tries: {reason}"
            ):
                self.result.failed += 1
            return
        base = timedelta(seconds=self.core.config.outbox.retry_base_seconds)
        wait = min(MAX_RETRY_WAIT, base * 2 ** (row.attempts - 1))
        if await self._finish(row, store.retry_later, self.now() + wait, reason):
            self.result.retried += 1

    async def _unreachable(self, row: OutboxMessage) -> None:
        user_id = row.recipient_user_id
        async with self.core.db.transaction() as session:
            if user_id is not None:
                await reach.mark_unreachable(session, user_id, self.now(), "blocked")
                others = await store.fail_waiting_for(session, user_id, reach.UNREACHABLE)
            else:
                others = []
            done = await store.mark_failed(session, row, reach.UNREACHABLE)
        if user_id is not None:
            self.unreachable.add(user_id)
        log.info(
            "outbox: user %s unreachable on %s; %d more messages dropped",
            user_id,
            row.channel,
            len(others),
        )
        for other in ([row] if done else []) + others:
            self.result.unreachable += 1
            await run_hooks(self.box.finished_hooks, self.core, other)
