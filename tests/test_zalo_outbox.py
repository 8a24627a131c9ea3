"""Reminders and notices to Zalo users through the real outbox: the Zalo send policy picks a
consultation message inside the window, a ZNS template by phone outside it (when configured
and agreed), undeliverable otherwise, and nothing at night."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import aiohttp
import pytest

from bot.channels.profiles import Profile
from bot.channels.zalo import oauth
from bot.channels.zalo.capabilities import capabilities
from bot.channels.zalo.policy import ZaloPolicy
from bot.channels.zalo.runtime import ZaloChannel
from bot.db.booking_models import Booking, OutboxMessage
from bot.outbox import channels
from bot.outbox.runtime import outbox
from bot.outbox.sweeper import sweep_once
from tests.booking_flow import book_for_parent, point, rows_of, sample_places, use_places
from tests.chat import Chat
from tests.fake_zalo import FakeZalo
from tests.outbox_helpers import FakeTimer, add_user, queue, rows
from tests.zalo_harness import settings_for

pytestmark = pytest.mark.both_databases


@dataclass
class Setup:
    fake: FakeZalo
    channel: ZaloChannel


@pytest.fixture
async def zalo(core, clock) -> AsyncIterator[Setup]:
    fake = await FakeZalo(clock).start()
    settings = settings_for(fake.url, zns_templates={"reminder": "tpl-reminder"})
    core.profiles["zalo"] = Profile("zalo", capabilities(settings), policy=ZaloPolicy(settings))
    async with aiohttp.ClientSession() as session:
        channel = ZaloChannel(core, settings, session)
        verifier, challenge = oauth.pkce_pair()
        await channel.tokens.begin_authorisation(verifier, "s")
        code = fake.grant(oauth.permission_url(settings, challenge, "s"))
        await channel.tokens.finish_authorisation(code)
        outbox(core).timer = FakeTimer(clock)
        channels.register(channel, sweep=False)
        try:
            yield Setup(fake, channel)
        finally:
            await channels.unregister(channel)
            await fake.stop()


async def test_a_user_who_wrote_recently_gets_a_consultation_message(core, clock, zalo):
    uid = await add_user(core, "u1", channel="zalo", seen=clock.now() - timedelta(hours=3))
    zalo.fake.user_writes("u1")
    row_id = await queue(core, "u1", "Nhắc lịch", user_id=uid, channel="zalo", kind="reminder")
    await sweep_once(core)
    [call] = zalo.fake.messages
    assert call.json["recipient"] == {"user_id": "u1"} and call.error == 0
    assert call.json["message"]["text"] == "Nhắc lịch"
    assert (await rows(core))[row_id].status == "sent"


async def test_outside_the_window_a_template_goes_to_the_bookings_phone(core, clock, zalo):
    await use_places(core, sample_places(point("hk-1", "hoan-kiem", end=time(12))))
    await book_for_parent(Chat(core, "someone", language="en"), time_label="09:00")
    [booking] = await rows_of(core, Booking)
    uid = await add_user(core, "u2", channel="zalo", seen=clock.now() - timedelta(days=10))
    row_id = await queue(core, "u2", "Nhắc lịch", user_id=uid, channel="zalo", kind="reminder")
    async with core.db.transaction() as session:
        (await session.get(OutboxMessage, row_id)).booking_id = booking.id
    await sweep_once(core)
    assert zalo.fake.messages == []
    [call] = zalo.fake.paths("/message/template")
    assert call.json["phone"] == "84912345678" and call.json["template_id"] == "tpl-reminder"
    assert call.json["template_data"]["code"] == booking.code
    assert (await rows(core))[row_id].status == "sent"


async def test_outside_the_window_without_a_template_nothing_is_sent(core, clock, zalo):
    uid = await add_user(core, "u3", channel="zalo", seen=clock.now() - timedelta(days=10))
    row_id = await queue(core, "u3", "Tin mới", user_id=uid, channel="zalo", kind="broadcast")
    await sweep_once(core)
    assert zalo.fake.calls[-1].path == "/v4/oa/access_token"  # nothing after authorising
    row = (await rows(core))[row_id]
    assert (row.status, row.last_error) == ("undeliverable", "outside the reply window")


async def test_at_night_the_row_waits_until_six(core, clock, zalo):
    clock.set(datetime(2026, 11, 28, 16, 0, tzinfo=UTC))  # 23:00 in Hanoi
    uid = await add_user(core, "u4", channel="zalo", seen=clock.now() - timedelta(hours=1))
    zalo.fake.user_writes("u4")
    row_id = await queue(core, "u4", "Nhắc lịch", user_id=uid, channel="zalo", kind="reminder")
    await sweep_once(core)
    row = (await rows(core))[row_id]
    assert row.status == "pending" and zalo.fake.messages == []
    assert row.due_at >= datetime(2026, 11, 28, 23, 0, tzinfo=UTC)  # 06:00 Hanoi
