"""Schedule changes from the bot reach exactly the booked citizens: an officer of the unit lists
the sessions of their points, cancels one with a reason, moves one, changes its seats, closes
a point for some days or adds a session; bookers are told in their own language through the
outbox and can answer; the changes survive the daily materialise; every action is audited."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot import app
from bot.booking import jobs
from bot.db.booking_models import Booking, BookingSession, Slot, WaitlistEntry
from bot.schedule import notices
from handlers import officer_schedule
from tests.booking_flow import MONDAY, slot_at, use_places
from tests.chat import Chat
from tests.schedule_setup import (
    HOAN_KIEM,
    OFFICERS,
    all_rows,
    audits,
    book,
    citizen,
    officer_chat,
    outbox,
    session_at,
    set_seats,
    wait_for,
)

pytestmark = pytest.mark.both_databases

WEDNESDAY = MONDAY + timedelta(days=2)


@pytest.fixture
async def core(config, clock):
    core = await app.start(config.replace(**OFFICERS), clock=clock)
    await use_places(core)
    try:
        yield core
    finally:
        await core.close()


async def open_session(officer: Chat, day_label: str) -> None:
    await officer.say("/officer")
    await officer.press("Sessions")
    await officer.press(day_label)


async def test_officer_sees_the_coming_sessions_of_their_point_with_bookings(core):
    lan = await citizen(core, "501")
    await book(core, lan, "hk-1", MONDAY, "08:30")
    officer = officer_chat(core, HOAN_KIEM)
    await officer.say("/officer")
    await officer.press("Sessions")
    assert "Điểm hỗ trợ hk-1" in officer.text
    assert "Monday 30/11 08:00–10:00 · 1/40 booked" in officer.labels
    assert "Wednesday 2/12 08:00–10:00 · 0/40 booked" in officer.labels
    assert "cg-1" not in officer.text, "only the points of my units"


async def test_cancel_tells_each_affected_booker_once_in_their_language_with_free_times(core):
    lan = await citizen(core, "501", locale="vi")
    binh = await citizen(core, "502", locale="en")
    other = await citizen(core, "503", locale="vi")
    mother = await book(core, lan, "hk-1", MONDAY, "08:30", name="Nguyễn Thị Lan")
    father = await book(core, lan, "hk-1", MONDAY, "09:00", name="Nguyễn Văn Hùng")
    own = await book(
        core, binh, "hk-1", MONDAY, "09:30", name="Trần Bình", locale="en", for_self=True
    )
    elsewhere = await book(core, other, "hk-1", WEDNESDAY, "08:30", name="Lê Hoa")
    officer = officer_chat(core, HOAN_KIEM)
    await open_session(officer, "Monday 30/11")
    await officer.press("Cancel this session")
    await officer.say("Cán bộ bị ốm")
    assert "3 booked visitors, 0 people waiting" in officer.text
    await officer.press("Apply")
    assert "the session is cancelled" in officer.text

    messages = await outbox(core)
    assert sorted(m.recipient_user_id for m in messages) == [lan, binh], (
        "one per affected booker, none for other sessions"
    )
    to_lan = next(m for m in messages if m.recipient_user_id == lan)
    to_binh = next(m for m in messages if m.recipient_user_id == binh)
    assert to_lan.kind == to_binh.kind == notices.KIND_CANCELLED
    assert to_lan.priority < 50 and to_lan.status == "pending"
    assert to_lan.booking_id == mother.id and to_binh.booking_id == own.id
    assert "Nguyễn Thị Lan" in to_lan.text and "Nguyễn Văn Hùng" in to_lan.text
    assert "Cán bộ bị ốm" in to_lan.text and "Cán bộ bị ốm" in to_binh.text
    assert "thứ Hai" in to_lan.text and "Monday" in to_binh.text, "each in their language"
    payloads = [b["payload"] for row in to_binh.buttons for b in row]
    wednesday = await slot_at(core, "hk-1", WEDNESDAY, "08:00")
    assert payloads[0] == f"mb:rebook:{own.id}:{wednesday.id}", "the next free time first"
    assert {f"mb:rebook:{father.id}:{wednesday.id}", f"mb:rebook:{mother.id}:{wednesday.id}"} <= {
        b["payload"] for row in to_lan.buttons for b in row
    }
    bookings = {b.id: b.status for b in await all_rows(core, Booking)}
    assert bookings == {
        mother.id: "cancelled",
        father.id: "cancelled",
        own.id: "cancelled",
        elsewhere.id: "confirmed",
    }
    monday = await all_rows(
        core, Slot, Slot.session_id == (await session_at(core, "hk-1", MONDAY)).id
    )
    assert all(s.status == "cancelled" and s.booked == 0 for s in monday), "seats freed"
    entry = (await audits(core, "session.cancel"))[0]
    assert entry.actor == "telegram:100" and entry.unit_id == "hoan-kiem"
    assert entry.after["bookings_cancelled"] == 3


async def test_two_officers_cancelling_at_once_cancel_and_notify_once(core):
    lan = await citizen(core, "501")
    await book(core, lan, "hk-1", MONDAY, "08:30")
    session = await session_at(core, "hk-1", MONDAY)
    officer, admin = officer_chat(core, HOAN_KIEM), officer_chat(core, "900")
    for chat in (officer, admin):
        await chat.tap(f"ofc:sc:{session.id}")
        await chat.say("Mất điện")
    await asyncio.gather(officer.press("Apply"), admin.press("Apply"))
    answers = sorted([officer.text, admin.text])
    assert sum("the session is cancelled" in a for a in answers) == 1, answers
    assert any("already cancelled" in a or "changed by someone else" in a for a in answers)
    assert [m.recipient_user_id for m in await outbox(core)] == [lan]
    assert len(await audits(core, "session.cancel")) == 1


async def test_people_waiting_for_a_cancelled_session_are_told_too(core):
    lan = await citizen(core, "501")
    mai = await citizen(core, "504", locale="en")
    await set_seats(core, "hk-1", MONDAY, "08:30", 1)  # one seat, then full
    await book(core, lan, "hk-1", MONDAY, "08:30")
    await wait_for(core, mai, "hk-1", MONDAY, "08:30", locale="en")
    officer = officer_chat(core, HOAN_KIEM)
    await open_session(officer, "Monday 30/11")
    await officer.press("Cancel this session")
    await officer.say("Power cut")
    assert "1 booked visitor, 1 person waiting" in officer.text
    await officer.press("Apply")
    told = {m.recipient_user_id: m for m in await outbox(core)}
    assert set(told) == {lan, mai}
    assert told[mai].kind == notices.KIND_WAIT_CANCELLED and "Power cut" in told[mai].text
    assert "no longer on its waitlist" in told[mai].text
    assert [w.status for w in await all_rows(core, WaitlistEntry)] == ["cancelled"]


async def test_a_booker_rebooks_a_free_time_from_the_cancellation_message(core):
    lan_id = await citizen(core, "501", locale="en")
    booking = await book(core, lan_id, "hk-1", MONDAY, "08:30")
    officer = officer_chat(core, HOAN_KIEM)
    await open_session(officer, "Monday 30/11")
    await officer.press("Cancel this session")
    await officer.say("The officer is ill")
    await officer.press("Apply")
    message = (await outbox(core))[0]
    lan = Chat(core, user_id="501", channel="telegram")
    offered = message.buttons[0][0]["payload"]
    await lan.tap(offered)
    assert "same details" in lan.text
    await lan.press("Yes, book it")
    assert "The booking code is" in lan.text
    new = [b for b in await all_rows(core, Booking) if b.status == "confirmed"]
    assert len(new) == 1 and new[0].visitor_name == booking.visitor_name
    assert new[0].phone == booking.phone and new[0].needs == ["wheelchair"]
    await lan.tap(message.buttons[1][0]["payload"])  # a second offer: already rebooked
    assert "can no longer be booked from this message" in lan.text
    stranger = Chat(core, user_id="666", channel="telegram", language="en")
    await stranger.tap(offered)
    assert "can no longer be booked" in stranger.text
    assert len([b for b in await all_rows(core, Booking) if b.status == "confirmed"]) == 1


async def test_move_carries_bookings_and_waitlist_and_asks_if_still_fine(core, clock):
    lan = await citizen(core, "501", locale="en")
    hoa = await citizen(core, "503", locale="vi")
    mine = await book(core, lan, "hk-1", MONDAY, "08:30", priority=("aged60",))
    hers = await book(core, hoa, "hk-1", MONDAY, "09:30")
    await wait_for(core, hoa, "hk-1", MONDAY, "09:30")
    officer = officer_chat(core, HOAN_KIEM)
    await open_session(officer, "Monday 30/11")
    await officer.press("Move it")
    await officer.say("1/12")
    await officer.say("14h00")
    assert "to: 14:00–16:00, Tuesday 1 December 2026" in officer.text
    assert "2 booked visitors, 1 person waiting" in officer.text
    await officer.press("Apply")
    assert "the session is moved" in officer.text

    new_830 = await slot_at(core, "hk-1", MONDAY + timedelta(days=1), "14:30")
    new_930 = await slot_at(core, "hk-1", MONDAY + timedelta(days=1), "15:30")
    rows = {b.id: b for b in await all_rows(core, Booking)}
    assert rows[mine.id].slot_id == new_830.id and rows[mine.id].code == mine.code
    assert rows[hers.id].slot_id == new_930.id and rows[hers.id].status == "confirmed"
    assert (new_830.booked, new_830.booked_priority, new_930.booked) == (1, 1, 1)
    assert [w.slot_id for w in await all_rows(core, WaitlistEntry)] == [new_930.id]
    old = await session_at(core, "hk-1", MONDAY)
    assert old.status == "moved"
    messages = {(m.recipient_user_id, m.kind): m for m in await outbox(core)}
    assert set(messages) == {
        (lan, notices.KIND_MOVED),
        (hoa, notices.KIND_MOVED),
        (hoa, notices.KIND_WAIT_MOVED),
    }
    to_lan = messages[(lan, notices.KIND_MOVED)]
    assert "Before: 8:30–9:00, Monday 30 November 2026" in to_lan.text
    assert "14:30–15:00" in to_lan.text
    assert [b["payload"] for row in to_lan.buttons for b in row] == [
        f"mb:ok:{mine.id}",
        f"mb:cancel:{mine.id}",
    ]
    assert "thứ Ba" in messages[(hoa, notices.KIND_MOVED)].text

    lan_chat = Chat(core, user_id="501", channel="telegram")
    clock.advance(minutes=5)
    await lan_chat.tap(f"mb:ok:{mine.id}")
    # Booked for a relative: the visitor is named, not the booker.
    assert "Thank you! We will see Nguyễn Thị Lan at 14:30–15:00" in lan_chat.text
    assert (await all_rows(core, Booking, Booking.id == mine.id))[0].schedule_ack_at == clock.now()
    hoa_chat = Chat(core, user_id="503", channel="telegram", language="en")
    await hoa_chat.tap(f"mb:ok:{mine.id}")
    assert "Tôi không thấy lịch hẹn này" in hoa_chat.text, "someone else's booking"
    await hoa_chat.tap(f"mb:cancel:{hers.id}")
    await hoa_chat.press("Đúng, huỷ lịch")
    assert (await all_rows(core, Booking, Booking.id == hers.id))[0].status == "cancelled"
    move = (await audits(core, "session.move"))[0]
    assert move.before["starts_at"].startswith("2026-11-30T01:00")
    assert move.after["bookings_moved"] == 2 and move.after["waitlist_moved"] == 1


async def test_move_to_a_time_that_overlaps_another_session_is_refused(core):
    officer = officer_chat(core, HOAN_KIEM)
    await open_session(officer, "Monday 30/11")
    await officer.press("Move it")
    await officer.say("2/12")
    await officer.say("9:00")
    assert "overlaps the session at 08:00 Wednesday 2/12" in officer.text
    assert (await session_at(core, "hk-1", MONDAY)).status == "open"
    assert await audits(core, "session.move") == []


async def test_seats_never_go_below_what_is_booked(core):
    for n in range(3):
        who = await citizen(core, f"50{n}")
        await book(core, who, "hk-1", MONDAY, "09:00", name=f"Người số {'mộthaiba'[n]}")
    officer = officer_chat(core, HOAN_KIEM)
    await open_session(officer, "Monday 30/11")
    await officer.press("Change the seats")
    assert "the fullest has 3 booked" in officer.text
    await officer.say("2")
    assert "3 seats are already booked at 09:00 Monday 30/11" in officer.text
    assert "cannot go below 3" in officer.text
    await officer.say("3")
    await officer.press("Apply")
    assert "each time slot now has 3 seats" in officer.text
    session = await session_at(core, "hk-1", MONDAY)
    slots = await all_rows(core, Slot, Slot.session_id == session.id)
    assert {s.capacity for s in slots} == {3} and {s.priority_seats for s in slots} == {2}
    entry = (await audits(core, "session.capacity"))[0]
    assert (entry.before, entry.after["seats_per_slot"]) == ({"seats_per_slot": 10}, 3)


async def test_more_seats_go_to_the_people_waiting(core):
    lan, mai = await citizen(core, "501"), await citizen(core, "504", locale="en")
    await set_seats(core, "hk-1", MONDAY, "08:30", 1)
    await book(core, lan, "hk-1", MONDAY, "08:30")
    await wait_for(core, mai, "hk-1", MONDAY, "08:30")
    officer = officer_chat(core, HOAN_KIEM)
    await open_session(officer, "Monday 30/11")
    await officer.press("Change the seats")
    await officer.say("4")
    await officer.press("Apply")
    assert "1 person waiting got a seat" in officer.text
    assert [m.kind for m in await outbox(core)] == ["waitlist_promoted"]


async def test_close_a_point_for_days_cancels_every_session_in_range_even_beyond_the_horizon(
    core, clock
):
    lan = await citizen(core, "501")
    await book(core, lan, "hk-1", WEDNESDAY, "08:30")
    officer = officer_chat(core, HOAN_KIEM)
    await officer.say("/officer")
    await officer.press("Sessions")
    await officer.press("Close for some days")
    await officer.say("2/12")
    await officer.say("40/12")
    assert "could not read “40/12” as a date" in officer.text
    await officer.say("20/1/2027")
    await officer.say("Nghỉ Tết dương lịch và tập huấn")
    assert "15 sessions will be cancelled; 1 booked visitor" in officer.text
    await officer.press("Apply")
    assert "Done: 15 sessions cancelled" in officer.text
    sessions = await all_rows(core, BookingSession, BookingSession.point_id == "hk-1")
    closed = [s for s in sessions if s.status == "cancelled"]
    assert len(closed) == 15 and all(s.note == "Nghỉ Tết dương lịch và tập huấn" for s in closed)
    assert (await session_at(core, "hk-1", MONDAY)).status == "open", "before the range"
    assert [m.recipient_user_id for m in await outbox(core)] == [lan]
    # Weeks later the daily materialise reaches those days: they stay closed.
    clock.advance(days=40)
    await jobs.materialise_sessions(core)
    january = [
        s
        for s in await all_rows(core, BookingSession, BookingSession.point_id == "hk-1")
        if s.starts_at.month == 1 and s.starts_at.day <= 20
    ]
    assert january and all(s.status == "cancelled" for s in january)
    slots = await all_rows(core, Slot, Slot.session_id.in_([s.id for s in january]))
    assert slots and all(s.status == "cancelled" for s in slots)
    assert (await audits(core, "point.close"))[0].after["bookings_cancelled"] == 1


async def test_closing_days_without_sessions_says_there_is_nothing_to_close(core):
    officer = officer_chat(core, HOAN_KIEM)
    await officer.tap("ofc:sx:hk-1")
    await officer.say("1/12")
    await officer.say("1/12")
    await officer.say("Tập huấn")
    assert "nothing to close" in officer.text and officer.buttons
    assert await audits(core, "point.close") == []


async def test_changes_survive_the_daily_materialise(core):
    officer = officer_chat(core, HOAN_KIEM)
    await open_session(officer, "Monday 30/11")
    await officer.press("Cancel this session")
    await officer.say("Mất điện")
    await officer.press("Apply")
    await open_session(officer, "Wednesday 2/12")
    await officer.press("Move it")
    await officer.say("3/12")
    await officer.say("8:00")
    await officer.press("Apply")
    await open_session(officer, "Monday 7/12")
    await officer.press("Change the seats")
    await officer.say("5")
    await officer.press("Apply")
    before = [(s.id, s.starts_at, s.status) for s in await all_rows(core, BookingSession)]
    await jobs.materialise_sessions(core)
    await jobs.materialise_sessions(core)
    after = [(s.id, s.starts_at, s.status) for s in await all_rows(core, BookingSession)]
    assert after == before, "nothing recreated"
    open_monday = await all_rows(
        core,
        Slot,
        Slot.point_id == "hk-1",
        Slot.status == "open",
        Slot.starts_at < (await slot_at(core, "hk-1", MONDAY, "09:30")).ends_at,
    )
    assert open_monday == []
    seventh = await session_at(core, "hk-1", MONDAY + timedelta(days=7))
    assert {s.capacity for s in await all_rows(core, Slot, Slot.session_id == seventh.id)} == {5}


async def test_add_a_one_off_session_opens_it_for_booking(core):
    officer = officer_chat(core, HOAN_KIEM)
    await officer.say("/officer")
    await officer.press("Sessions")
    await officer.press("Add a session")
    await officer.press("Tuesday 1/12")
    await officer.say("13:30")
    await officer.say("13:00")
    assert "The end must be after the start (13:30)" in officer.text
    await officer.say("16h")
    await officer.say("45")
    assert "45 minutes do not divide 13:30–16:00" in officer.text
    await officer.press("30 minutes")
    await officer.say("six")
    assert "whole number from 1 to 500" in officer.text
    await officer.say("6")
    await officer.press("2")
    assert "Tuesday 1/12, 13:30–16:00" in officer.text
    await officer.press("Apply")
    assert "is open for booking" in officer.text
    tuesday = await session_at(core, "hk-1", MONDAY + timedelta(days=1), "13:30")
    assert tuesday.source == "officer" and tuesday.status == "open"
    slots = await all_rows(core, Slot, Slot.session_id == tuesday.id)
    assert [(s.capacity, s.priority_seats) for s in slots] == [(6, 2)] * 5
    assert (await audits(core, "session.add"))[0].after["seats_per_slot"] == 6
    await jobs.materialise_sessions(core)
    assert len(await all_rows(core, Slot, Slot.session_id == tuesday.id)) == 5


async def test_a_long_reason_is_refused_kindly_and_stop_changes_nothing(core):
    officer = officer_chat(core, HOAN_KIEM)
    await open_session(officer, "Monday 30/11")
    await officer.press("Cancel this session")
    await officer.say("x" * 301)
    assert "301 characters long" in officer.text and "under 300" in officer.text
    await officer.say("??")
    assert "short reason in words" in officer.text
    await officer.press("Stop")
    assert "nothing was changed" in officer.text
    await officer.tap("ofc:go")
    assert "no longer open" in officer.text
    assert (await session_at(core, "hk-1", MONDAY)).status == "open"
    assert await audits(core, "session.cancel") == []


def test_the_diagram_beside_the_dialogs_draws_exactly_their_transitions():
    diagram = Path(officer_schedule.__file__).with_suffix(".md").read_text()
    drawn = set(re.findall(r"^\s+([a-z]+)_([a-z]+) --> ([a-z]+)_([a-z]+)$", diagram, re.MULTILINE))
    table = {
        (op, step, op, target)
        for op, steps in officer_schedule.TRANSITIONS.items()
        for step, target in steps.items()
    }
    assert drawn == table
    starts = set(
        re.findall(
            r"^\s+(?:session|point)(?:\(\[.*\]\))? --> ([a-z]+)_([a-z]+)$", diagram, re.MULTILINE
        )
    )
    assert starts == set(officer_schedule.FIRST.items())
    used = {
        step
        for steps in officer_schedule.TRANSITIONS.values()
        for pair in steps.items()
        for step in pair
    }
    assert used == set(officer_schedule.STEPS)
