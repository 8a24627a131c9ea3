""" "🙋 Ask a person" for a citizen on Zalo: the question reaches the ward's officer (on another
channel), and the officer's answers and "closed, please rate" go back through the real outbox,
the Zalo send policy and the fake Zalo server — as free consultation messages while the
citizen's reply window is open; after 7 days without a word from them, not at all."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import select

from bot import app
from bot.channels.profiles import Profile
from bot.channels.zalo import oauth
from bot.channels.zalo.capabilities import capabilities
from bot.channels.zalo.policy import ZaloPolicy
from bot.channels.zalo.runtime import ZaloChannel
from bot.db.booking_models import OutboxMessage
from bot.db.handoff_models import HandoffQuestion
from bot.outbox import channels
from bot.outbox.runtime import outbox
from tests.chat import Chat
from tests.fake_zalo import FakeZalo
from tests.handoff_setup import HOAN_KIEM, OFFICERS, handoff_world
from tests.outbox_helpers import FakeTimer
from tests.zalo_harness import settings_for

CITIZEN = "6142494823000000501"


@pytest.fixture
async def core(config, clock):
    core = await app.start(config.replace(**OFFICERS), clock=clock)
    try:
        yield core
    finally:
        await core.close()


@pytest.fixture
async def fake(core, clock) -> AsyncIterator[FakeZalo]:
    fake = await FakeZalo(clock).start()
    settings = settings_for(fake.url)
    core.profiles["zalo"] = Profile("zalo", capabilities(settings), policy=ZaloPolicy(settings))
    async with aiohttp.ClientSession() as session:
        channel = ZaloChannel(core, settings, session)
        verifier, challenge = oauth.pkce_pair()
        await channel.tokens.begin_authorisation(verifier, "s")
        await channel.tokens.finish_authorisation(
            fake.grant(oauth.permission_url(settings, challenge, "s"))
        )
        outbox(core).timer = FakeTimer(core.clock)
        channels.register(channel, sweep=False)
        try:
            yield fake
        finally:
            await channels.unregister(channel)
            await fake.stop()


async def test_a_zalo_citizen_asks_and_the_answers_come_back_on_zalo(core, clock, fake):
    world = await handoff_world(core, channels=("telegram",))
    citizen = Chat(core, user_id=CITIZEN, channel="zalo", language="vi")
    fake.user_writes(CITIZEN)
    await citizen.tap("ask")
    await citizen.say("Hoàn Kiếm")
    # The Zalo channel passes no pictures on: no photo is offered; one is asked for in words.
    assert "chép lại" in citizen.text and "ảnh" not in citizen.text
    await citizen.send(unreadable="image")
    assert "tả bằng lời" in citizen.text
    await citizen.say("Tôi quên mật khẩu VNeID")
    assert "Tôi đã gửi câu hỏi đến cán bộ Phường Hoàn Kiếm" in citizen.text
    async with core.db.transaction() as session:
        question_id = await session.scalar(select(HandoffQuestion.id))
    await world.deliver()
    assert world.sent_to("telegram", HOAN_KIEM)  # the officer is on another messenger

    lan = Chat(core, user_id=HOAN_KIEM, channel="telegram", language="en")
    clock.advance(hours=2)
    await lan.tap(f"hq:a:{question_id}")
    await lan.say("Ông/bà bấm “Quên mật khẩu” trên màn hình đăng nhập VNeID.")
    await lan.tap(f"hq:c:{question_id}")
    await world.deliver()
    texts = [m.json["message"]["text"] for m in fake.messages]
    assert [m.json["recipient"] for m in fake.messages] == [{"user_id": CITIZEN}] * 2
    assert "Cán bộ Phường Hoàn Kiếm trả lời" in texts[0] and "Quên mật khẩu" in texts[0]
    assert "đã đóng câu hỏi" in texts[1]
    assert all(m.error == 0 for m in fake.messages)

    # A second question, answered only after the citizen's 7-day window has closed: the
    # policy refuses (no template for answers), the row says why, nothing is sent.
    await citizen.tap("ask")
    await citizen.press("Hoàn Kiếm")
    await citizen.say("Còn một câu nữa")
    async with core.db.transaction() as session:
        second = await session.scalar(
            select(HandoffQuestion.id).order_by(HandoffQuestion.id.desc())
        )
    clock.advance(days=8)
    await lan.tap(f"hq:k:{second}:0")
    await world.deliver()
    assert len(fake.messages) == 2
    async with core.db.transaction() as session:
        row = await session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "handoff_answer")
            .order_by(OutboxMessage.id.desc())
        )
    assert (row.status, row.last_error) == ("undeliverable", "outside the reply window")
