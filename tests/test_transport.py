"""Our aiohttp transport under load: when every pooled connection is busy, a request waits its
turn (first come, first served) and fails with PTB's TimedOut after `pool_timeout`, without
being sent, instead of hanging."""

from __future__ import annotations

import asyncio
import json

import pytest
from telegram.error import TimedOut

from bot.channels.aiohttp_request import AiohttpRequest
from tests.fake_telegram import TOKEN, FakeTelegram

HELD = 5


@pytest.fixture
async def fake():
    async with FakeTelegram() as fake:
        yield fake


def _send(request: AiohttpRequest, fake: FakeTelegram, chat_id: int, text: str, **timeouts):
    body = json.dumps({"chat_id": chat_id, "text": text}).encode()
    return request.post_json(f"{fake.base_url}{TOKEN}/sendMessage", body, **timeouts)


async def test_requests_wait_for_a_free_connection_in_turn_and_time_out_unsent(fake):
    release = fake.hold(HELD)
    request = AiohttpRequest(1, pool_timeout=30)
    await request.initialize()
    try:
        held = asyncio.create_task(_send(request, fake, HELD, "first"))
        await asyncio.sleep(0)  # a turn of the loop: it takes the only connection
        second = asyncio.create_task(_send(request, fake, 6, "second"))
        third = asyncio.create_task(_send(request, fake, 6, "third"))
        with pytest.raises(TimedOut, match="free connection"):
            await _send(request, fake, 7, "too late", pool_timeout=0)
        release.set()
        for task in (held, second, third):
            status, body = await task
            assert status == 200 and json.loads(body)["ok"]
    finally:
        await request.shutdown()
    assert [c.payload["text"] for c in fake.calls_to("sendMessage")] == [
        "first",
        "second",
        "third",
    ], "in turn, and the one that timed out was never sent"
