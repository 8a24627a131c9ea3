"""Test doubles for the outbox: a channel that records what it sends (and fails on request),
a timer that moves the fake clock instead of sleeping, and quick ways to queue rows."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.clock import FakeClock
from bot.core import Core
from bot.db.booking_models import OutboxMessage
from bot.db.models import User
from bot.outbox import channels
from bot.outbox.runtime import outbox
from bot.types import Reply


class FakeTimer:
    """The limiter's time, read from the fake clock; sleeping moves the clock (never waits)."""

    def __init__(self, clock: FakeClock):
        self.clock = clock
        self.slept: list[float] = []

    def now(self) -> float:
        return self.clock.now().timestamp()

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.slept.append(seconds)
            self.clock.advance(seconds=seconds)
        await asyncio.sleep(0)  # let the other senders run, as a real sleep would


class RecordingChannel:
    """Sends nowhere: keeps (chat, text, time) of each message; `fail[chat]` is a list of
    errors to raise on the next sends to that chat."""

    def __init__(self, core: Core, name: str = "test"):
        self.core = core
        self.name = name
        self.sent: list[tuple[str, str, datetime]] = []
        self.replies: list[tuple[str, list[Reply]]] = []
        self.fail: dict[str, list[Exception]] = {}
        self.fail_all: Exception | None = None

    async def send(self, chat_id: str, replies: list[Reply]) -> None:
        if self.fail_all is not None:
            raise self.fail_all
        pending = self.fail.get(chat_id)
        if pending:
            raise pending.pop(0)
        self.replies.append((chat_id, replies))
        for reply in replies:
            self.sent.append((chat_id, reply.text or "", self.core.clock.now()))

    def per_chat(self) -> Counter[str]:
        return Counter(chat for chat, _text, _at in self.sent)


def attach(core: Core, clock: FakeClock, name: str = "test") -> RecordingChannel:
    """A recording channel registered without the periodic job, and the fake timer."""
    outbox(core).timer = FakeTimer(clock)
    channel = RecordingChannel(core, name)
    channels.register(channel, sweep=False)
    return channel


async def add_user(
    core: Core, external_id: str, *, channel: str = "test", seen: datetime | None = None
) -> int:
    now = seen or core.clock.now()
    async with core.db.transaction() as session:
        user = User(channel=channel, external_id=external_id, created_at=now, last_seen_at=now)
        session.add(user)
        await session.flush()
        return user.id


async def queue(
    core: Core,
    chat_id: str,
    text: str = "hello",
    *,
    user_id: int | None = None,
    channel: str = "test",
    due_in: timedelta = timedelta(0),
    priority: int = 50,
    kind: str = "notice",
    data: dict | None = None,
) -> int:
    now = core.clock.now()
    async with core.db.transaction() as session:
        row = OutboxMessage(
            recipient_user_id=user_id,
            channel=channel,
            chat_id=chat_id,
            kind=kind,
            text=text,
            buttons=[[{"label": "OK", "payload": "menu"}]],
            template=None,
            data=data,
            priority=priority,
            due_at=now + due_in,
            status="pending",
            attempts=0,
            last_error=None,
            booking_id=None,
            dedupe_key=None,
            created_at=now,
            sent_at=None,
        )
        session.add(row)
        await session.flush()
        return row.id


async def rows(core: Core) -> dict[int, OutboxMessage]:
    async with core.db.transaction() as session:
        found = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return {r.id: r for r in found.all()}
