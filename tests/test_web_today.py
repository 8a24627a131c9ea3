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
from bot.db.booking_models import Booking, HomeVisitRequest
from tests.booking_flow import MONDAY
from tests.schedule_setup import ADMIN, CAU_GIAY, HOAN_KIEM, all_rows, audits, snapshot
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
