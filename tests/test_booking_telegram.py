"""Booking over Telegram end to end: a son books a visit for his mother through the real PTB
channel and the fake Bot API server — sharing his location to find the point, the contact
card of his mother refused (only one's own number is taken from a contact), the calendar file
sent as a document and the point as a venue."""

from __future__ import annotations

import asyncio

import pytest
from icalendar import Calendar

from bot.db.booking_models import Booking
from tests.booking_flow import rows_of, use_places
from tests.fake_telegram import Call, FakeTelegram
from tests.telegram_harness import running_bot

CHAT = 42
MOTHER = 4242


@pytest.fixture
async def fake():
    # Telegram's pace to one chat (about one message a second), enforced with 429s: the
    # channel must space the messages of one answer itself.
    async with FakeTelegram(rate_per_chat_per_second=1) as fake:
        yield fake


@pytest.fixture
async def bot(config, clock, fake):
    async with running_bot(config, clock, fake) as bot:
        yield bot


def _data(call: Call) -> list[str]:
    markup = call.payload.get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


async def _offering(fake: FakeTelegram, prefix: str, before: dict[str, int]) -> tuple[int, str]:
    """The first message sent or edited since `before` offering a button starting with
    `prefix`: (its message id, that button's data)."""
    for method in ("sendMessage", "editMessageText"):
        for call in fake.calls_to(method)[before[method] :]:
            found = [d for d in _data(call) if d.startswith(prefix)]
            if found:
                message_id = call.payload.get("message_id") or call.result["message_id"]
                return message_id, found[0]
    waits = [asyncio.create_task(fake.wait_for(m, len(fake.calls_to(m)) + 1)) for m in before]
    done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        task.result()  # a timeout: nothing offered it
    return await _offering(fake, prefix, before)


class Son:
    """Drives the chat and waits for the bot's answers on the wire."""

    def __init__(self, fake: FakeTelegram):
        self.fake = fake
        self.message_id = 0

    def _mark(self) -> dict[str, int]:
        return {m: len(self.fake.calls_to(m)) for m in ("sendMessage", "editMessageText")}

    async def then(self, action, wanted: str) -> str:
        """Do `action`, wait for a button starting with `wanted`; return its data."""
        before = self._mark()
        action()
        self.message_id, data = await _offering(self.fake, wanted, before)
        return data

    async def press(self, data: str, wanted: str) -> str:
        return await self.then(
            lambda: self.fake.push_callback(CHAT, self.message_id, data, language_code="en"),
            wanted,
        )

    async def type(self, text: str, wanted: str) -> str:
        return await self.then(lambda: self.fake.push_text(CHAT, text, language_code="en"), wanted)


async def test_son_books_for_his_mother_over_telegram_and_gets_calendar_file_and_venue(bot, fake):
    await use_places(bot.channel.core)
    son = Son(fake)
    await son.type("/start", "lang:en")
    await son.press("lang:en", "book")
    await son.press("book", "bk:rel")
    before = len(fake.calls_to("sendMessage"))
    fake.push_callback(CHAT, son.message_id, "bk:rel", language_code="en")
    await fake.wait_for("sendMessage", before + 1)
    where = fake.calls_to("sendMessage")[before]
    # The question carries the keyboard itself: location button and choices, no "👇".
    keys = [b for row in where.payload["reply_markup"]["keyboard"] for b in row]
    assert (
        keys[0].get("request_location") and "Where would you like to go" in where.payload["text"]
    )
    assert all(c.payload["text"] != "👇" for c in fake.calls_to("sendMessage"))

    await son.then(lambda: fake.push_location(CHAT, 21.0290, 105.8520), "bk:p:hk-1")
    await son.press("bk:p:hk-1", "bk:t:wheelchair")
    await son.press("bk:t:wheelchair", "bk:done")
    day = await son.press("bk:done", "bk:d:")
    slot = await son.press(day, "bk:s:")
    await son.press(slot, "bk:back")
    await son.type("Nguyễn Thị Lan", "bk:back")
    before = len(fake.calls_to("sendMessage"))
    await son.then(
        lambda: fake.push_contact(CHAT, "+84912345678", contact_user_id=MOTHER), "bk:back"
    )
    refused = fake.calls_to("sendMessage")[before:]
    assert any("someone else's contact" in c.payload["text"] for c in refused)
    await son.type("0912 345 678", "bk:h:vneid")
    await son.press("bk:h:vneid", "bk:t:aged60")
    await son.press("bk:t:aged60", "bk:done")
    await son.press("bk:done", "bk:agree")
    await son.press("bk:agree", "bk:confirm")
    await son.press("bk:confirm", "~mybk")  # a confirmation's buttons are marked kept

    [document] = await fake.wait_for("sendDocument")
    [venue] = await fake.wait_for("sendVenue")
    (booking,) = await rows_of(bot.channel.core, Booking)
    assert booking.phone == "+84912345678" and booking.visitor_name == "Nguyễn Thị Lan"
    done = fake.calls_to("sendMessage")[-1]
    assert f"Your booking code is {booking.code}" in done.payload["text"]
    assert document.payload["chat_id"] == CHAT
    upload = document.payload["document"]
    assert upload["filename"] == f"visit-{booking.code}.ics"
    assert upload["mime_type"] == "text/calendar"
    (event,) = Calendar.from_ical(upload["content"]).walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert event.walk("VALARM")
    assert venue.payload["title"] == "Điểm hỗ trợ hk-1"
    assert venue.payload["address"] == "Số 1 phố hk-1, Hà Nội"

    assert fake.too_many == 0, "the confirmation, .ics and venue were paced, not refused"
    # "My bookings" under the confirmation answers with a new message: the code stays.
    confirmation = son.message_id
    edits = len(fake.calls_to("editMessageText"))
    await son.press("~mybk", "mb:show:")
    assert not [
        c
        for c in fake.calls_to("editMessageText")[edits:]
        if c.payload["message_id"] == confirmation
    ]


async def test_a_wheelchair_user_booked_at_a_point_up_the_stairs_ends_at_one_that_fits(bot, fake):
    """Issue 14: over Telegram, the daughter picks the point with stairs; before any day is
    offered she is told it may not suit, and the nearest step-free point takes the booking."""
    from tests.test_booking_access import stairs_places

    await use_places(bot.channel.core, stairs_places())
    daughter = Son(fake)
    await daughter.type("/start", "lang:en")
    await daughter.press("lang:en", "book")
    await daughter.press("book", "bk:rel")
    # The "where" question carries a reply keyboard (location and choices), not inline data.
    before = len(fake.calls_to("sendMessage"))
    fake.push_callback(CHAT, daughter.message_id, "bk:rel", language_code="en")
    await fake.wait_for("sendMessage", before + 1)
    await daughter.type("hoan kiem", "bk:p:hk-2")
    await daughter.press("bk:p:hk-2", "bk:t:wheelchair")
    await daughter.press("bk:t:wheelchair", "bk:done")
    instead = await daughter.press("bk:done", "bk:ap:")
    warning = fake.calls_to("sendMessage")[-1].payload["text"]
    assert "may not suit the visitor" in warning and "wheelchair" in warning
    assert instead == "bk:ap:hk-1"
    day = await daughter.press(instead, "bk:d:")
    slot = await daughter.press(day, "bk:s:")
    await daughter.press(slot, "bk:back")
    await daughter.type("Nguyễn Thị Lan", "bk:back")
    await daughter.type("0912 345 678", "bk:h:vneid")
    await daughter.press("bk:h:vneid", "bk:t:aged60")
    await daughter.press("bk:t:aged60", "bk:done")
    await daughter.press("bk:done", "bk:agree")
    await daughter.press("bk:agree", "bk:confirm")
    await daughter.press("bk:confirm", "~mybk")
    (booking,) = await rows_of(bot.channel.core, Booking)
    assert booking.point_id == "hk-1" and booking.needs == ["wheelchair"]
    assert booking.access_note is None
