"""The same conversations on the terminal, on Telegram and on Zalo — one bot serving all three
at once, each channel the real one (a pipe into the terminal chat; our PTB bot polling the fake
Bot API; signed webhook events from the fake Zalo OA API, which takes our sends and refuses
anything Zalo would). Then what only makes sense with several channels: a Zalo and a Telegram
citizen after the same last seat, an officer's change reaching both, a broadcast to a mixed
audience, and reminders inside and outside Zalo's reply window."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select

from bot.broadcasts import progress
from bot.db.booking_models import Booking, OutboxMessage
from bot.outbox.store import WAITING
from bot.outbox.sweeper import sweep_once
from bot.reminders import plan_now
from tests.booking_flow import MONDAY, point, sample_places, slot_at, use_places
from tests.broadcast_flow import HOAN_KIEM, OFFICERS
from tests.channel_citizens import CHANNELS, Citizen, Hub, ZaloCitizen, all_channels
from tests.fake_zalo import OA_ID

# A Zalo user id is a long digit string; Telegram's chat ids are numbers.
IDS = {"terminal": "lan", "telegram": "4301", "zalo": "6142494823000000001"}
LAT, LON = 21.0287, 105.8524  # beside Hoàn Kiếm's point


async def _bookings(hub: Hub) -> list[Booking]:
    async with hub.core.db.transaction() as session:
        return list((await session.scalars(select(Booking).order_by(Booking.id))).all())


async def _outbox(hub: Hub, kind: str) -> list[OutboxMessage]:
    async with hub.core.db.transaction() as session:
        found = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
        return list(found.all())


async def book_for_mother(
    person: Citizen, *, share_location: bool = True, day: date = MONDAY
) -> str:
    """A son books the first time of `day` at Hoàn Kiếm for his mother; the last answer."""
    await person.say("/menu")
    await person.press("book")
    await person.press("bk:rel")
    if share_location:
        text = await person.share_location(LAT, LON)
        assert "nearest to you" in text and "bk:p:hk-1" in person.payloads, text
        await person.press("bk:p:hk-1")
    else:
        await person.press("bk:u:hoan-kiem")
    await person.press("bk:none")  # needs, asked before any day
    await person.press(f"bk:d:{day.isoformat()}")
    await person.press("bk:s:")
    await person.say("Nguyễn Thị Lan")
    await person.say("0912 345 678")
    await person.press("bk:h:dvc")
    await person.press("bk:none")
    await person.press("bk:agree")
    return await person.press("bk:confirm")


@pytest.fixture
async def hub(config, clock):
    async with all_channels(config, clock, **OFFICERS) as hub:
        await use_places(hub.core)
        yield hub


@pytest.mark.parametrize("channel", CHANNELS)
async def test_guides_and_a_question(hub, channel):
    person = await hub.citizen(channel, IDS[channel])
    await person.say("/menu")
    await person.press("g:m")
    assert person.payloads, "the guides are offered as buttons"
    answer = await person.say("Tôi muốn làm thẻ căn cước cho mẹ")
    assert answer.strip(), "a question typed in one's own words gets an answer"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_booking_for_a_relative_with_a_shared_location_then_move_and_cancel(hub, channel):
    person = await hub.citizen(channel, IDS[channel])
    text = await book_for_mother(person)
    [booking] = await _bookings(hub)
    assert f"Your booking code is {booking.code}" in text
    assert (booking.channel, booking.chat_id, booking.visitor_name) == (
        channel,
        IDS[channel],
        "Nguyễn Thị Lan",
    )

    await person.press("mybk")
    await person.press(f"mb:show:{booking.id}")
    assert booking.code in person.text
    await person.press(f"mb:resch:{booking.id}")
    await person.press(f"mb:day:{booking.id}:")
    await person.press(f"mb:to:{booking.id}:")
    text = await person.press(f"mb:move!:{booking.id}:")
    assert f"The booking code stays {booking.code}" in text
    [moved] = await _bookings(hub)
    assert moved.slot_id != booking.slot_id

    await person.press(f"mb:show:{booking.id}")
    await person.press(f"mb:cancel:{booking.id}")
    assert "is cancelled" in await person.press(f"mb:cancel!:{booking.id}")
    [cancelled] = await _bookings(hub)
    assert cancelled.status == "cancelled"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_privacy_shows_then_deletes_what_the_bot_keeps(hub, channel):
    person = await hub.citizen(channel, IDS[channel])
    await book_for_mother(person, share_location=False)
    await person.say("/privacy")
    assert "What I keep about you" in person.text
    await person.press("pv:delete")
    text = await person.press("pv:delete!")
    assert "your data is deleted and your upcoming visits are cancelled" in text
    [booking] = await _bookings(hub)
    assert booking.status == "cancelled" and booking.visitor_name is None


@pytest.mark.both_databases
async def test_the_last_seat_booked_from_zalo_and_telegram_at_once_goes_to_one(config, clock):
    one_seat = sample_places(point("hk-1", "hoan-kiem", seats=1, priority=0))
    async with all_channels(config, clock) as hub:
        await use_places(hub.core, one_seat)
        people = [
            await hub.citizen("zalo", IDS["zalo"]),
            await hub.citizen("telegram", IDS["telegram"]),
        ]

        async def up_to_confirm(person: Citizen) -> None:
            await person.say("/menu")
            await person.press("book")
            await person.press("bk:rel")
            await person.press("bk:u:hoan-kiem")
            await person.press("bk:none")  # needs
            await person.press(f"bk:d:{MONDAY.isoformat()}")
            await person.press("bk:s:")
            await person.say("Nguyễn Thị Lan")
            await person.say("0912 345 678")
            await person.press("bk:h:dvc")
            await person.press("bk:none")
            await person.press("bk:agree")

        for person in people:
            await up_to_confirm(person)
        answers = await asyncio.gather(*(p.press("bk:confirm") for p in people))

        booked = [b for b in await _bookings(hub) if b.status == "confirmed"]
        assert len(booked) == 1, "exactly one gets the seat"
        winner = next(i for i, p in enumerate(people) if p.channel == booked[0].channel)
        loser = 1 - winner
        assert "Your booking code is" in answers[winner]
        assert "Your booking code is" not in answers[loser]
        assert "the last seat at 08:00 has just been taken" in answers[loser]
        assert people[loser].payloads, "a way on: the waitlist or another time"
        slot = await slot_at(hub.core, "hk-1", MONDAY, "08:00")
        assert slot.booked == 1


async def _swept(hub: Hub) -> None:
    """What is due goes out now: swept until no due row waits or is being sent (the bot's own
    sweeper may have claimed some: a row is marked sent once the fake has taken it)."""
    async with asyncio.timeout(20):
        while True:
            await sweep_once(hub.core)
            async with hub.core.db.transaction() as session:
                busy = await session.scalar(
                    select(func.count()).where(
                        OutboxMessage.status.in_(WAITING),
                        OutboxMessage.due_at <= hub.core.clock.now(),
                    )
                )
            if not busy:
                return
            await asyncio.sleep(0.05)


async def test_an_officers_cancelled_session_reaches_a_zalo_and_a_telegram_citizen(hub):
    on_zalo = await hub.citizen("zalo", IDS["zalo"])
    on_telegram = await hub.citizen("telegram", IDS["telegram"])
    for person in (on_zalo, on_telegram):
        await book_for_mother(person, share_location=False)
    officer = await hub.citizen("telegram", HOAN_KIEM)
    await officer.say("/officer")
    await officer.press("ofc:ss")
    await officer.press("ofc:s:")  # the first session listed: Monday's
    await officer.press("ofc:sc:")
    await officer.say("Cán bộ bị ốm")
    assert "2 booked visitors" in officer.text
    await officer.press("ofc:go")

    await _swept(hub)
    for person in (on_zalo, on_telegram):
        told = [t for t in person.received() if "Cán bộ bị ốm" in t]
        assert len(told) == 1, (person.channel, person.received()[-3:])
        assert "cancelled" in told[0]
    [zalo_notice] = [c for c in on_zalo.mine() if "Cán bộ bị ốm" in c.json["message"]["text"]]
    # Not an answer to anything they wrote: a consultation message to the user, in the window.
    assert zalo_notice.json["recipient"] == {"user_id": IDS["zalo"]}
    assert {b.status for b in await _bookings(hub)} == {"cancelled"}


@pytest.mark.both_databases
async def test_a_broadcast_to_a_mixed_audience_reports_per_channel(hub, clock):
    recent = await hub.citizen("zalo", IDS["zalo"])
    quiet = await hub.citizen("zalo", "6142494823000000002")
    on_telegram = await hub.citizen("telegram", IDS["telegram"])
    for person in (recent, quiet, on_telegram):
        await book_for_mother(person, share_location=False, day=date(2026, 12, 9))
    clock.advance(days=8)
    await recent.say("/menu")  # wrote again: inside the window; `quiet` did not

    officer = await hub.citizen("telegram", HOAN_KIEM)
    await officer.say("/officer")
    await officer.press("bc")
    await officer.say("Ngày mai điểm hỗ trợ mở cửa sớm hơn.")
    await officer.press("bc:pts")
    preview = await officer.press("bc:p:hk-1")
    assert "this message will go to 3 people" in preview
    assert "Reachable now: Telegram 1, Zalo 1." in preview
    assert "1 person cannot get it until they write to the bot again (Zalo:" in preview
    mark = len(officer.received())
    await officer.press("bc:go")
    await _swept(hub)  # the rows
    await progress.check(hub.core)  # the report, queued once the last row is settled
    await _swept(hub)

    news = "Ngày mai điểm hỗ trợ mở cửa sớm hơn."
    assert any(news in t for t in recent.received())
    assert any(news in t for t in on_telegram.received())
    assert not any(news in t for t in quiet.received())
    rows = {(r.channel, r.chat_id): r for r in await _outbox(hub, "broadcast")}
    assert rows[("zalo", quiet.external_id)].status == "undeliverable"
    assert rows[("zalo", quiet.external_id)].last_error == "outside the reply window"
    [report] = [t for t in officer.received()[mark:] if t.startswith("📣 Broadcast no. 1 is")]
    assert "✅ Delivered: 2 (Telegram 1, Zalo 1)" in report
    assert "📵 Not allowed by the messenger (outside the reply window): 1" in report


@pytest.mark.both_databases
@pytest.mark.parametrize("channel", CHANNELS)
async def test_reminders_inside_and_outside_the_zalo_reply_window(config, clock, channel):
    templates = ["reminder=tpl-reminder"]
    async with all_channels(config, clock, channels__zalo__zns_templates=templates) as hub:
        await use_places(hub.core)
        person = await hub.citizen(channel, IDS[channel])
        soon = await book_for_mother(person, share_location=False)
        later = await book_for_mother(person, share_location=False, day=date(2026, 12, 9))
        if channel == "zalo":
            # Told how reminders will reach them, as the Zalo send policy says.
            promise = "I will remind you here on Zalo if you have written to me in the last 7 days"
            assert promise in soon and "0912…678" in later

        await plan_now(hub.core)  # as the bot's minutely job does

        # Sunday 17:00: the day-before reminder of Monday's visit, a day after they wrote.
        clock.advance(hours=32)
        await _swept(hub)
        reminded = [t for t in person.received() if "Reminder" in t or "reminder" in t]
        assert reminded, [
            (r.due_at, r.status, r.text[:80], r.last_error) for r in await _outbox(hub, "reminder")
        ]
        if channel == "zalo":
            [call] = [c for c in person.mine() if c.json["recipient"].get("user_id")]
            assert call.error == 0  # a consultation message Zalo accepted

        # 8 December, 17:00: the day-before reminder of 9 December, 10 days after they wrote.
        clock.advance(days=9)
        await plan_now(hub.core)
        await _swept(hub)
        rows = [r for r in await _outbox(hub, "reminder") if r.status == "sent"]
        assert len({r.booking_id for r in rows}) == 2, [
            (r.status, r.last_error) for r in await _outbox(hub, "reminder")
        ]
        if channel == "zalo":
            # Outside the window: not a consultation message but a ZNS template by phone.
            [template] = hub.zalo.paths("/message/template")
            assert template.json["phone"] == "84912345678"
            assert template.json["template_id"] == "tpl-reminder"
            assert template.json["template_data"]["date"] == "09/12/2026"
        else:
            assert sum(t.count("Reminder") for t in person.received()) == 2


async def test_on_zalo_the_own_phone_number_comes_from_zalos_form(hub):
    person = await hub.citizen("zalo", IDS["zalo"])
    assert isinstance(person, ZaloCitizen)
    await person.say("/menu")
    await person.press("book")
    await person.press("bk:me")
    await person.press("bk:u:hoan-kiem")
    await person.press("bk:none")  # needs
    await person.press(f"bk:d:{MONDAY.isoformat()}")
    await person.press("bk:s:")
    before = len(person.mine())
    await person.say("Trần Văn Hùng")
    # The phone question comes with Zalo's "share my phone number" form.
    forms = [
        c.json["message"]["attachment"]["payload"]
        for c in person.mine()[before:]
        if c.json["message"].get("attachment", {}).get("payload", {}).get("template_type")
        == "request_user_info"
    ]
    assert len(forms) == 1 and "Share my phone" in forms[0]["elements"][0]["title"]
    # The person taps it and sends what Zalo knows: their own number, in 84… form.
    submitted = hub.zalo.event(
        "user_submit_info",
        sender={"id": person.external_id},
        recipient={"id": OA_ID},
        info={"name": "Trần Văn Hùng", "phone": "84912345678"},
    )
    await person._push(submitted)
    assert "bk:h:dvc" in person.payloads, person.text
    await person.press("bk:h:dvc")
    await person.press("bk:none")
    await person.press("bk:agree")
    assert "Your booking code is" in await person.press("bk:confirm")
    [booking] = await _bookings(hub)
    assert booking.phone == "+84912345678"
