"""The "Numbers" and "Log" pages: bookings and attendance per point and week as SVG bar
charts with the same numbers in a table and as CSV (only my points), the city-wide guide and
question numbers; the audit log of my units, filterable, another unit's refused."""

from __future__ import annotations

import csv
import io

import pytest

from tests.schedule_setup import ADMIN, HOAN_KIEM
from tests.test_officer_daily import MONDAY_0845, monday_visitors
from tests.web_fixtures import core, site  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.both_databases


async def test_numbers_chart_my_points_weeks_and_download_as_csv(core, clock, site):
    lan, _hung = await monday_visitors(core)
    clock.set(MONDAY_0845)
    officer = await site.officer(HOAN_KIEM)
    await officer.post(
        f"/web/visits/{lan.id}/mark", {"csrf": await officer.csrf(), "status": "attended"}
    )
    page = (await officer.get("/web/numbers")).text
    assert "<h1>Numbers</h1>" in page and '<svg class="chart"' in page
    assert "Bookings per week at Điểm hỗ trợ hk-1" in page
    assert '<rect class="bar-attended"' in page
    assert '<th scope="row">30/11</th><td>2</td><td>1</td><td>0</td><td>0</td>' in page
    assert "Điểm hỗ trợ cg-1" not in page, "another unit's point"
    response = await officer.get("/web/numbers/bookings.csv")
    table = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert table[0][:3] == ["unit", "point", "week"]
    assert {row[1] for row in table[1:]} == {"hk-1"}
    for name in ("guides", "questions"):
        assert (await officer.get(f"/web/numbers/{name}.csv")).status == 200


async def test_the_log_shows_my_units_actions_and_filters_them(core, clock, site):
    lan, _hung = await monday_visitors(core)
    clock.set(MONDAY_0845)
    officer = await site.officer(HOAN_KIEM)
    await officer.post(
        f"/web/visits/{lan.id}/mark", {"csrf": await officer.csrf(), "status": "attended"}
    )
    page = (await officer.get("/web/log")).text
    assert "Visitor marked as came" in page and f"booking:{lan.code}" in page
    only = (await officer.get("/web/log?unit=hoan-kiem&action=web.login")).text
    assert "Nothing has been recorded yet." in only, "logging in concerns no one unit"
    refused = await officer.get("/web/log?unit=cau-giay")
    assert refused.status == 403 and "not an officer of that commune or ward" in refused.text
    admin = await site.officer(ADMIN)
    everything = (await admin.get("/web/log?action=web.login")).text
    assert everything.count("</strong> — Logged in to the web pages") == 2
