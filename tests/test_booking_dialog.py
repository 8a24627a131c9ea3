"""The booking dialog as a person meets it: booking for a parent, Back and /cancel without
losing anything, the phone and contact checks, a slot that fills up meanwhile, the waitlist,
a home visit, and starting from a point's QR code."""

from __future__ import annotations

import re
from pathlib import Path

from icalendar import Calendar

from bot.db.booking_models import Booking, HomeVisitRequest, WaitlistEntry
from bot.types import ButtonKind
from handlers import booking
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


async def _to_phone_step(chat: Chat, who: str = "For a relative") -> None:
    await chat.say("/menu")
    await chat.press("Book a visit")
    await chat.press(who)
    await chat.say("hoan kiem")
    await chat.press("No, none of these")
    await chat.press("Monday")
    await chat.press("08:30")
    await chat.say("Nguyễn Thị Lan")


async def test_relative_books_for_parent_and_gets_code_calendar_file_and_map(core):
    await use_places(core)
    chat = Chat(core, language="en")
    await book_for_parent(chat)

    (booking,) = await rows_of(core, Booking)
    assert f"Your booking code is {booking.code}" in chat.text
    assert "Nguyễn Thị Lan" in chat.text and "0912 345 678" in chat.text
    assert booking.phone == "+84912345678" and not booking.for_self
    assert booking.priority == ["aged60"] and booking.needs == ["wheelchair"]
    assert booking.consent and booking.help_topic == "vneid"
    document = next(r.document for r in chat.replies if r.document)
    event = next(c for c in Calendar.from_ical(document.data).walk("VEVENT"))
    assert booking.code in str(event["DESCRIPTION"])
    location = next(r.location for r in chat.replies if r.location)
    assert location.title == "Điểm hỗ trợ hk-1" and location.address.startswith("Số 1")
    assert "My bookings" in chat.labels[0]


async def test_every_step_offers_back_and_stop(core):
    await use_places(core)
    chat = Chat(core, language="en")
    await _to_phone_step(chat)
    assert "⬅️ Back" in chat.labels and "✖️ Stop" in chat.labels


async def test_back_returns_to_the_previous_step_keeping_what_was_typed(core):
    await use_places(core)
    chat = Chat(core, language="en")
    await _to_phone_step(chat)
    await chat.say("0912 345 678")
    await chat.press("Back")
    assert "mobile number" in chat.text
    assert chat.button("Keep: 0912 345 678")
    await chat.press("Back")
    assert chat.button("Keep: Nguyễn Thị Lan")
    await chat.press("Keep")
    await chat.press("Keep")
    assert "help with" in chat.text


async def test_cancel_keeps_the_form_and_offers_to_continue_it(core):
    await use_places(core)
    chat = Chat(core, language="en")
    await _to_phone_step(chat)
    await chat.say("/cancel")
    await chat.press("Book a visit")
    assert "continue where you left off" in chat.text
    await chat.press("Continue my booking")
    assert "mobile number" in chat.text
    await chat.say("0912345678")
    assert "help with" in chat.text


async def test_an_unfinished_form_is_forgotten_after_the_idle_timeout(core, clock):
    await use_places(core)
    chat = Chat(core, language="en")
    await _to_phone_step(chat)
    await chat.say("/cancel")
    clock.advance(minutes=core.config.bot.idle_timeout_minutes + 1)
    await chat.press("Book a visit")
    assert "Who is the visit for?" in chat.text


async def test_a_wrong_phone_number_is_explained_and_changes_nothing(core):
    await use_places(core)
    chat = Chat(core, language="en")
    await _to_phone_step(chat)
    await chat.say("0123 456 789")
    assert "not a Vietnamese mobile number" in chat.text
    await chat.say("x" * 1500)
    assert "not a Vietnamese mobile number" in chat.text
    await chat.say("+84 987.654.321")
    assert "help with" in chat.text


async def test_a_name_with_digits_is_asked_again(core):
    await use_places(core)
    chat = Chat(core, language="en")
    await _to_phone_step(chat)
    await chat.press("Back")
    await chat.say("0912345678")
    assert "does not look like a name" in chat.text
    assert chat.button("Keep: Nguyễn Thị Lan")


async def test_for_me_offers_share_contact_and_takes_only_my_own_number(core):
    await use_places(core)
    chat = Chat(core, language="en")
    await _to_phone_step(chat, who="For me")
    assert chat.button("Share my phone number").kind is ButtonKind.REQUEST_CONTACT
    await chat.share_contact("84901234567", own=False)
    assert "someone else's contact" in chat.text
    await chat.share_contact("84901234567")
    assert "help with" in chat.text


async def test_a_slot_filled_meanwhile_offers_the_waitlist_or_other_times(core):
    await use_places(core, sample_places(point("hk-1", "hoan-kiem", seats=1, priority=0)))
    first, second = Chat(core, "1", language="en"), Chat(core, "2", language="en")
    await book_for_parent(first, confirm=False)
    await book_for_parent(second, confirm=False)
    await first.press("Confirm")
    await second.press("Confirm")
    assert "has just been taken" in second.text
    assert {"⏳ Join the waitlist", "🕒 Choose another time"} <= set(second.labels)

    await second.press("Choose another time")
    await second.press("Monday")
    await second.press("09:00")
    assert "Please check your booking" in second.text  # everything else was kept
    await second.press("Confirm")
    assert "Your booking code is" in second.text


async def test_a_full_day_offers_its_times_for_the_waitlist(core):
    await use_places(core, sample_places(point("hk-1", "hoan-kiem", seats=1, priority=0)))
    for n, time_label in enumerate(("08:00", "08:30", "09:00", "09:30")):
        await book_for_parent(Chat(core, f"x{n}", language="en"), time_label=time_label)
    chat = Chat(core, language="en")
    await chat.say("/menu")
    await chat.press("Book a visit")
    await chat.press("For a relative")
    await chat.say("hoan kiem")
    await chat.press("None of these")
    assert chat.button("Monday 30/11 · full: join the waitlist")
    await chat.press("Monday 30/11")
    await chat.press("08:30 · full")
    for answer in ("Phạm Văn Nam", "0977 000 111"):
        await chat.say(answer)
    await chat.press("iHanoi")
    await chat.press("None of these")
    await chat.press("permission")
    await chat.press("Join the waitlist")
    assert "number 1 in line" in chat.text
    (entry,) = await rows_of(core, WaitlistEntry)
    assert entry.slot_id == (await slot_at(core, "hk-1", MONDAY, "08:30")).id


async def test_priority_visitor_who_cannot_travel_asks_for_a_home_visit(core):
    await use_places(core)
    chat = Chat(core, language="en")
    await chat.say("/menu")
    await chat.press("Book a visit")
    await chat.press("For a relative")
    await chat.say("hoan kiem")
    await chat.press("Wheelchair")
    await chat.press("Done")
    await chat.press("home visit")
    # who qualifies is said first, before any personal detail is asked
    assert "aged 60 or over, live with a disability" in chat.text
    await chat.press("Living with a disability")
    await chat.press("Done")
    assert "person to visit at home" in chat.text
    await chat.say("Nguyễn Thị Lan")
    await chat.say("0912345678")
    await chat.press("VNeID")
    await chat.say("Số 5 ngõ 12 phố Hàng Bạc")
    await chat.press("Tuesday")
    await chat.press("Done")
    await chat.press("permission")
    assert "Số 5 ngõ 12 phố Hàng Bạc" in chat.text and "Tuesday" in chat.text
    await chat.press("Send the request")

    assert "will call 0912 345 678" in chat.text
    (request,) = await rows_of(core, HomeVisitRequest)
    assert request.unit_id == "hoan-kiem" and request.status == "new"
    assert request.preferred_days == [1] and request.priority == ["disability"]
    assert await rows_of(core, Booking) == []


async def test_home_visits_are_only_for_priority_visitors(core):
    await use_places(core)
    chat = Chat(core, language="en")
    await chat.say("/menu")
    await chat.press("Book a visit")
    await chat.press("For me")
    await chat.say("hoan kiem")
    await chat.press("No, none of these")
    await chat.press("home visit")
    await chat.press("None of these")
    assert "Home visits are for people aged 60" in chat.text
    assert await rows_of(core, HomeVisitRequest) == []
    await chat.press("Choose a time at the point")
    assert "Which day suits you?" in chat.text


async def test_booking_from_a_point_link_starts_at_that_point(core):
    await use_places(core)
    chat = Chat(core, language="en")
    await chat.say("/start p_cg-2")
    await chat.press("Book a visit here")
    await chat.press("For me")
    await chat.press("No, none of these")
    assert "Điểm hỗ trợ cg-2" in chat.text and "Which day suits you?" in chat.text
    await chat.press("Back")
    await chat.press("Back")
    assert "Who is the visit for?" in chat.text


async def test_a_forged_slot_button_is_refused_and_changes_nothing(core):
    await use_places(core)
    chat = Chat(core, language="en")
    await _to_phone_step(chat)
    await chat.tap("bk:s:1")
    assert "no longer active" in chat.text
    await chat.press("Book a visit")
    await chat.press("Continue")
    assert "mobile number" in chat.text


def test_the_diagram_beside_the_dialog_draws_exactly_its_transitions():
    diagram = (Path(booking.__file__).with_suffix(".md")).read_text()
    drawn = set(re.findall(r"^\s+(\w+) -->\|(\w+)\| (\w+)$", diagram, re.MULTILINE))
    table = {
        (step, event, target)
        for step, events in booking.TRANSITIONS.items()
        for event, target in events.items()
    }
    assert drawn == table
    assert set(booking.STEPS) == {s for s, _e, _t in table} | {t for _s, _e, t in table}


async def test_seats_held_for_priority_visitors_are_shown_beside_the_free_ones(core):
    # Priority is asked after the time: a priority visitor must see the seats open to her.
    await use_places(core, sample_places(point("hk-1", "hoan-kiem", seats=4, priority=2)))
    chat = Chat(core, language="en")
    await chat.say("/menu")
    await chat.press("Book a visit")
    await chat.press("For me")
    await chat.say("hoan kiem")
    await chat.press("No, none of these")
    assert "Monday 30/11 · 8 seats free, +8 for priority visitors" in chat.labels
    await chat.press("Monday")
    assert "08:00 · 2 seats free, +2 for priority visitors" in chat.labels
    vi = Chat(core, "v1")
    await vi.say("/menu")
    await vi.press("Đặt lịch")
    await vi.press("Cho tôi")
    await vi.say("hoan kiem")
    await vi.press("Không, không có ý nào")
    await vi.press("Thứ Hai")
    assert "08:00 · còn 2 chỗ, thêm 2 chỗ cho người ưu tiên" in vi.labels
