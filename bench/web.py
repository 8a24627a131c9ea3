"""Officer web pages: how long "Today" and "Schedule" take to serve when a point is busy.

    python -m bench.web [REQUESTS]

One support point with 500 bookings (250 today, 250 tomorrow), an officer of its unit logged
in through the real one-time link, then REQUESTS (default 200) GETs of `/web/` one after
another through the real aiohttp server on an ephemeral port, and the same for the day's CSV,
the Schedule week and the page of tomorrow's session (about 250 visitors listed).
Each row gives p50 / p99 / max in milliseconds, as the client saw them (server, database,
template and HTTP on loopback). SQLite always; PostgreSQL when BENCH_DATABASE_URL (or
TEST_DATABASE_URL) names a server (a schema of its own, dropped after).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import time as clock_time
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = 200
BOOKINGS = 500
START = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)  # 08:00 in Hanoi, before the first visit
OFFICER = "111"


def _places():
    from bot.points.model import Places, Point, RegularSession, Unit

    point = Point(
        id="bench",
        unit="hoan-kiem",
        name="Điểm hỗ trợ bench",
        address="Số 1 phố Bench",
        lat=21.03,
        lon=105.85,
        accessibility="",
        regular=(
            RegularSession(
                weekdays=(0, 1, 2, 3, 4, 5, 6),
                start=time(8),
                end=time(17),
                slot_minutes=30,
                seats_per_slot=20,
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

    cfg = config_mod.load(ROOT / "config.toml", environ={}).replace(
        database__url=url, officers__officers=[f"{OFFICER}:hoan-kiem"]
    )
    core = await app.start(cfg, clock=FakeClock(START))
    core.services["places"] = _places()
    await jobs.materialise_sessions(core)
    return core


async def _bookings(core) -> None:
    from sqlalchemy import select

    from bot.booking import service
    from bot.db.booking_models import Slot
    from bot.db.models import User

    now = core.clock.now()
    async with core.db.transaction() as session:
        slots = list(
            (
                await session.scalars(
                    select(Slot.id)
                    .where(
                        Slot.point_id == "bench",
                        Slot.starts_at > START,
                        Slot.starts_at < START + timedelta(days=2),
                    )
                    .order_by(Slot.starts_at)
                )
            ).all()
        )
        users = [
            User(
                channel="bench", external_id=f"c{i}", locale="vi", created_at=now, last_seen_at=now
            )
            for i in range(BOOKINGS)
        ]
        session.add_all(users)
        await session.flush()
        for i, user in enumerate(users):
            booking = await service.book(
                session,
                slots[i % len(slots)],
                service.Booker(user.id, "bench", user.external_id, "vi"),
                service.Details(
                    for_self=True,
                    name=f"Nguyễn Văn {i}",
                    phone="+84912345678",
                    help_topic="vneid",
                    priority=["aged60"] if i % 5 == 0 else [],
                    needs=["wheelchair"] if i % 7 == 0 else [],
                    consent=True,
                ),
                now,
            )
            if booking is None:
                raise RuntimeError("a benchmark booking found no seat")


async def _logged_in(core, http, base: str) -> None:
    from sqlalchemy import select

    from bot.db.models import User
    from bot.services.context import ServiceContext
    from bot.web import auth

    async with core.db.transaction() as session:
        # The officer's chat account (granted from the config at start).
        user = await session.scalar(
            select(User).where(User.channel == "telegram", User.external_id == OFFICER)
        )
        sc = ServiceContext(
            actor=await auth.actor_of_user(session, user),
            session=session,
            clock=core.clock,
            tz=core.config.tz,
        )
        token = await auth.issue_link(sc, "vi", OFFICER)
    async with http.get(f"{base}/web/login/{token}") as page:
        csrf = re.search(r'name="csrf" value="([^"]+)"', await page.text())[1]
    async with http.post(
        f"{base}/web/login", data={"token": token, "csrf": csrf}, allow_redirects=False
    ) as done:
        if done.status != 303:
            raise RuntimeError(f"benchmark login failed: {done.status}")


async def _busiest_session(core) -> int:
    """Tomorrow's session (about half the bookings): its page lists every visitor."""
    from sqlalchemy import func, select

    from bot.db.booking_models import Booking, Slot

    async with core.db.transaction() as session:
        return await session.scalar(
            select(Slot.session_id)
            .join(Booking, Booking.slot_id == Slot.id)
            .where(Slot.starts_at > START + timedelta(days=1))
            .group_by(Slot.session_id)
            .order_by(func.count().desc())
            .limit(1)
        )


async def _timed(http, url: str, requests: int) -> tuple[list[float], int]:
    times, size = [], 0
    for _ in range(requests):
        began = clock_time.perf_counter()
        async with http.get(url) as response:
            body = await response.read()
            if response.status != 200:
                raise RuntimeError(f"{url}: {response.status}")
        times.append((clock_time.perf_counter() - began) * 1000)
        size = len(body)
    return times, size


def _row(store: str, page: str, times: list[float], size: int) -> dict[str, Any]:
    ordered = sorted(times)
    return {
        "benchmark": "web",
        "store": store,
        "page": page,
        "bookings": BOOKINGS,
        "requests": len(times),
        "p50_ms": round(statistics.median(ordered), 1),
        "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)], 1),
        "max_ms": round(ordered[-1], 1),
        "bytes": size,
        "load": round(os.getloadavg()[0], 2),
    }


async def _measure(store: str, url: str, requests: int) -> list[dict[str, Any]]:
    import aiohttp

    from bot.web.server import WebServer

    core = await _core(url)
    server = WebServer(core)
    try:
        await _bookings(core)
        await server.start("127.0.0.1", 0)
        base = f"http://127.0.0.1:{server.port}"
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            await _logged_in(core, http, base)
            await _timed(http, base + "/web/", 5)  # templates compiled, caches warm
            today, today_size = await _timed(http, base + "/web/", requests)
            day = (START + timedelta(hours=7)).date().isoformat()
            export, export_size = await _timed(
                http, f"{base}/web/points/bench/{day}.csv", requests
            )
            await _timed(http, base + "/web/schedule", 5)
            week, week_size = await _timed(http, base + "/web/schedule", requests)
            busiest = await _busiest_session(core)
            one, one_size = await _timed(http, f"{base}/web/sessions/{busiest}", requests)
        return [
            _row(store, "today", today, today_size),
            _row(store, "csv", export, export_size),
            _row(store, "schedule", week, week_size),
            _row(store, "session", one, one_size),
        ]
    finally:
        await server.stop()
        await core.close()


async def _postgresql(requests: int) -> list[dict[str, Any]]:
    from bot.db import Database

    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not url:
        return [
            {
                "benchmark": "web",
                "store": "postgresql",
                "note": "not measured: set BENCH_DATABASE_URL=postgresql+asyncpg://…",
            }
        ]
    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = Database(url)
    try:
        async with admin.engine.begin() as conn:
            await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        joined = url + ("&" if "?" in url else "?") + f"trolyso_schema={schema}"
        return await _measure("postgresql", joined, requests)
    finally:
        async with admin.engine.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()


async def _both(requests: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        rows = await _measure("sqlite", f"sqlite+aiosqlite:///{tmp}/bench.db", requests)
    return rows + await _postgresql(requests)


def main() -> int:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else REQUESTS
    for row in asyncio.run(_both(requests)):
        print(json.dumps(row, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
