"""A schedule file sent as a document applies many changes at once: previewed first ("3 sessions
added, 1 cancelled affecting 7 bookings"), applied on "Apply", and a malformed file gets its
exact problems (line numbers or keys) and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import app
from bot.core import Core
from bot.db.booking_models import Booking, BookingSession, Slot
from bot.schedule import notices
from bot.types import Document
from tests.booking_flow import MONDAY, use_places
from tests.chat import Chat
from tests.schedule_setup import (
    CAU_GIAY,
    HOAN_KIEM,
    OFFICERS,
    all_rows,
    audits,
    book,
    citizen,
    officer_chat,
    outbox,
    session_at,
    snapshot,
)

pytestmark = pytest.mark.both_databases

HEADER = "date,start,end,slot_minutes,seats_per_slot,priority_seats,action,reason\n"


@pytest.fixture
async def core(config, clock):
    core = await app.start(config.replace(**OFFICERS), clock=clock)
    await use_places(core)
    try:
        yield core
    finally:
        await core.close()


async def send_file(chat: Chat, name: str, text: str | bytes, point: str = "hk-1") -> None:
    await chat.tap(f"ofc:sf:{point}")
    data = text.encode() if isinstance(text, str) else text
    await chat.send(document=Document(filename=name, data=data, mime_type="text/plain"))


async def seven_bookings_on_monday(core: Core) -> list[int]:
    people = []
    for n, time_label in enumerate(
        ["08:00", "08:00", "08:30", "08:30", "09:00", "09:00", "09:30"]
    ):
        who = await citizen(core, f"6{n:02d}", locale="en" if n % 2 else "vi")
        await book(core, who, "hk-1", MONDAY, time_label, name=f"Khách {'ABCDEFG'[n]}")
        people.append(who)
    return people


async def test_a_csv_file_is_previewed_then_applied(core):
    people = await seven_bookings_on_monday(core)
    officer = officer_chat(core, HOAN_KIEM)
    csv = (
        HEADER + "1/12/2026,13:00,15:00,30,4,1,add,\n"
        "3/12,08:00,10:00,30,4,,add,\n"
        "2026-12-05,14h,16h,60,2,0,add,\n"
        "30/11,08:00,,,,,cancel,Mất điện cả ngày\n"
        "07/12/2026,08:00,,,6,,capacity,\n"
    )
    before = await snapshot(core)
    await send_file(officer, "lich.csv", csv)
    assert "3 sessions added, 1 cancelled affecting 7 bookings, 1 with new seats" in officer.text
    assert await snapshot(core) == before, "a preview changes nothing"
    await officer.press("Apply")
    assert officer.text.startswith("Done: 3 sessions added")
    sessions = {
        (s.starts_at.day, s.starts_at.hour): s
        for s in await all_rows(core, BookingSession, BookingSession.point_id == "hk-1")
    }
    assert sessions[(1, 6)].source == "officer" and sessions[(3, 1)].status == "open"
    assert sessions[(5, 7)].slot_minutes == 60
    assert sessions[(30, 1)].status == "cancelled"
    assert sessions[(30, 1)].note == "Mất điện cả ngày"
    seventh = await all_rows(core, Slot, Slot.session_id == sessions[(7, 1)].id)
    assert {s.capacity for s in seventh} == {6}
    assert all(b.status == "cancelled" for b in await all_rows(core, Booking))
    messages = await outbox(core)
    assert sorted(m.recipient_user_id for m in messages) == sorted(people)
    assert all(m.kind == notices.KIND_CANCELLED for m in messages)
    offered = {b["label"] for m in messages for row in m.buttons for b in row}
    assert "🗓 13:00 Tuesday 1/12" in offered, "the new session is offered instead"
    actions = [a.action for a in await audits(core)][3:]
    assert actions.count("session.add") == 3 and actions.count("session.cancel") == 1
    assert actions.count("session.capacity") == 1 and actions[-1] == "schedule.file"


async def test_a_malformed_csv_lists_every_problem_with_its_line_and_changes_nothing(core):
    for n in range(3):
        await book(core, await citizen(core, f"70{n}"), "hk-1", MONDAY, "08:30", name=f"Khách {n}")
    officer = officer_chat(core, HOAN_KIEM)
    csv = (
        HEADER + "31/02,08:00,10:00,30,4,0,add,\n"
        "1/12,25:00,10:00,30,4,0,add,\n"
        "30/11,08:00,,,,,cancel,\n"
        "\n"
        "2/12,09:00,11:00,30,4,0,add,\n"
        "30/11,08:00,,,2,,capacity,\n"
        "1/12,08:00,09:00,30,4,0,move,\n"
        "1/12,08:00,09:00,45,4,0,add,\n"
        "1/12,08:00\n"
        "4/12,08:00,,,,,cancel,Ốm\n"
    )
    before = await snapshot(core)
    await send_file(officer, "lich.csv", csv)
    text = officer.text
    assert "I changed nothing" in text
    assert "line 2: I could not read “31/02” as a date" in text
    assert "line 3: I could not read “25:00” as a time" in text
    assert "line 4: reason is missing" in text
    assert "line 6: overlaps the session at 08:00 Wednesday 2/12" in text
    assert "line 7: 3 seats are already booked at 08:30 Monday 30/11" in text
    assert "line 8: action must be add, cancel or capacity" in text
    assert "line 9: 45 minutes do not divide 08:00–09:00" in text
    assert "line 10: 2 values, but the header has 8 columns" in text
    assert "line 11: there is no open session at Điểm hỗ trợ hk-1 on 04/12/2026" in text
    assert text.index("line 6:") < text.index("line 7:"), "in line order"
    assert "Apply" not in " ".join(officer.labels)
    assert await snapshot(core) == before
    await officer.send(document=Document(filename="lich.csv", data=b"day,time\n1/12,8:00\n"))
    assert "line 1: the header must be" in officer.text and "unknown: day, time" in officer.text
    await officer.send(document=Document(filename="lich.csv", data="ngày".encode("utf-16")))
    assert "not UTF-8 text" in officer.text
    await officer.send(document=Document(filename="lich.xlsx", data=b"PK\x03\x04"))
    assert "Please send a .csv or .toml file" in officer.text
    await officer.say("here it is")
    assert "did not get a file" in officer.text
    assert await snapshot(core) == before


TOML = """
unit = "hoan-kiem"

[[point]]
id = "hk-1"
name = "Điểm hỗ trợ hk-1"
address = "Số 1 phố hk-1, Hà Nội"
lat = 21.03
lon = 105.85
closed = [2026-12-07]

[[point.session]]
weekdays = ["mon"]
start = "08:00"
end = "10:00"
slot_minutes = 30
seats_per_slot = 12
priority_seats = 2

[[point.one_off]]
date = 2026-12-05
start = "08:00"
end = "10:00"
slot_minutes = 30
seats_per_slot = 4
priority_seats = 2
"""


async def test_a_points_toml_file_makes_the_coming_weeks_what_it_says(core):
    wednesday = MONDAY + timedelta(days=2)
    lan = await citizen(core, "501", locale="en")
    await book(core, lan, "hk-1", wednesday, "08:30")
    officer = officer_chat(core, HOAN_KIEM)
    await send_file(officer, "hoan-kiem.toml", TOML)
    assert "1 session added, 5 cancelled affecting 1 booking, 3 with new seats" in officer.text
    assert "up to 26/12/2026" in officer.text
    await officer.press("Apply")
    assert "Done:" in officer.text
    rows = await all_rows(core, BookingSession, BookingSession.point_id == "hk-1")
    open_days = sorted(r.starts_at.day for r in rows if r.status == "open")
    assert open_days == [5, 14, 21, 30], "Mondays but the closed one, and the one-off"
    monday = await session_at(core, "hk-1", MONDAY)
    assert {s.capacity for s in await all_rows(core, Slot, Slot.session_id == monday.id)} == {12}
    [message] = await outbox(core)
    assert message.recipient_user_id == lan and "schedule" in message.text


async def test_a_broken_toml_file_names_the_line_or_the_key(core):
    officer = officer_chat(core, HOAN_KIEM)
    before = await snapshot(core)
    await send_file(officer, "hk.toml", 'unit = "hoan-kiem"\n[[point]\nid = "hk-1"\n')
    assert "not valid TOML" in officer.text and "line 2" in officer.text
    broken = TOML.replace(
        'end = "10:00"\nslot_minutes = 30\nseats_per_slot = 12',
        'end = "07:00"\nslot_minutes = 30\nseats_per_slot = 12',
    )
    await officer.send(document=Document(filename="hk.toml", data=broken.encode()))
    assert "point[hk-1].session[1].end: must be after start 08:00" in officer.text
    unknown = TOML.replace('id = "hk-1"', 'id = "hk-9"')
    await officer.send(document=Document(filename="hk.toml", data=unknown.encode()))
    assert "point[hk-9]: not a support point of this unit here" in officer.text
    assert await snapshot(core) == before


async def test_a_toml_file_for_another_unit_is_refused(core):
    officer = officer_chat(core, CAU_GIAY)
    before = await snapshot(core)
    await send_file(officer, "hk.toml", TOML, point="cg-1")
    assert "unit: you are not an officer of “hoan-kiem”" in officer.text
    assert await snapshot(core) == before


async def test_a_file_applied_after_the_schedule_changed_shows_the_new_preview(core):
    officer = officer_chat(core, HOAN_KIEM)
    await send_file(officer, "lich.csv", HEADER + "30/11,08:00,,,,,cancel,Mất điện\n")
    assert "1 cancelled affecting 0 bookings" in officer.text
    await book(core, await citizen(core, "501"), "hk-1", MONDAY, "09:00")
    await officer.press("Apply")
    assert "The schedule changed since you sent the file" in officer.text
    assert (await session_at(core, "hk-1", MONDAY)).status == "open"
    assert await outbox(core) == []
