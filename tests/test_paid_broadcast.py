"""Paid broadcasts (`[channels.telegram] paid_broadcast`): off by default; when on, broadcasts —
only broadcasts — go to the Bot API with allow_paid_broadcast at their own, higher budget,
and the officer's preview says what they cost in Stars (0.1 a message delivered)."""

from __future__ import annotations

from bot import app
from bot.broadcasts import service
from bot.outbox.runtime import outbox as the_outbox
from bot.outbox.sweeper import sweep_once
from tests.booking_flow import use_places
from tests.broadcast_flow import HOAN_KIEM, OFFICERS, compose, subscribed, telegram
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import running_bot

TEXT = "Buổi hỗ trợ sáng mai tạm hoãn. Xin lỗi ông bà vì sự bất tiện này."


def test_off_by_default_and_nothing_costs_anything(config):
    assert config.channels.telegram.paid_broadcast is False
    assert not service.pays_for_broadcasts(config)
    assert service.paid_costs({"telegram": 20_000}, config) == []


def test_the_cost_is_a_tenth_of_a_star_a_message_rounded_up(config):
    paid = config.replace(channels__telegram__paid_broadcast=True)
    assert service.pays_for_broadcasts(paid)
    [cost] = service.paid_costs({"telegram": 20_000, "zalo": 7, "terminal": 3}, paid)
    assert (cost.channel, cost.messages, cost.stars) == ("telegram", 20_000, 2_000)
    assert service.paid_costs({"telegram": 3}, paid)[0].stars == 1


async def test_the_preview_tells_the_cost_only_when_paid(config, clock):
    for paid, said in ((False, None), (True, "Paid sending: 3 messages at 0.1 Stars each")):
        core = await app.start(
            config.replace(channels__telegram__paid_broadcast=paid, **OFFICERS), clock=clock
        )
        try:
            await use_places(core)
            for n in range(3):
                await subscribed(core, f"{7000 + n}", "hoan-kiem")
            officer = telegram(core, HOAN_KIEM)
            await compose(officer, TEXT)
            await officer.press("Subscribers of Hoàn Kiếm ward")
            assert "this message will go to 3 people" in officer.text
            if said is None:
                assert "Paid sending" not in officer.text
            else:
                assert said in officer.text and "about 1 Stars" in officer.text
        finally:
            await core.close()


async def test_broadcasts_go_paid_at_their_own_rate_and_replies_stay_free(config, clock):
    async with (
        FakeTelegram() as fake,
        running_bot(
            config,
            clock,
            fake,
            channels__telegram__paid_broadcast=True,
            channels__telegram__paid_per_second=500,
            **OFFICERS,
        ) as bot,
    ):
        core = bot.channel.core
        await use_places(core)
        people = [f"{7100 + n}" for n in range(5)]
        for person in people:
            await subscribed(core, person, "hoan-kiem")
        officer = telegram(core, HOAN_KIEM)
        await compose(officer, TEXT)
        await officer.press("Subscribers of Hoàn Kiếm ward")
        await officer.press("Send to 5 people")
        await sweep_once(core)
        calls = [
            c for c in await fake.wait_for("sendMessage", 5) if str(c.payload["chat_id"]) in people
        ]
        assert len(calls) == 5 and all(
            c.payload.get("allow_paid_broadcast") is True for c in calls
        )
        box = the_outbox(core)
        assert box.paid_limiter("telegram").rate == 500
        assert box.limiter("telegram").rate < 30, "the free budget is unchanged"

        before = len(fake.calls_to("sendMessage"))
        fake.push_text(7100, "/menu")
        await fake.wait_for("sendMessage", before + 1)
        reply = fake.calls_to("sendMessage")[before]
        assert reply.payload["chat_id"] == 7100 and "allow_paid_broadcast" not in reply.payload
