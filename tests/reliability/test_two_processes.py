"""Two processes on one PostgreSQL database: started together (migrations take turns), a chat's
updates alternating between them, one update delivered to both, and a race for one slot."""

from __future__ import annotations

import asyncio
import json
import socket

import aiohttp
import pytest

from bot import app
from bot.db.booking_models import Booking
from bot.types import Incoming
from tests.booking_flow import (
    MONDAY,
    book_for_parent,
    point,
    rows_of,
    sample_places,
    slot_at,
    use_places,
)
from tests.chat import Chat
from tests.fake_telegram import FakeTelegram
from tests.reliability import harness
from tests.test_booking_capacity import _clone_summary_step

SECRET = "two_Processes-1"
FIRST_CHAT = 800_000


def _postgres_only(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("one process per SQLite database (bot/runlock.py); this is PostgreSQL's")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _update(update_id: int, chat: int, text: str) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1767225600,
            "text": text,
            "chat": {"id": chat, "type": "private"},
            "from": {
                "id": chat,
                "is_bot": False,
                "first_name": harness.NAMES[chat % 2],
                "language_code": "vi",
            },
        },
    }


async def test_two_processes_share_a_chat_and_a_doubly_delivered_update_is_handled_once(
    db_url, tmp_path
):
    _postgres_only(db_url)
    count, chats, doubles = harness.scale(120, 1000), 10, harness.scale(20, 200)
    async with FakeTelegram() as fake, aiohttp.ClientSession() as http:
        ports = [_free_port(), _free_port()]
        bots = [
            harness.BotProcess(
                fake,
                db_url,
                tmp_path,
                f"p{n}",
                TROLYSO_WEBHOOK_SECRET_TOKEN=SECRET,
                TROLYSO_WEBHOOK_LISTEN_HOST="127.0.0.1",
                TROLYSO_WEBHOOK_LISTEN_PORT=str(port),
            )
            for n, port in enumerate(ports)
        ]
        await asyncio.gather(*(b.start("--webhook") for b in bots))  # together: migrations race

        async def healthy(port: int) -> bool:
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                    return r.status == 200
            except aiohttp.ClientError:
                return False

        async def both_up() -> bool:
            return all(await asyncio.gather(*(healthy(p) for p in ports)))

        assert await harness.until(both_up, within=120, every=0.3), "both processes start"

        async def post(port: int, body: dict) -> int:
            async with http.post(
                f"http://127.0.0.1:{port}/telegram",
                data=json.dumps(body),
                headers={
                    "Content-Type": "application/json",
                    "X-Telegram-Bot-Api-Secret-Token": SECRET,
                },
            ) as r:
                return r.status

        statuses = []
        # A chat's updates alternate between the processes (a load balancer without affinity).
        for i in range(count):
            body = _update(i + 1, FIRST_CHAT + i % chats, harness.question(i))
            statuses.append(await post(ports[i % 2], body))
        # The same update reaches both at once (Telegram's retry landing elsewhere).
        for j in range(doubles):
            i = count + j
            body = _update(i + 1, FIRST_CHAT + i % chats, harness.question(i))
            statuses += await asyncio.gather(post(ports[0], body), post(ports[1], body))
        total = count + doubles

        async def all_handled() -> bool:
            return len(await harness.stored_tags(db_url)) >= total

        await harness.until(all_handled, within=120, every=0.5)
        await harness.until(lambda: len(fake.calls_to("sendMessage")) >= total, within=30)
        await asyncio.sleep(1)  # a late duplicate reply would arrive now
        codes = await asyncio.gather(*(b.stop() for b in bots))
    stored = await harness.stored_tags(db_url)
    lost = sum(1 for i in range(total) if harness.tag(i) not in stored)
    twice = sum(n - 1 for n in stored.values())
    replies = len(fake.calls_to("sendMessage"))
    harness.record(
        "two processes, alternating chats + one update to both",
        "PostgreSQL",
        updates=total,
        delivered_to_both=doubles,
        non_200=sum(1 for s in statuses if s != 200),
        updates_lost=lost,
        handled_twice=twice,
        replies=replies,
        replies_twice=max(0, replies - total),
    )
    assert codes == [0, 0]
    assert set(statuses) == {200}
    assert lost == 0 and twice == 0 and replies == total


async def test_two_processes_racing_for_one_slot_never_overbook(db_url, clock):
    _postgres_only(db_url)
    seats, attempts = 5, harness.scale(100, 400)
    cores = [await app.start(_config(db_url), clock=clock) for _ in range(2)]
    try:
        places = sample_places(point("hk-1", "hoan-kiem", seats=seats, priority=0))
        for core in cores:
            await use_places(core, places)
        template = Chat(cores[0], user_id="template", language="en")
        await book_for_parent(template, confirm=False)
        users = await _clone_summary_step(cores[0], template, attempts)

        async def confirm(n: int, user: str):
            return await cores[n % 2].handle(
                Incoming("test", user, user, payload="bk:confirm", language_hint="en")
            )

        await asyncio.gather(*(confirm(n, u) for n, u in enumerate(users)))
        slot = await slot_at(cores[0], "hk-1", MONDAY, "08:30")
        booked = len(await rows_of(cores[0], Booking, Booking.slot_id == slot.id))
    finally:
        for core in cores:
            await core.close()
    harness.record(
        "two cores (own pools) racing for one slot",
        "PostgreSQL",
        seats=seats,
        confirmations=attempts,
        bookings=booked,
        overbookings=max(0, booked - seats),
    )
    assert booked == seats and slot.booked == seats


def _config(db_url: str):
    from bot import config as config_mod

    return config_mod.load(harness.ROOT / "config.toml", environ={}).replace(database__url=db_url)
