"""The "Today" page: per point of the officer's units, today's and tomorrow's visitors with
phone, help needed, priority and needs; came / did not come in one tap (audited); the CSV of
a day; the home-visit requests with take / done. Everything goes through the same checks as
the chat, so a forged form for another unit, or one without the session's CSRF token, changes
nothing."""

from __future__ import annotations

import csv
import io

import pytest

from bot.core import Core
from bot.db.booking_models import Booking, HomeVisitRequest, Slot
from tests.booking_flow import MONDAY
from tests.schedule_setup import (
    ADMIN,
    CAU_GIAY,
    HOAN_KIEM,
    all_rows,
    audits,
    outbox,
    snapshot,
)
from tests.test_officer_daily import MONDAY_0845, monday_visitors, request_home_visit
from tests.web_fixtures import core, site  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.both_databases


async def status_of(core: Core, booking_id: int) -> str:
    return (await all_rows(core, Booking, Booking.id == booking_id))[0].status


async def test_today_lists_each_visitor_of_my_points_with_phone_help_and_badges(core, clock, site):
    await monday_visitors(core)
    clock.set(MONDAY_0845)
    officer = await site.officer(HOAN_KIEM)
    page = (await officer.get("/web/")).text
    assert "Điểm hỗ trợ hk-1" in page and "Today, Monday 30/11" in page
    assert "Tomorrow, Tuesday 1/12" in page
    assert "2 visitors booked." in page
    lan = page.index("Nguyễn Thị Lan")
    assert page.index("08:30") < lan < page.index("Trần Văn Hùng"), "in time order"
    assert 'href="tel:+84912345678"' in page and "📞 0912 345 678" in page
    assert "⭐ Aged 60 or over" in page and "♿ Wheelchair access" in page
    assert "Lê Thị Hoa" not in page and "Điểm hỗ trợ cg-1" not in page, "another unit"
    admin = await site.officer(ADMIN)
    everything = (await admin.get("/web/")).text
    assert "Lê Thị Hoa" in everything and "Nguyễn Thị Lan" in everything


async def test_one_tap_marks_a_visitor_as_came_and_it_is_audited(core, clock, site):
    lan, hung = await monday_visitors(core)
    clock.set(MONDAY_0845)
    officer = await site.officer(HOAN_KIEM)
    csrf = await officer.csrf()
    came = await officer.post(f"/web/visits/{lan.id}/mark", {"csrf": csrf, "status": "attended"})
    assert came.status == 303 and came.headers["Location"] == f"/web/#visit-{lan.id}"
    assert await status_of(core, lan.id) == "attended"
    # With htmx, only the visit's row comes back, marked.
    row = await officer.post(
        f"/web/visits/{hung.id}/mark",
        {"csrf": csrf, "status": "missed"},
        headers={"HX-Request": "true"},
    )
    assert row.status == 200 and row.text.startswith(f'<li id="visit-{hung.id}"')
    assert "❌ did not come" in row.text and "Undo the mark" in row.text
    assert await status_of(core, hung.id) == "missed"
    marks = [
        (a.action, a.actor, a.unit_id) for a in await audits(core) if a.action[:6] == "visit."
    ]
    assert marks == [
        ("visit.attended", "telegram:100", "hoan-kiem"),
        ("visit.missed", "telegram:100", "hoan-kiem"),
    ]


async def test_tomorrows_visits_cannot_be_marked_yet(core, clock, site):
    lan, _hung = await monday_visitors(core)
    clock.set(MONDAY_0845.replace(day=29))  # Sunday: the visits are tomorrow
    officer = await site.officer(HOAN_KIEM)
    page = (await officer.get("/web/")).text
    assert "Nguyễn Thị Lan" in page and f"/web/visits/{lan.id}/mark" not in page
    refused = await officer.post(
        f"/web/visits/{lan.id}/mark", {"csrf": await officer.csrf(), "status": "attended"}
    )
    assert refused.status == 409 and "you can mark it on the day" in refused.text
    assert await status_of(core, lan.id) == "confirmed"


async def test_a_forged_form_for_another_units_visit_is_refused(core, clock, site):
    await monday_visitors(core)
    hoa = next(b for b in await all_rows(core, Booking) if b.point_id == "cg-1")
    clock.set(MONDAY_0845)
    officer = await site.officer(HOAN_KIEM)
    before = await snapshot(core)
    forged = await officer.post(
        f"/web/visits/{hoa.id}/mark", {"csrf": await officer.csrf(), "status": "missed"}
    )
    assert forged.status == 403
    assert "not an officer of that commune or ward" in forged.text
    assert await snapshot(core) == before
    assert await status_of(core, hoa.id) == "confirmed"
    export = await officer.get(f"/web/points/cg-1/{MONDAY.isoformat()}.csv")
    assert export.status == 403 and "Lê Thị Hoa" not in export.text


async def test_a_form_without_the_sessions_csrf_token_changes_nothing(core, clock, site):
    lan, _hung = await monday_visitors(core)
    clock.set(MONDAY_0845)
    officer = await site.officer(HOAN_KIEM)
    for form in ({"status": "attended"}, {"status": "attended", "csrf": "guessed"}):
        refused = await officer.post(f"/web/visits/{lan.id}/mark", form)
        assert refused.status == 403 and "Nothing was changed" in refused.text
    other = await site.officer(ADMIN)  # a real token, but of another session
    stolen = await officer.post(
        f"/web/visits/{lan.id}/mark", {"status": "attended", "csrf": await other.csrf()}
    )
    assert stolen.status == 403
    assert await status_of(core, lan.id) == "confirmed"


async def test_a_days_list_downloads_as_csv_and_the_export_is_audited(core, clock, site):
    await monday_visitors(core)
    clock.set(MONDAY_0845)
    officer = await site.officer(HOAN_KIEM)
    response = await officer.get(f"/web/points/hk-1/{MONDAY.isoformat()}.csv")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="visitors-hk-1-2026-11-30.csv"' in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert table[0][:3] == ["time", "code", "visitor"] and len(table) == 3
    assert table[1][2:4] == ["Nguyễn Thị Lan", "0912 345 678"]
    [export] = await audits(core, "list.export")
    assert export.actor == "telegram:100" and export.after == {"day": "2026-11-30", "visits": 2}
    assert (await officer.get("/web/points/hk-1/not-a-day.csv")).status == 404


async def test_home_visit_requests_can_be_taken_and_marked_done(core, site):
    mine = await request_home_visit(core, "hoan-kiem", "hk-1", "Phạm Thị Thu")
    await request_home_visit(core, "cau-giay", "cg-1", "Vũ Văn Nam")
    officer = await site.officer(HOAN_KIEM)
    page = (await officer.get("/web/")).text
    assert "Phạm Thị Thu" in page and "Ngõ 5 phố Hàng Bạc" in page and "not taken yet" in page
    assert "Vũ Văn Nam" not in page
    csrf = await officer.csrf()
    taken = await officer.post(f"/web/home-visits/{mine}/take", {"csrf": csrf})
    assert taken.status == 303
    assert "taken by you" in (await officer.get("/web/")).text
    other = await site.officer(CAU_GIAY)
    forged = await other.post(f"/web/home-visits/{mine}/done", {"csrf": await other.csrf()})
    assert forged.status == 403
    await officer.post(f"/web/home-visits/{mine}/done", {"csrf": csrf})
    assert "no open home-visit requests" in (await officer.get("/web/")).text
    request = (await all_rows(core, HomeVisitRequest, HomeVisitRequest.id == mine))[0]
    assert request.status == "done"
    assert [a.action for a in await audits(core) if a.action.startswith("home_visit")] == [
        "home_visit.assign",
        "home_visit.done",
    ]


async def test_taking_a_home_visit_tells_the_citizen_once_through_the_outbox(core, site):
    mine = await request_home_visit(core, "hoan-kiem", "hk-1", "Phạm Thị Thu")
    officer = await site.officer(HOAN_KIEM)
    csrf = await officer.csrf()
    assert not await outbox(core)
    await officer.post(f"/web/home-visits/{mine}/take", {"csrf": csrf})
    [told] = await outbox(core)
    request = (await all_rows(core, HomeVisitRequest, HomeVisitRequest.id == mine))[0]
    assert told.recipient_user_id == request.user_id and told.chat_id == request.chat_id
    assert told.kind == "home_visit_taken" and told.status == "pending"
    assert "đã có cán bộ của tổ hỗ trợ nhận" in told.text, "in the citizen's language"
    assert "0911 222 333" in told.text
    await officer.post(f"/web/home-visits/{mine}/take", {"csrf": csrf})
    await officer.post(f"/web/home-visits/{mine}/done", {"csrf": csrf})
    kinds = [m.kind for m in await outbox(core)]
    assert kinds == ["home_visit_taken", "home_visit_done"], "taking it told once, then done"


async def test_a_home_visit_note_is_kept_for_officers_and_audited_without_its_words(core, site):
    mine = await request_home_visit(core, "hoan-kiem", "hk-1", "Phạm Thị Thu")
    officer = await site.officer(HOAN_KIEM)
    csrf = await officer.csrf()
    note = "Hẹn chiều thứ Ba; nhà trong ngõ, gọi trước khi đến."
    saved = await officer.post(f"/web/home-visits/{mine}/note", {"csrf": csrf, "note": note})
    assert saved.status == 303
    page = (await officer.get("/web/")).text
    assert "Officers&#39; note (not sent to the citizen)" in page
    assert "Hẹn chiều thứ Ba; nhà trong ngõ, gọi trước khi đến.</textarea>" in page
    [entry] = await audits(core, "home_visit.note")
    assert note not in str(entry.after) and entry.after == {"note": True, "length": len(note)}
    assert not await outbox(core), "a note is never sent"
    other = await site.officer(CAU_GIAY)
    before = await snapshot(core)
    too_long = await officer.post(
        f"/web/home-visits/{mine}/note", {"csrf": csrf, "note": "x" * 301}
    )
    assert too_long.status == 409 and "at most 300 characters" in too_long.text
    forged = await other.post(
        f"/web/home-visits/{mine}/note", {"csrf": await other.csrf(), "note": "x"}
    )
    assert forged.status == 403
    assert await snapshot(core) == before
    request = (await all_rows(core, HomeVisitRequest, HomeVisitRequest.id == mine))[0]
    assert request.officer_note == note


async def test_a_walk_in_is_added_in_one_tap_counted_as_came_and_removable(core, clock, site):
    await monday_visitors(core)
    clock.set(MONDAY_0845)
    officer = await site.officer(HOAN_KIEM)
    page = (await officer.get("/web/")).text
    assert 'action="/web/points/hk-1/walk-in"' in page
    assert "/web/points/cg-1/walk-in" not in page, "another unit's point"
    csrf = await officer.csrf()
    added = await officer.post("/web/points/hk-1/walk-in", {"csrf": csrf})
    assert added.status == 303
    [walk_in] = [b for b in await all_rows(core, Booking) if b.channel == "walk_in"]
    assert walk_in.status == "attended" and walk_in.user_id is None
    assert walk_in.visitor_name is None and walk_in.phone is None, "no personal data"
    slot = (await all_rows(core, Slot, Slot.id == walk_in.slot_id))[0]
    assert slot.starts_at.astimezone(core.config.tz).strftime("%H:%M") == "08:30", "now's slot"
    assert slot.booked == 1, "takes no seat (Lan's booking is the one)"
    page = (await officer.get("/web/")).text
    assert "Walk-in visitor" in page and "1 came without booking." in page
    assert "2 visitors booked." in page
    assert f'action="/web/visits/{walk_in.id}/remove"' in page
    [entry] = await audits(core, "visit.walk_in")
    assert entry.unit_id == "hoan-kiem" and entry.actor == "telegram:100"

    refused = await officer.post(
        f"/web/visits/{walk_in.id}/mark", {"csrf": csrf, "status": "confirmed"}
    )
    assert refused.status == 409 and "counted as came" in refused.text
    other = await site.officer(CAU_GIAY)
    before = await snapshot(core)
    forged = await other.post("/web/points/hk-1/walk-in", {"csrf": await other.csrf()})
    assert forged.status == 403
    forged = await other.post(f"/web/visits/{walk_in.id}/remove", {"csrf": await other.csrf()})
    assert forged.status == 403
    assert await snapshot(core) == before
    lan = next(b for b in await all_rows(core, Booking) if b.visitor_name == "Nguyễn Thị Lan")
    booked = await officer.post(f"/web/visits/{lan.id}/remove", {"csrf": csrf})
    assert booked.status == 409 and "only their mark can change" in booked.text

    removed = await officer.post(f"/web/visits/{walk_in.id}/remove", {"csrf": csrf})
    assert removed.status == 303
    assert not [b for b in await all_rows(core, Booking) if b.channel == "walk_in"]
    assert len(await audits(core, "visit.walk_in_removed")) == 1


async def test_a_walk_in_needs_a_session_today(core, clock, site):
    clock.set(MONDAY_0845.replace(day=29))  # Sunday: no session
    officer = await site.officer(HOAN_KIEM)
    before = await snapshot(core)
    refused = await officer.post("/web/points/hk-1/walk-in", {"csrf": await officer.csrf()})
    assert refused.status == 409 and "no open session today" in refused.text
    assert await snapshot(core) == before
