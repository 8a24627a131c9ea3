"""A person's data is theirs: /privacy shows it, "Delete my data" removes it (cancelling
upcoming visits and giving their seats to people waiting), and visits are forgotten some days
after they happened."""

from __future__ import annotations

import json
from datetime import time, timedelta

import pytest

from bot.booking import jobs
from bot.db.booking_models import Booking, BookingDraft, OutboxMessage, WaitlistEntry
from bot.db.guides_models import GuideProgress
from bot.db.models import User
from tests.booking_flow import (
    MONDAY,
    book_for_parent,
    point,
    rows_of,
    sample_places,
    slot_at,
    use_places,
    user_id_of,
    wait_in_line,
)
from tests.chat import Chat

# Deletion and purge are storage behaviour: every test here runs on SQLite and PostgreSQL.
pytestmark = pytest.mark.both_databases


async def test_privacy_shows_the_people_i_booked_for_and_offers_a_download(core):
    await use_places(core)
    chat = Chat(core, language="en")
    await book_for_parent(chat)
    await chat.say("/privacy")
    assert "Nguyễn Thị Lan" in chat.text and "0912 345 678" in chat.text
    await chat.press("Download my data")
    document = next(r.document for r in chat.replies if r.document)
    data = json.loads(document.data)
    assert data["bookings"][0]["visitor_name"] == "Nguyễn Thị Lan"
    assert data["bookings"][0]["phone"] == "+84912345678"


async def test_deleting_my_data_cancels_visits_frees_seats_and_removes_names_and_phones(core):
    one_slot_a_day = point("hk-1", "hoan-kiem", seats=1, priority=0, end=time(8, 30))
    await use_places(core, sample_places(one_slot_a_day))
    chat = Chat(core, language="en")
    await chat.say("/language")
    await chat.press("English")
    await book_for_parent(chat, time_label="08:00")
    waiting = Chat(core, "w1", language="en")
    await wait_in_line(waiting, "08:00")
    await book_for_parent(chat, time_label="08:00", day="Wednesday", confirm=False)

    await chat.say("/privacy")
    await chat.press("Delete my data")
    assert "cannot be undone" in chat.text
    await chat.press("Yes, delete my data")
    assert "your data is deleted" in chat.text

    user_id = await user_id_of(core, chat)
    mine = [b for b in await rows_of(core, Booking) if b.visitor_name != "Đỗ Thị Mai"]
    assert [b.status for b in mine] == ["cancelled"]
    assert all(b.visitor_name is None and b.phone is None and b.user_id is None for b in mine)
    assert await rows_of(core, BookingDraft, BookingDraft.user_id == user_id) == []
    (user,) = await rows_of(core, User, User.id == user_id)
    assert user.locale is None
    # The seat went to the person waiting, who is told.
    (entry,) = await rows_of(core, WaitlistEntry)
    assert entry.status == "promoted"
    assert (await slot_at(core, "hk-1", MONDAY, "08:00")).booked == 1
    assert [m.chat_id for m in await rows_of(core, OutboxMessage)] == ["w1"]
    await chat.say("/privacy")
    assert "Nguyễn Thị Lan" not in chat.text


async def test_names_and_phones_are_forgotten_90_days_after_the_visit(core, clock):
    await use_places(core)
    chat = Chat(core, language="en")
    await book_for_parent(chat)
    slot = await slot_at(core, "hk-1", MONDAY, "08:30")

    clock.set(slot.ends_at + timedelta(days=89))
    await jobs.daily(core)
    (booking,) = await rows_of(core, Booking)
    assert booking.visitor_name == "Nguyễn Thị Lan"

    clock.set(slot.ends_at + timedelta(days=90, minutes=1))
    await jobs.daily(core)
    (booking,) = await rows_of(core, Booking)
    assert booking.visitor_name is None and booking.phone is None and booking.needs == []
    assert booking.purged_at is not None and booking.code  # still counted, no longer personal


async def test_privacy_marks_cancelled_and_past_visits_and_exports_hanoi_time(core, clock):
    await use_places(core)
    chat = Chat(core, language="en")
    await book_for_parent(chat)  # Monday 08:30
    await book_for_parent(chat, day="Wednesday", time_label="09:00", name="Trần Văn Hùng")
    (hung_booking,) = await rows_of(core, Booking, Booking.visitor_name == "Trần Văn Hùng")
    await chat.tap(f"mb:cancel:{hung_booking.id}")
    await chat.press("Yes, cancel it")
    monday = await slot_at(core, "hk-1", MONDAY, "08:30")
    clock.set(monday.ends_at + timedelta(hours=1))

    await chat.say("/privacy")
    lines = chat.text.splitlines()
    lan = next(line for line in lines if "Nguyễn Thị Lan" in line)
    hung = next(line for line in lines if "Trần Văn Hùng" in line)
    assert "[past]" in lan and "8:30, Monday 30 November 2026" in lan
    assert "[cancelled]" in hung
    await chat.press("Download my data")
    document = next(r.document for r in chat.replies if r.document)
    data = json.loads(document.data)
    states = {b["visitor_name"]: b["state"] for b in data["bookings"]}
    assert states == {"Nguyễn Thị Lan": "past", "Trần Văn Hùng": "cancelled"}
    lan_row = next(b for b in data["bookings"] if b["visitor_name"] == "Nguyễn Thị Lan")
    assert lan_row["starts_at"] == "2026-11-30T08:30:00+07:00"
    assert data["account"]["first_seen"].endswith("+07:00")
    assert "+00:00" not in document.data.decode()


async def test_consent_names_every_field_the_form_asks_for(core):
    await use_places(core)
    chat = Chat(core, language="en")
    await chat.say("/menu")
    await chat.press("Book a visit")
    await chat.press("For a relative")
    await chat.say("hoan kiem")
    await chat.press("Wheelchair")
    await chat.press("Done")
    await chat.press("Monday")
    await chat.press("08:30")
    await chat.say("Nguyễn Thị Lan")
    await chat.say("0912 345 678")
    await chat.press("VNeID")
    await chat.press("Aged 60")
    await chat.press("Done")
    consent = chat.text
    for field in ("name", "phone number", "help", "disability", "wheelchair", "hearing"):
        assert field in consent
    assert "home address" not in consent

    home = Chat(core, "h1", language="en")
    await home.say("/menu")
    await home.press("Book a visit")
    await home.press("For a relative")
    await home.say("hoan kiem")
    await home.press("Wheelchair")
    await home.press("Done")
    await home.press("home visit")
    await home.press("Living with a disability")
    await home.press("Done")
    await home.say("Nguyễn Thị Lan")
    await home.say("0912345678")
    await home.press("VNeID")
    await home.say("Số 5 ngõ 12 phố Hàng Bạc")
    await home.press("Tuesday")
    await home.press("Done")
    for field in ("home address", "days", "disability", "wheelchair", "phone number"):
        assert field in home.text


async def test_deleting_my_data_from_the_chat_removes_reading_progress_and_the_draft(core):
    await use_places(core)
    chat = Chat(core, language="en")
    await book_for_parent(chat, confirm=False)  # an unfinished form
    user_id = await user_id_of(core, chat)
    async with core.db.transaction() as session:
        session.add(
            GuideProgress(
                user_id=user_id,
                guide_id="dvc-login",
                locale="en",
                version=1,
                step_id="s2",
                updated_at=core.clock.now(),
            )
        )
    assert await rows_of(core, BookingDraft, BookingDraft.user_id == user_id)
    await chat.say("/privacy")
    await chat.press("Delete my data")
    assert "which guides you were reading" in chat.text and "unfinished" in chat.text
    await chat.press("Yes, delete my data")
    assert await rows_of(core, GuideProgress, GuideProgress.user_id == user_id) == []
    assert await rows_of(core, BookingDraft, BookingDraft.user_id == user_id) == []
