"""The "Schedule" pages: a week of each of my points with seats booked and free; a session's
page with its booked visitors; cancelling with a reason and changing seats, each previewed
(who will be told) before it is applied, through the same functions as the chat (audited,
visitors told through the outbox, another unit's session refused, nothing changed by a
preview)."""

from __future__ import annotations

import pytest

from bot.db.booking_models import BookingSession
from bot.schedule import notices
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


async def test_the_week_shows_each_session_of_my_points_with_seats(core, site):
    lan = await citizen(core, "501")
    await book(core, lan, "hk-1", MONDAY, "08:30")
    officer = await site.officer(HOAN_KIEM)
    page = (await officer.get("/web/schedule")).text
    assert "<h1>Schedule</h1>" in page and "Điểm hỗ trợ hk-1" in page
    assert "Monday 30/11" in page
    session = await session_at(core, "hk-1", MONDAY)
    assert f'href="/web/sessions/{session.id}"' in page
    assert "1 of " in page and "Điểm hỗ trợ cg-1" not in page


async def test_cancelling_is_previewed_then_applied_and_every_booker_is_told(core, site):
    lan, binh = await citizen(core, "501"), await citizen(core, "502", locale="en")
    await book(core, lan, "hk-1", MONDAY, "08:30", name="Nguyễn Thị Lan")
    await book(core, binh, "hk-1", MONDAY, "09:00", name="Trần Bình", locale="en")
    session = await session_at(core, "hk-1", MONDAY)
    officer = await site.officer(HOAN_KIEM)
    page = (await officer.get(f"/web/sessions/{session.id}")).text
    assert "Nguyễn Thị Lan" in page and "Trần Bình" in page, "who will be told"
    csrf = await officer.csrf()

    before = await snapshot(core)
    preview = await officer.post(
        f"/web/sessions/{session.id}/cancel", {"csrf": csrf, "reason": "Cán bộ bị ốm"}
    )
    assert preview.status == 200
    assert "Check before you apply" in preview.text
    assert (
        "2 booked visitors (listed above)" in preview.text and "0 people waiting" in preview.text
    )
    assert await snapshot(core) == before, "a preview changes nothing"

    done = await officer.post(
        f"/web/sessions/{session.id}/cancel",
        {"csrf": csrf, "reason": "Cán bộ bị ốm", "step": "apply"},
    )
    assert done.status == 200 and "Cancelled. 2 booked visitors are being told." in done.text
    [row] = await all_rows(core, BookingSession, BookingSession.id == session.id)
    assert (row.status, row.note) == ("cancelled", "Cán bộ bị ốm")
    messages = await outbox(core)
    assert sorted(m.recipient_user_id for m in messages) == [lan, binh]
    assert all(m.kind == notices.KIND_CANCELLED and "Cán bộ bị ốm" in m.text for m in messages)
    [entry] = await audits(core, "session.cancel")
    assert entry.actor == "telegram:100" and entry.unit_id == "hoan-kiem"

    again = await officer.post(
        f"/web/sessions/{session.id}/cancel",
        {"csrf": csrf, "reason": "Cán bộ bị ốm", "step": "apply"},
    )
    assert again.status == 409 and "already cancelled" in again.text
    assert len(await outbox(core)) == 2


async def test_a_cancellation_needs_a_reason(core, site):
    session = await session_at(core, "hk-1", MONDAY)
    officer = await site.officer(HOAN_KIEM)
    before = await snapshot(core)
    response = await officer.post(
        f"/web/sessions/{session.id}/cancel",
        {"csrf": await officer.csrf(), "reason": "   ", "step": "apply"},
    )
    assert response.status == 400 and "Please write the reason" in response.text
    assert await snapshot(core) == before


async def test_more_seats_give_people_waiting_a_seat(core, site):
    await set_seats(core, "hk-1", MONDAY, "08:30", 1)
    lan, mai = await citizen(core, "501"), await citizen(core, "502")
    await book(core, lan, "hk-1", MONDAY, "08:30")
    await wait_for(core, mai, "hk-1", MONDAY, "08:30")
    session = await session_at(core, "hk-1", MONDAY)
    officer = await site.officer(HOAN_KIEM)
    csrf = await officer.csrf()
    preview = await officer.post(f"/web/sessions/{session.id}/seats", {"csrf": csrf, "seats": "8"})
    assert "Seats per time slot: 10 → 8." in preview.text
    assert "1 person waiting gets a seat" in preview.text
    done = await officer.post(
        f"/web/sessions/{session.id}/seats", {"csrf": csrf, "seats": "8", "step": "apply"}
    )
    assert "Done: 8 seats per time slot. 1 person waiting got a seat" in done.text
    assert [m.recipient_user_id for m in await outbox(core)] == [mai]
    assert len(await audits(core, "session.capacity")) == 1
    too_few = await officer.post(f"/web/sessions/{session.id}/seats", {"csrf": csrf, "seats": "0"})
    assert too_few.status == 400 and "from 1 to 500" in too_few.text


async def test_another_units_session_is_refused(core, site):
    session = await session_at(core, "hk-1", MONDAY)
    other = await site.officer(CAU_GIAY)
    before = await snapshot(core)
    page = await other.get(f"/web/sessions/{session.id}")
    assert page.status == 403
    forged = await other.post(
        f"/web/sessions/{session.id}/cancel",
        {"csrf": await other.csrf(), "reason": "x", "step": "apply"},
    )
    assert forged.status == 403 and "not an officer of that commune or ward" in forged.text
    assert await snapshot(core) == before
    assert (await other.get("/web/sessions/999999")).status == 404


async def test_moving_is_previewed_then_every_booker_is_asked(core, site):
    lan = await citizen(core, "501")
    await book(core, lan, "hk-1", MONDAY, "08:30", name="Nguyễn Thị Lan")
    session = await session_at(core, "hk-1", MONDAY)
    officer = await site.officer(HOAN_KIEM)
    csrf = await officer.csrf()
    form = {"csrf": csrf, "day": "2026-12-01", "start": "14:00", "point": "hk-1"}
    before = await snapshot(core)
    preview = await officer.post(f"/web/sessions/{session.id}/move", form)
    assert preview.status == 200 and "The session moves to Điểm hỗ trợ hk-1" in preview.text
    assert "1 booked visitor (listed above)" in preview.text
    assert await snapshot(core) == before, "a preview changes nothing"
    done = await officer.post(f"/web/sessions/{session.id}/move", {**form, "step": "apply"})
    assert done.status == 200 and "Moved. 1 booked visitor is being asked" in done.text
    [old] = await all_rows(core, BookingSession, BookingSession.id == session.id)
    assert old.status == "moved"
    assert [m.recipient_user_id for m in await outbox(core)] == [lan]
    assert len(await audits(core, "session.move")) == 1
    past = await officer.post(
        f"/web/sessions/{session.id}/move",
        {"csrf": csrf, "day": "2026-11-01", "start": "14:00"},
    )
    assert past.status == 409
    wrong = await officer.post(f"/web/sessions/{session.id}/move", {"csrf": csrf, "day": "x"})
    assert wrong.status == 400 and "Please choose the new day" in wrong.text


async def test_a_move_at_short_notice_asks_the_page_for_a_reason_and_the_count(core, site, clock):
    from datetime import UTC, datetime

    lan = await citizen(core, "501")
    await book(core, lan, "hk-1", MONDAY, "08:30", name="Nguyễn Thị Lan")
    clock.set(datetime(2026, 11, 29, 14, 0, tzinfo=UTC))  # Sunday 21:00, 11 h before
    session = await session_at(core, "hk-1", MONDAY)
    officer = await site.officer(HOAN_KIEM)
    csrf = await officer.csrf()
    form = {"csrf": csrf, "day": "2026-11-30", "start": "13:00", "point": "hk-1"}
    preview = await officer.post(f"/web/sessions/{session.id}/move", form)
    assert preview.status == 200
    assert "Short notice" in preview.text and "1 person will be told at once" in preview.text
    assert 'name="reason" required' in preview.text and 'name="told" value="1"' in preview.text
    before = await snapshot(core)
    bare = await officer.post(f"/web/sessions/{session.id}/move", {**form, "step": "apply"})
    assert bare.status == 409 and "needs a reason" in bare.text
    assert await snapshot(core) == before
    done = await officer.post(
        f"/web/sessions/{session.id}/move",
        {**form, "step": "apply", "reason": "Phòng bị mất điện", "told": "1"},
    )
    assert done.status == 200 and "Moved." in done.text
    (moved,) = [m for m in await outbox(core) if m.kind == notices.KIND_MOVED]
    assert "Phòng bị mất điện" in moved.text
