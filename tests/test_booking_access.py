"""Needs meet places (issue 14 item 1): the visitor's needs are checked against the point's
`[point.access]` fields before any time is offered. A daughter booking for her mother, who
uses a wheelchair, at a point up a flight of stairs is told so plainly and ends at a point
that fits — or at a home visit, or booked anyway with the officers told."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import app
from bot.booking import access, privacy, service, visits
from bot.db.booking_models import Booking, HomeVisitRequest
from bot.points.loader import load_places
from bot.points.model import Access
from bot.services.actor import Actor
from bot.services.context import ServiceContext
from bot.services.errors import Refused
from tests.booking_flow import (
    MONDAY,
    point,
    rows_of,
    sample_places,
    slot_at,
    use_places,
    user_id_of,
)
from tests.chat import Chat
from tests.schedule_setup import HOAN_KIEM, OFFICERS, officer_chat

CONTENT = Path(__file__).resolve().parent.parent / "content"
STAIRS = Access(step_free=False, lift=False, floor=2)


def stairs_places():
    """Hoàn Kiếm has a step-free point and one up the stairs 600 m away; Cầu Giấy's point
    is step-free but farther."""
    return sample_places(
        point("hk-1", "hoan-kiem", lat=21.0295, lon=105.8518),
        point("hk-2", "hoan-kiem", access=STAIRS, lat=21.0252, lon=105.8545),
        point("cg-1", "cau-giay", lat=21.033, lon=105.79),
    )


async def _to_needs_at_stairs(chat: Chat) -> None:
    await chat.say("/menu")
    await chat.press("Book a visit")
    await chat.press("For a relative")
    await chat.say("hoan kiem")
    await chat.press("Điểm hỗ trợ hk-2")
    await chat.press("Wheelchair")
    await chat.press("Done")


async def test_a_daughter_booking_for_her_mother_in_a_wheelchair_ends_at_a_point_that_fits(core):
    await use_places(core, stairs_places())
    chat = Chat(core, language="en")
    await _to_needs_at_stairs(chat)

    # said plainly before any time is offered, with the nearest point that fits first
    assert "Điểm hỗ trợ hk-2 may not suit the visitor" in chat.text
    assert "cannot be reached in a wheelchair" in chat.text
    assert not any(p.startswith("bk:d:") for p in chat.replies[0].payloads())
    offered = [b.label for b in chat.buttons if b.payload.startswith("bk:ap:")]
    assert offered[0].startswith("📍 Điểm hỗ trợ hk-1 · 0.6 km")
    assert "hk-2" not in " ".join(offered)
    assert chat.button("Ask for a home visit") and chat.button("Book here anyway")

    await chat.press("Điểm hỗ trợ hk-1")
    assert "Điểm hỗ trợ hk-1" in chat.text and "Which day suits you?" in chat.text
    await chat.press("Monday")
    await chat.press("08:30")
    await chat.say("Nguyễn Thị Lan")
    await chat.say("0912 345 678")
    await chat.press("VNeID")
    await chat.press("Aged 60")
    await chat.press("Done")
    await chat.press("I have their permission")
    await chat.press("Confirm")

    (booking,) = await rows_of(core, Booking)
    assert booking.point_id == "hk-1" and booking.needs == ["wheelchair"]
    assert booking.access_note is None
    assert f"Your booking code is {booking.code}" in chat.text


async def test_booking_anyway_tells_the_officer_in_the_daily_list(config, clock):
    core = await app.start(config.replace(**OFFICERS), clock=clock)
    try:
        await use_places(core, stairs_places())
        chat = Chat(core, language="en")
        await _to_needs_at_stairs(chat)
        await chat.press("Book here anyway")
        await chat.press("Monday")
        await chat.press("08:30")
        for answer in ("Nguyễn Thị Lan", "0912 345 678"):
            await chat.say(answer)
        await chat.press("VNeID")
        await chat.press("None of these")
        await chat.press("permission")
        assert "The staff will be told what the visitor needs" in chat.text
        await chat.press("Confirm")
        (booking,) = await rows_of(core, Booking)
        assert booking.point_id == "hk-2" and booking.access_note == "no:wheelchair"

        clock.set(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))  # Monday 08:00 in Hanoi
        officer = officer_chat(core, HOAN_KIEM)
        await officer.tap(f"ofc:dl:hk-2:{MONDAY.isoformat()}")
        assert "Nguyễn Thị Lan" in officer.text
        assert "Booked anyway, not met here: Wheelchair access" in officer.text

        # the note is about the visitor's needs: the retention purge clears it with them
        clock.advance(days=core.config.booking.retention_days + 2)
        async with core.db.transaction() as session:
            await privacy.purge(session, clock.now(), core.config.booking.retention_days)
        (booking,) = await rows_of(core, Booking)
        assert booking.needs == [] and booking.access_note is None
    finally:
        await core.close()


async def test_a_home_visit_from_the_mismatch_says_who_qualifies_first(core):
    await use_places(core, stairs_places())
    chat = Chat(core, language="en")
    await _to_needs_at_stairs(chat)
    await chat.press("Ask for a home visit")
    assert "Home visits" in chat.text and "live with a disability" in chat.text
    await chat.press("Living with a disability")
    await chat.press("Done")
    await chat.say("Nguyễn Thị Lan")
    await chat.say("0912345678")
    await chat.press("VNeID")
    await chat.say("Số 5 ngõ 12 phố Hàng Bạc")
    await chat.press("Any day")
    await chat.press("permission")
    await chat.press("Send the request")
    (request,) = await rows_of(core, HomeVisitRequest)
    assert request.needs == ["wheelchair"] and request.priority == ["disability"]


async def test_unknown_access_is_said_as_unknown_never_as_yes(core):
    await use_places(core, sample_places(point("hk-1", "hoan-kiem", access=Access(floor=1))))
    chat = Chat(core, language="en")
    await chat.say("/menu")
    await chat.press("Book a visit")
    await chat.press("For me")
    await chat.say("hoan kiem")
    await chat.press("Wheelchair")
    await chat.press("Done")
    assert "has not told us whether a wheelchair can get in" in chat.text
    assert "I know of no point nearby that surely suits" in chat.text


async def test_a_point_that_fits_goes_straight_to_the_days(core):
    await use_places(core, stairs_places())
    chat = Chat(core, language="en")
    await chat.say("/menu")
    await chat.press("Book a visit")
    await chat.press("For me")
    await chat.say("hoan kiem")
    await chat.press("Điểm hỗ trợ hk-1")
    await chat.press("Wheelchair")
    await chat.press("Done")
    assert "Which day suits you?" in chat.text


async def test_the_service_refuses_a_mismatch_unless_booked_anyway(core):
    places = await use_places(core, stairs_places())
    slot = await slot_at(core, "hk-2", MONDAY, "08:30")
    chat = Chat(core, language="en")
    await chat.say("/start")
    user_id = await user_id_of(core, chat)
    details = service.Details(
        for_self=True,
        name="Nguyễn Thị Lan",
        phone="+84912345678",
        help_topic="vneid",
        needs=["wheelchair"],
        consent=True,
    )
    async with core.db.transaction() as session:
        sc = ServiceContext(
            Actor.citizen("test", user_id), session, core.clock, core.config.tz, places=places
        )
        advice = await visits.access_advice(sc, "hk-2", ["wheelchair"])
        assert advice.fit.missing == ("wheelchair",) and advice.instead[0][0] == "hk-1"
        with pytest.raises(Refused) as refused:
            await visits.book_visit(sc, slot.id, details, ("telegram", "1", "en"))
        assert refused.value.key == "booking.access_unmet"
    assert await rows_of(core, Booking) == []
    async with core.db.transaction() as session:
        sc = ServiceContext(
            Actor.citizen("test", user_id), session, core.clock, core.config.tz, places=places
        )
        booking, _slot = await visits.book_visit(
            sc, slot.id, details, ("telegram", "1", "en"), access_ack=True
        )
        assert booking is not None and booking.access_note == "no:wheelchair"


def test_the_shipped_points_describe_access_only_as_their_notes_say():
    places = load_places(CONTENT)
    stairs = [p for p in places.points.values() if "chưa có thang máy" in p.accessibility]
    ramps = [p for p in places.points.values() if "lối vào cho xe lăn" in p.accessibility]
    assert stairs and ramps
    for p in stairs:
        assert p.access == STAIRS
        assert not access.fit(p, ["wheelchair"]).ok
    for p in ramps:
        assert p.access.step_free is True and access.fit(p, ["wheelchair"]).ok
    # no note says anything about hearing loops or parking: unknown everywhere
    assert all(p.access.hearing_loop is None for p in places.points.values())
    assert all(p.access.parking is None for p in places.points.values())
    others = [p for p in places.points.values() if p not in stairs and p not in ramps]
    assert others and all(p.access.step_free is None for p in others)
