"""An officer's daily work: today's and tomorrow's visitors per point (time, visitor, help
needed, needs, priority; the phone for officers of that unit), marking who came or not
(audited), the list as a CSV file, and the home-visit queue of my units."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from bot import app
from bot.booking import service
from bot.core import Core
from bot.db.booking_models import Booking, HomeVisitRequest
from tests.booking_flow import MONDAY, use_places
from tests.schedule_setup import (
    ADMIN,
    CAU_GIAY,
    HOAN_KIEM,
    OFFICERS,
    all_rows,
    audits,
    book,
    citizen,
    officer_chat,
    snapshot,
)

pytestmark = pytest.mark.both_databases

MONDAY_0845 = datetime(2026, 11, 30, 1, 45, tzinfo=UTC)  # 08:45 in Hanoi


@pytest.fixture
async def core(config, clock):
    core = await app.start(config.replace(**OFFICERS), clock=clock)
    await use_places(core)
    try:
        yield core
    finally:
        await core.close()


async def monday_visitors(core: Core) -> tuple[Booking, Booking]:
    lan = await book(
        core,
        await citizen(core, "501"),
        "hk-1",
        MONDAY,
        "08:30",
        name="Nguyễn Thị Lan",
        phone="+84912345678",
        priority=("aged60",),
    )
    hung = await book(
        core,
        await citizen(core, "502"),
        "hk-1",
        MONDAY,
        "09:00",
        name="Trần Văn Hùng",
        phone="+84987654321",
    )
    await book(core, await citizen(core, "503"), "cg-1", MONDAY, "08:30", name="Lê Thị Hoa")
    return lan, hung


async def test_todays_list_shows_each_visitor_with_help_needs_priority_and_phone(core, clock):
    await monday_visitors(core)
    clock.set(MONDAY_0845)
    officer = officer_chat(core, HOAN_KIEM)
    await officer.say("/officer")
    await officer.press("Today and tomorrow")
    text = officer.text
    assert "📋 Điểm hỗ trợ hk-1 — today, Monday 30/11" in text
    assert "2 visitors booked." in text
    assert (
        "08:30 · Nguyễn Thị Lan · 📞 0912 345 678 · VNeID · ⭐ Aged 60 or over · "
        "♿ Wheelchair access"
    ) in text
    assert "09:00 · Trần Văn Hùng · 📞 0987 654 321" in text
    assert text.index("Nguyễn Thị Lan") < text.index("Trần Văn Hùng"), "in time order"
    assert "Lê Thị Hoa" not in text, "another unit's point"
    await officer.press("Tomorrow")
    assert "tomorrow, Tuesday 1/12" in officer.text and "0 visitors booked." in officer.text


async def test_the_phone_is_shown_to_officers_of_that_unit_and_admins_only(core, clock):
    await monday_visitors(core)
    clock.set(MONDAY_0845)
    payload = f"ofc:dl:hk-1:{MONDAY.isoformat()}"
    admin = officer_chat(core, ADMIN)
    await admin.tap(payload)
    assert "📞 0912 345 678" in admin.text
    other = officer_chat(core, CAU_GIAY)
    await other.tap(payload)
    assert "0912" not in other.text and "Nguyễn Thị Lan" not in other.text
    assert "not an officer of that commune or ward" in other.text
    await other.tap(f"ofc:dl:cg-1:{MONDAY.isoformat()}")
    assert "Lê Thị Hoa" in other.text


async def test_marking_who_came_is_audited_and_done_on_the_day_only(core, clock):
    lan, hung = await monday_visitors(core)
    officer = officer_chat(core, HOAN_KIEM)
    await officer.tap(f"ofc:dl:hk-1:{MONDAY.isoformat()}")
    assert not any("did not come" in label for label in officer.labels), "not yet the day"
    await officer.tap(f"ofc:dm:{lan.id}:a")
    assert "you can mark it on the day" in officer.text
    clock.set(MONDAY_0845)
    await officer.tap(f"ofc:dl:hk-1:{MONDAY.isoformat()}")
    await officer.press("✅ 08:30 Nguyễn Thị Lan")
    assert "✅ 08:30 · Nguyễn Thị Lan" in officer.text
    await officer.tap(f"ofc:dm:{hung.id}:n")
    assert "❌ 09:00 · Trần Văn Hùng" in officer.text
    statuses = {b.id: b.status for b in await all_rows(core, Booking)}
    assert (statuses[lan.id], statuses[hung.id]) == ("attended", "missed")
    await officer.press("09:00 Trần Văn Hùng: undo")
    assert (await all_rows(core, Booking, Booking.id == hung.id))[0].status == "confirmed"
    marks = [
        (a.action, a.target, a.before, a.after)
        for a in await audits(core)
        if a.action.startswith("visit.")
    ]
    assert marks == [
        ("visit.attended", f"booking:{lan.code}", {"status": "confirmed"}, {"status": "attended"}),
        ("visit.missed", f"booking:{hung.code}", {"status": "confirmed"}, {"status": "missed"}),
        ("visit.reset", f"booking:{hung.code}", {"status": "missed"}, {"status": "confirmed"}),
    ]
    assert all(
        a.actor == "telegram:100" and a.unit_id == "hoan-kiem"
        for a in await audits(core)
        if a.action.startswith("visit.")
    )


async def test_the_days_list_exports_as_a_csv_file(core, clock):
    await monday_visitors(core)
    clock.set(MONDAY_0845)
    officer = officer_chat(core, HOAN_KIEM)
    await officer.tap(f"ofc:dl:hk-1:{MONDAY.isoformat()}")
    await officer.press("CSV file")
    document = officer.replies[0].document
    assert document.filename == "visitors-hk-1-2026-11-30.csv"
    assert document.mime_type == "text/csv"
    table = list(csv.reader(io.StringIO(document.data.decode("utf-8-sig"))))
    assert table[0] == [
        "time",
        "code",
        "visitor",
        "phone",
        "help needed",
        "priority",
        "needs",
        "access",
        "status",
    ]
    assert table[1][0] == "08:30" and table[1][2:6] == [
        "Nguyễn Thị Lan",
        "0912 345 678",
        "VNeID",
        "Aged 60 or over",
    ]
    assert len(table) == 3
    assert "Keep this file safe" in officer.text and officer.buttons
    [export] = await audits(core, "list.export")
    assert export.after == {"day": "2026-11-30", "visits": 2}
    assert "0912" not in str(export.after)


async def request_home_visit(core: Core, unit_id: str, point_id: str, name: str) -> int:
    user = await citizen(core, f"h-{name[:3]}")
    booker = service.Booker(user, "telegram", f"chat-{user}", "vi")
    details = service.Details(
        for_self=True,
        name=name,
        phone="+84911222333",
        help_topic="vneid",
        priority=["disability"],
        needs=["sight"],
        consent=True,
    )
    async with core.db.transaction() as session:
        request = await service.request_home_visit(
            session,
            unit_id=unit_id,
            point_id=point_id,
            booker=booker,
            details=details,
            address="Ngõ 5 phố Hàng Bạc",
            days=[1, 3],
            now=core.clock.now(),
        )
        return request.id


async def test_home_visit_queue_take_it_and_mark_it_done(core, clock):
    mine = await request_home_visit(core, "hoan-kiem", "hk-1", "Phạm Thị Thu")
    theirs = await request_home_visit(core, "cau-giay", "cg-1", "Vũ Văn Nam")
    officer = officer_chat(core, HOAN_KIEM)
    await officer.say("/officer")
    await officer.press("Home-visit requests")
    assert "Phạm Thị Thu" in officer.text and "📞 0911 222 333" in officer.text
    assert "Ngõ 5 phố Hàng Bạc" in officer.text and "not taken yet" in officer.text
    assert "Vũ Văn Nam" not in officer.text, "another unit's request"
    await officer.press(f"I'll take #{mine}")
    assert f"Request #{mine} is yours" in officer.text and "taken by you" in officer.text
    admin = officer_chat(core, ADMIN)
    await admin.tap(f"ofc:hq:a:{mine}")
    assert "Another officer has already taken this home visit" in admin.text
    assert "taken by another officer" in admin.text and "Vũ Văn Nam" in admin.text
    other = officer_chat(core, CAU_GIAY)
    before = await snapshot(core)
    await other.tap(f"ofc:hq:d:{mine}")
    assert "not an officer of that commune or ward" in other.text
    assert await snapshot(core) == before
    clock.advance(hours=3)
    await officer.press(f"#{mine} is done")
    assert f"request #{mine} is marked as done" in officer.text
    assert "no open home-visit requests" in officer.text
    rows = {r.id: r for r in await all_rows(core, HomeVisitRequest)}
    assert rows[mine].status == "done" and rows[theirs].status == "new"
    assert [(a.action, a.target) for a in await audits(core) if a.action.startswith("home")] == [
        ("home_visit.assign", f"home_visit:{mine}"),
        ("home_visit.done", f"home_visit:{mine}"),
    ]


async def test_an_officer_with_several_points_chooses_one(core, clock):
    clock.set(MONDAY_0845 - timedelta(days=2))
    officer = officer_chat(core, CAU_GIAY)
    await officer.tap("ofc:day")
    assert "Choose a support point" in officer.text
    assert {"📍 Điểm hỗ trợ cg-1", "📍 Điểm hỗ trợ cg-2"} <= set(officer.labels)
