"""Booking throughput, measured on SQLite and PostgreSQL: how many bookings per second the bot
confirms when many people press "Confirm" at once.

    from bench.booking import run_booking_bench
    rows = run_booking_bench()                # or: python -m bench.booking [COUNT]

Each row is one store × path:
- "dialog": the whole "Confirm" message through `Core.handle` (user, dialog state and form
  loaded, the seat taken by the conditional UPDATE, the booking inserted, the reply with its
  calendar file built, the state saved), each message its own transaction;
- "service": `bot.booking.service.book` alone, each in its own transaction.

PostgreSQL is measured when BENCH_DATABASE_URL (or TEST_DATABASE_URL) names a server; the run
uses a schema of its own and drops it after. Without a server the row says so and carries no
number. Every run also checks that no slot was overbooked.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time as clock_time
import uuid
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
BOOKINGS = 1000
CONCURRENCY = 64
# 32 slots over the horizon, both paths in one store: seats never run out during a run.
SEATS_PER_SLOT = 200
START = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def _places():
    from bot.points.model import Places, Point, RegularSession, Unit

    point = Point(
        id="bench",
        unit="hoan-kiem",
        name="Bench point",
        address="Bench address",
        lat=21.03,
        lon=105.85,
        accessibility="",
        regular=(
            RegularSession(
                weekdays=(0, 2),
                start=time(8),
                end=time(10),
                slot_minutes=30,
                seats_per_slot=SEATS_PER_SLOT,
                priority_seats=0,
            ),
        ),
        one_off=(),
        closed=(),
        sample=True,
    )
    unit = Unit("hoan-kiem", "phuong", "Hoàn Kiếm")
    return Places(units={unit.id: unit}, points={point.id: point}, by_unit={unit.id: (point,)})


async def _core(url: str):
    from bot import app
    from bot import config as config_mod
    from bot.booking import jobs
    from bot.clock import FakeClock

    cfg = config_mod.load(ROOT / "config.toml", environ={}).replace(database__url=url)
    core = await app.start(cfg, clock=FakeClock(START))
    core.services["places"] = _places()
    await jobs.materialise_sessions(core)
    return core


async def _slot_ids(core) -> list[int]:
    from bot.db.booking_models import Slot

    async with core.db.transaction() as session:
        return list(
            (
                await session.scalars(
                    select(Slot.id).where(Slot.point_id == "bench").order_by(Slot.starts_at)
                )
            ).all()
        )


async def _overbooked(core) -> int:
    from bot.db.booking_models import Booking, Slot

    async with core.db.transaction() as session:
        slots = await session.scalar(
            select(func.count()).select_from(Slot).where(Slot.booked > Slot.capacity)
        )
        per_slot = (
            await session.execute(select(Booking.slot_id, func.count()).group_by(Booking.slot_id))
        ).all()
        capacity = dict((await session.execute(select(Slot.id, Slot.capacity))).all())
    return slots + sum(1 for slot_id, n in per_slot if n > capacity[slot_id])


async def _users(core, count: int, tag: str) -> list[tuple[int, str]]:
    from bot.db.models import User

    now = core.clock.now()
    async with core.db.transaction() as session:
        users = [
            User(
                channel="bench",
                external_id=f"{tag}{i}",
                locale="vi",
                created_at=now,
                last_seen_at=now,
            )
            for i in range(count)
        ]
        session.add_all(users)
        await session.flush()
        return [(u.id, u.external_id) for u in users]


def _form(slot_id: int) -> dict[str, Any]:
    return {
        "trail": [
            "who",
            "where",
            "day",
            "time",
            "name",
            "phone",
            "help",
            "priority",
            "needs",
            "consent",
        ],
        "step": "summary",
        "for_self": False,
        "point_id": "bench",
        "mode": "slot",
        "slot_id": slot_id,
        "waitlist": False,
        "name": "Nguyễn Văn An",
        "phone": "+84912345678",
        "help_topic": "vneid",
        "priority": [],
        "needs": [],
        "consent": True,
    }


async def _gather(count: int, work) -> float:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int):
        async with gate:
            return await work(i)

    began = clock_time.perf_counter()
    results = await asyncio.gather(*(one(i) for i in range(count)))
    elapsed = clock_time.perf_counter() - began
    if not all(results):
        raise RuntimeError("a booking in the benchmark failed")
    return elapsed


async def _dialog(core, count: int) -> float:
    from bot.db.booking_models import BookingDraft
    from bot.db.models import ConversationState
    from bot.types import Incoming

    slots = await _slot_ids(core)
    users = await _users(core, count, "d")
    now = core.clock.now()
    async with core.db.transaction() as session:
        for i, (user_id, external) in enumerate(users):
            session.add(
                BookingDraft(user_id=user_id, data=_form(slots[i % len(slots)]), updated_at=now)
            )
            session.add(
                ConversationState(
                    channel="bench",
                    chat_id=external,
                    user_id=external,
                    name="booking.summary",
                    data={},
                    offered=["bk:confirm", "bk:back", "bk:cancel"],
                    updated_at=now,
                )
            )

    async def confirm(i: int) -> bool:
        external = users[i][1]
        replies = await core.handle(
            Incoming(channel="bench", chat_id=external, user_id=external, payload="bk:confirm")
        )
        return any(r.document for r in replies)

    return await _gather(count, confirm)


async def _service(core, count: int) -> float:
    from bot.booking import service

    slots = await _slot_ids(core)
    users = await _users(core, count, "s")
    details = service.Details(
        for_self=True, name="Nguyễn Văn An", phone="+84912345678", help_topic="vneid", consent=True
    )

    async def book(i: int) -> bool:
        user_id, external = users[i]
        async with core.db.transaction() as session:
            booking = await service.book(
                session,
                slots[i % len(slots)],
                service.Booker(user_id, "bench", external, "vi"),
                details,
                core.clock.now(),
            )
        return booking is not None

    return await _gather(count, book)


async def _measure(store: str, url: str, count: int) -> list[dict[str, Any]]:
    rows = []
    for path, run in (("dialog", _dialog), ("service", _service)):
        core = await _core(url)
        try:
            seconds = await run(core, count)
            overbooked = await _overbooked(core)
        finally:
            await core.close()
        rows.append(
            {
                "benchmark": "booking",
                "store": store,
                "path": path,
                "bookings": count,
                "concurrency": CONCURRENCY,
                "seconds": round(seconds, 3),
                "bookings_per_s": round(count / seconds, 1),
                "overbooked": overbooked,
                "load": round(os.getloadavg()[0], 2),
            }
        )
    return rows


async def _sqlite(count: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        return await _measure("sqlite", f"sqlite+aiosqlite:///{tmp}/bench.db", count)


async def _postgresql(count: int) -> list[dict[str, Any]]:
    from bot.db import Database

    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not url:
        return [
            {
                "benchmark": "booking",
                "store": "postgresql",
                "path": "-",
                "bookings": 0,
                "note": "not measured: set BENCH_DATABASE_URL=postgresql+asyncpg://…",
            }
        ]
    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = Database(url)
    try:
        async with admin.engine.begin() as conn:
            await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        joined = url + ("&" if "?" in url else "?") + f"trolyso_schema={schema}"
        return await _measure("postgresql", joined, count)
    finally:
        async with admin.engine.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()


async def _both(count: int) -> list[dict[str, Any]]:
    return [*await _sqlite(count), *await _postgresql(count)]


def run_booking_bench(count: int = BOOKINGS) -> list[dict[str, Any]]:
    """Rows of bookings/s for SQLite and PostgreSQL (see the module docstring); runs its own
    event loop, so call it from plain (not async) code."""
    return asyncio.run(_both(count))


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else BOOKINGS
    for row in run_booking_bench(count):
        print(json.dumps(row, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
