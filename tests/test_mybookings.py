"""My bookings: upcoming visits (also for relatives), cancel and change the time with a
confirmation, the waitlist moving up, and buttons that are not the user's refused."""

from __future__ import annotations

from datetime import time

import pytest
from icalendar import Calendar

from bot.db.booking_models import Booking, OutboxMessage, WaitlistEntry
from bot.outbox import render as outbox_render
from tests.booking_flow import (
    MONDAY,
    book_for_parent,
    point,
    rows_of,
    sample_places,
    slot_at,
    use_places,
    wait_in_line,
)
from tests.chat import Chat


async def _booked(core, user_id: str = "1001", **kwargs) -> tuple[Chat, Booking]:
    chat = Chat(core, user_id, language="en")
    await book_for_parent(chat, **kwargs)
    booking = next(b for b in await rows_of(core, Booking) if b.code in chat.text)
    return chat, booking


async def test_my_bookings_lists_visits_booked_for_relatives_with_their_details(core):
    await use_places(core)
    chat, booking = await _booked(core)
    await chat.press("My bookings")
    assert "for Nguyễn Thị Lan" in chat.labels[0]
    await chat.press("for Nguyễn Thị Lan")
    assert booking.code in chat.text and "0912 345 678" in chat.text
    assert {"❌ Cancel this visit", "🔁 Change the time"} <= set(chat.labels)


async def test_cancelling_asks_first_then_frees_the_seat(core):
    await use_places(core)
    chat, booking = await _booked(core)
    await chat.tap(f"mb:show:{booking.id}")
    await chat.press("Cancel this visit")
    assert "Cancel the visit" in chat.text
    assert (await slot_at(core, "hk-1", MONDAY, "08:30")).booked == 1  # not yet
    await chat.press("Yes, cancel it")
    assert "is cancelled" in chat.text
    assert (await slot_at(core, "hk-1", MONDAY, "08:30")).booked == 0
    (cancelled,) = await rows_of(core, Booking)
    assert cancelled.status == "cancelled"


@pytest.mark.both_databases
async def test_pressing_yes_cancel_twice_frees_one_seat_only(core):
    await use_places(core)
    _chat, other = await _booked(core, "2002", time_label="08:30")
    chat, booking = await _booked(core, time_label="08:30")
    await chat.tap(f"mb:cancel:{booking.id}")
    await chat.press("Yes, cancel it")
    await chat.tap(f"mb:cancel!:{booking.id}")
    assert "did nothing" in chat.text
    assert (await slot_at(core, "hk-1", MONDAY, "08:30")).booked == 1


@pytest.mark.both_databases
async def test_changing_the_time_keeps_the_code_and_moves_the_seat(core):
    await use_places(core)
    chat, booking = await _booked(core)
    await chat.tap(f"mb:show:{booking.id}")
    await chat.press("Change the time")
    await chat.press("Wednesday")
    await chat.press("09:00")
    assert "from:" in chat.text and "to:" in chat.text
    await chat.press("Yes, move it")
    assert f"The booking code stays {booking.code}" in chat.text
    assert any(r.document for r in chat.replies)
    (moved,) = await rows_of(core, Booking)
    wednesday = MONDAY.replace(day=2, month=12)
    assert moved.code == booking.code
    assert moved.slot_id == (await slot_at(core, "hk-1", wednesday, "09:00")).id
    assert (await slot_at(core, "hk-1", MONDAY, "08:30")).booked == 0
    assert (await slot_at(core, "hk-1", wednesday, "09:00")).booked == 1


@pytest.mark.both_databases
async def test_someone_elses_booking_cannot_be_seen_or_changed(core):
    await use_places(core)
    _owner, booking = await _booked(core)
    stranger = Chat(core, "666", language="en")
    await stranger.say("/menu")
    for payload in (
        f"mb:show:{booking.id}",
        f"mb:cancel:{booking.id}",
        f"mb:resch:{booking.id}",
        f"mb:files:{booking.id}",
    ):
        await stranger.tap(payload)
        assert "could not find that visit among your bookings" in stranger.text
        assert "Nguyễn Thị Lan" not in stranger.text
    await stranger.tap(f"mb:cancel!:{booking.id}")  # never offered to them
    assert "no longer active" in stranger.text
    (still,) = await rows_of(core, Booking)
    assert still.status == "confirmed"
    assert (await slot_at(core, "hk-1", MONDAY, "08:30")).booked == 1


async def test_a_malformed_payload_is_refused_politely(core):
    await use_places(core)
    chat, _booking = await _booked(core)
    for payload in ("mb:show:abc", "mb:show:", "mb:show:1:2", "mb:files:" + "9" * 40):
        await chat.tap(payload)
        assert "did nothing" in chat.text
        assert "My bookings" in " ".join(chat.labels)


@pytest.mark.both_databases
async def test_a_cancellation_promotes_only_the_first_in_line_and_tells_them(core):
    one_slot_a_day = point("hk-1", "hoan-kiem", seats=1, priority=0, end=time(8, 30))
    await use_places(core, sample_places(one_slot_a_day))
    chat, booking = await _booked(core, time_label="08:00")
    first, second = Chat(core, "w1", language="vi"), Chat(core, "w2", language="en")
    await wait_in_line(first, "08:00")
    await wait_in_line(second, "08:00")
    assert "số 2" in first.text or "number 2 in line" in second.text

    await chat.tap(f"mb:cancel:{booking.id}")
    await chat.press("Yes, cancel it")

    entries = {e.chat_id: e for e in await rows_of(core, WaitlistEntry)}
    assert entries["w1"].status == "promoted" and entries["w2"].status == "waiting"
    (message,) = await rows_of(core, OutboxMessage)
    promoted = next(b for b in await rows_of(core, Booking) if b.id == entries["w1"].booking_id)
    assert promoted.status == "confirmed" and promoted.visitor_name == "Đỗ Thị Mai"
    assert message.chat_id == "w1" and message.status == "pending"
    assert promoted.code in message.text and message.text.startswith("Tin vui")  # Vietnamese
    assert message.buttons == [
        [{"label": "🗓 Xem lịch hẹn này", "payload": f"mb:show:{promoted.id}"}]
    ]
    assert (await slot_at(core, "hk-1", MONDAY, "08:00")).booked == 1
    await first.tap(f"mb:show:{promoted.id}")  # the message's button works for them
    assert promoted.code in first.text
    # As sent: the text (kept in the chat), the same calendar file and venue as a booking.
    async with core.db.transaction() as session:
        row = await session.get(OutboxMessage, message.id)
        text, calendar, venue = await outbox_render.render(session, row, core)
    assert text.keep and text.text == message.text and text.buttons
    assert calendar.document.filename == f"visit-{promoted.code}.ics"
    (event,) = Calendar.from_ical(calendar.document.data).walk("VEVENT")
    assert str(event["UID"]) == f"{promoted.code}@trolyso"
    assert "Điểm hỗ trợ hk-1" in str(event["SUMMARY"])
    assert venue.location.address == "Số 1 phố hk-1, Hà Nội"
