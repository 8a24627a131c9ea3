"""A person's data is theirs: /privacy shows it, "Delete my data" removes it (cancelling
upcoming visits and giving their seats to people waiting), and visits are forgotten some days
after they happened."""

from __future__ import annotations

import json
from datetime import time, timedelta

import pytest

from bot.booking import jobs
from bot.db.booking_models import Booking, BookingDraft, OutboxMessage, WaitlistEntry
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
