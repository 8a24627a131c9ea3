"""Changes to a whole support point from the "Schedule" page: a one-off session, closing the
point for some days, a schedule file. Each is previewed first with exactly who will be told
(names and times; a preview changes nothing), then applied through the schedule services:
audited, visitors told through the outbox; another unit's point is refused even from a forged
form; bad input gets a plain message and changes nothing."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import aiohttp
import pytest

from bot.db.booking_models import BookingSession
from bot.schedule import notices
from bot.schedule.placing import local_day
from tests.booking_flow import MONDAY
from tests.schedule_setup import (
    CAU_GIAY,
    HOAN_KIEM,
    all_rows,
    audits,
    book,
    citizen,
    outbox,
    session_at,
    set_seats,
    snapshot,
    wait_for,
)
from tests.web_fixtures import core, site  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.both_databases
WEDNESDAY = MONDAY + timedelta(days=2)  # the sample points open on Mondays and Wednesdays
HEADER = "date,start,end,slot_minutes,seats_per_slot,priority_seats,action,reason\n"


def upload(csrf: str, name: str, content: str, kind: str = "text/csv") -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("csrf", csrf)
    form.add_field("file", content.encode(), filename=name, content_type=kind)
    return form


async def test_the_week_offers_the_point_changes_for_each_of_my_points(core, site):
    officer = await site.officer(HOAN_KIEM)
    page = (await officer.get("/web/schedule")).text
    assert 'action="/web/points/hk-1/sessions"' in page
    assert 'action="/web/points/hk-1/close"' in page
    assert 'action="/web/points/hk-1/file"' in page and 'enctype="multipart/form-data"' in page
    assert "/web/points/cg-1/" not in page, "another unit's point"


async def test_a_one_off_session_is_previewed_then_added_and_audited(core, site):
    officer = await site.officer(HOAN_KIEM)
    csrf = await officer.csrf()
    form = {
        "csrf": csrf,
        "day": MONDAY.isoformat(),
        "start": "14:00",
        "end": "15:00",
        "slot_minutes": "30",
        "seats": "4",
        "priority_seats": "1",
    }
    before = await snapshot(core)
    preview = await officer.post("/web/points/hk-1/sessions", form)
    assert preview.status == 200 and "Check before you apply" in preview.text
    assert "A new session: Monday 30/11, 14:00–15:00." in preview.text
    assert "2 time slots of 30 minutes, 4 seats each (1 kept for priority" in preview.text
    assert "Nobody is told" in preview.text
    assert await snapshot(core) == before, "a preview changes nothing"

    done = await officer.post("/web/points/hk-1/sessions", {**form, "step": "apply"})
    assert done.status == 200 and "Added: Monday 30/11, 14:00–15:00." in done.text
    added = await session_at(core, "hk-1", MONDAY, "14:00")
    assert added.status == "open" and f'href="/web/sessions/{added.id}"' in done.text
    [entry] = await audits(core, "session.add")
    assert entry.actor == "telegram:100" and entry.unit_id == "hoan-kiem"
    assert not await outbox(core)

    again = await officer.post("/web/points/hk-1/sessions", {**form, "step": "apply"})
    assert again.status == 409 and "overlap" in again.text.lower()
    assert len(await audits(core, "session.add")) == 1


async def test_a_bad_or_past_one_off_session_changes_nothing(core, site):
    officer = await site.officer(HOAN_KIEM)
    csrf = await officer.csrf()
    before = await snapshot(core)
    base = {"csrf": csrf, "day": MONDAY.isoformat(), "start": "14:00", "end": "15:00"}
    missing = await officer.post("/web/points/hk-1/sessions", {**base, "seats": "4"})
    assert missing.status == 400 and "minutes per time slot" in missing.text
    uneven = await officer.post(
        "/web/points/hk-1/sessions", {**base, "slot_minutes": "25", "seats": "4", "step": "apply"}
    )
    assert uneven.status == 409
    past = await officer.post(
        "/web/points/hk-1/sessions",
        {**base, "day": "2026-11-01", "slot_minutes": "30", "seats": "4", "step": "apply"},
    )
    assert past.status == 409 and "already passed" in past.text
    assert await snapshot(core) == before


async def test_closing_for_days_previews_each_person_told_then_tells_them(core, site):
    await set_seats(core, "hk-1", MONDAY, "08:30", 1)
    lan, binh, mai = [await citizen(core, n) for n in ("501", "502", "503")]
    await book(core, lan, "hk-1", MONDAY, "08:30", name="Nguyễn Thị Lan")
    await book(core, binh, "hk-1", WEDNESDAY, "09:00", name="Trần Bình")
    await wait_for(core, mai, "hk-1", MONDAY, "08:30")
    officer = await site.officer(HOAN_KIEM)
    csrf = await officer.csrf()
    form = {
        "csrf": csrf,
        "first": MONDAY.isoformat(),
        "last": WEDNESDAY.isoformat(),
        "reason": "Sửa chữa phòng tiếp dân",
    }
    before = await snapshot(core)
    preview = await officer.post("/web/points/hk-1/close", form)
    assert preview.status == 200, preview.text
    text = preview.text
    assert "Monday 30/11 – Wednesday 2/12" in text and "sessions are cancelled" in text
    lan_at, binh_at, mai_at = (
        text.index("Nguyễn Thị Lan"),
        text.index("Trần Bình"),
        text.index("Đỗ Thị Mai"),
    )
    assert lan_at < binh_at < mai_at, "the booked in time order, then the people waiting"
    assert "Monday 30/11, 08:30" in text and "waiting" in text[mai_at:]
    assert await snapshot(core) == before, "a preview changes nothing"

    done = await officer.post("/web/points/hk-1/close", {**form, "step": "apply"})
    assert done.status == 200 and "2 booked visitors are being told." in done.text
    assert "1 person waiting is being told." in done.text
    messages = await outbox(core)
    assert sorted(m.recipient_user_id for m in messages) == sorted([lan, binh, mai])
    assert all("Sửa chữa phòng tiếp dân" in m.text for m in messages)
    told = [m for m in messages if m.recipient_user_id in (lan, binh)]
    assert all(m.kind == notices.KIND_CANCELLED for m in told)
    [entry] = await audits(core, "point.close")
    assert entry.unit_id == "hoan-kiem"
    days = {
        local_day(s.starts_at, core.config.tz)
        for s in await all_rows(core, BookingSession, BookingSession.status == "cancelled")
    }
    assert days == {MONDAY, WEDNESDAY}


async def test_closing_needs_days_and_a_reason_and_another_units_point_is_refused(core, site):
    officer = await site.officer(HOAN_KIEM)
    other = await site.officer(CAU_GIAY)
    before = await snapshot(core)
    no_reason = await officer.post(
        "/web/points/hk-1/close",
        {"csrf": await officer.csrf(), "first": MONDAY.isoformat(), "reason": " "},
    )
    assert no_reason.status == 400 and "write the reason" in no_reason.text
    backwards = await officer.post(
        "/web/points/hk-1/close",
        {
            "csrf": await officer.csrf(),
            "first": MONDAY.isoformat(),
            "last": "2026-11-29",
            "reason": "x",
        },
    )
    assert backwards.status == 409
    forged = await other.post(
        "/web/points/hk-1/close",
        {
            "csrf": await other.csrf(),
            "first": MONDAY.isoformat(),
            "last": MONDAY.isoformat(),
            "reason": "x",
            "step": "apply",
        },
    )
    assert forged.status == 403 and "not an officer of that commune or ward" in forged.text
    forged_file = await other.post(
        "/web/points/hk-1/file", upload(await other.csrf(), "lich.csv", HEADER)
    )
    assert forged_file.status == 403
    assert (
        await officer.post("/web/points/nowhere/close", {"csrf": await officer.csrf()})
    ).status == 404
    assert await snapshot(core) == before


async def test_a_schedule_file_is_previewed_with_who_is_told_then_applied(core, site):
    lan = await citizen(core, "501")
    await book(core, lan, "hk-1", MONDAY, "08:30", name="Nguyễn Thị Lan")
    officer = await site.officer(HOAN_KIEM)
    csrf = await officer.csrf()
    content = HEADER + "30/11,,,,,,cancel,Mất điện\n1/12,14:00,15:00,30,4,0,add,\n"
    before = await snapshot(core)
    preview = await officer.post("/web/points/hk-1/file", upload(csrf, "lich.csv", content))
    assert preview.status == 200, preview.text
    assert "1 session added" in preview.text and "1 session cancelled" in preview.text
    assert "Nguyễn Thị Lan" in preview.text and "Monday 30/11, 08:30" in preview.text
    assert await snapshot(core) == before, "a preview changes nothing"

    apply_form = {
        name: value
        for name in ("csrf", "file_name", "file_type", "file_data", "seen", "step")
        for value in [field_value(preview.text, name)]
    }
    done = await officer.post("/web/points/hk-1/file", apply_form)
    assert done.status == 200 and "1 booked visitor is being told." in done.text
    [message] = await outbox(core)
    assert message.recipient_user_id == lan and "Mất điện" in message.text
    assert len(await audits(core, "schedule.file")) == 1
    assert (await session_at(core, "hk-1", MONDAY)).status == "cancelled"
    assert (await session_at(core, "hk-1", MONDAY + timedelta(days=1), "14:00")).status == "open"

    again = await officer.post("/web/points/hk-1/file", apply_form)
    assert again.status == 409 and "nothing was applied" in again.text
    assert len(await outbox(core)) == 1


async def test_a_file_with_problems_or_of_another_kind_changes_nothing(core, site):
    officer = await site.officer(HOAN_KIEM)
    csrf = await officer.csrf()
    before = await snapshot(core)
    bad = await officer.post(
        "/web/points/hk-1/file",
        upload(csrf, "lich.csv", HEADER + "31/2,14:00,15:00,30,4,0,add,\n"),
    )
    assert bad.status == 422 and "Problems in the file" in bad.text
    picture = await officer.post(
        "/web/points/hk-1/file", upload(csrf, "anh.png", "x", "image/png")
    )
    assert picture.status == 400 and "Please choose a schedule file" in picture.text
    forged = await officer.post(
        "/web/points/hk-1/file",
        {"csrf": csrf, "file_name": "lich.csv", "file_data": "!!", "seen": "[]", "step": "apply"},
    )
    assert forged.status == 400
    assert await snapshot(core) == before


def field_value(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, name
    return html.unescape(found[1])
