"""Every schedule and daily-work action is authorised server-side: an officer of another unit, a
citizen and a forged or stale payload are refused politely, and nothing changes (no row, no
message, no audit entry)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import app
from bot.core import Core
from bot.officers import manage
from tests.booking_flow import MONDAY, use_places
from tests.chat import Chat
from tests.schedule_setup import (
    CAU_GIAY,
    HOAN_KIEM,
    OFFICERS,
    book,
    citizen,
    officer_chat,
    session_at,
    snapshot,
)

NOT_MINE = "not an officer of that commune or ward"
NOT_OFFICER = "only for commune and ward officers"


@pytest.fixture
async def core(config, clock):
    core = await app.start(config.replace(**OFFICERS), clock=clock)
    await use_places(core)
    try:
        yield core
    finally:
        await core.close()


async def hoan_kiem_payloads(core: Core) -> list[str]:
    """Every officer payload that acts on Hoàn Kiếm's point hk-1, its session or a visit."""
    lan = await citizen(core, "501")
    booking = await book(core, lan, "hk-1", MONDAY, "08:30")
    session = await session_at(core, "hk-1", MONDAY)
    day = MONDAY.isoformat()
    return [
        "ofc:sp:hk-1",
        f"ofc:s:{session.id}",
        f"ofc:sc:{session.id}",
        f"ofc:sm:{session.id}",
        f"ofc:sk:{session.id}",
        "ofc:sa:hk-1",
        "ofc:sx:hk-1",
        "ofc:sf:hk-1",
        f"ofc:dl:hk-1:{day}",
        f"ofc:dm:{booking.id}:a",
        f"ofc:dm:{booking.id}:n",
        f"ofc:dc:hk-1:{day}",
    ]


async def test_an_officer_of_another_unit_is_refused_every_action_and_nothing_changes(core):
    payloads = await hoan_kiem_payloads(core)
    before = await snapshot(core)
    other = officer_chat(core, CAU_GIAY)
    await other.say("/officer")
    for payload in payloads:
        await other.tap(payload)
        assert NOT_MINE in other.text, payload
        assert "Nguyễn Thị Lan" not in other.text and "0912" not in other.text
        assert other.buttons, "a way on"
    assert await snapshot(core) == before


async def test_a_citizen_is_refused_every_officer_payload_and_nothing_changes(core):
    payloads = await hoan_kiem_payloads(core)
    payloads += ["ofc:ss", "ofc:day", "ofc:hq", "ofc:hq:a:1", "ofc:hq:d:1"]
    before = await snapshot(core)
    someone = Chat(core, user_id="777", channel="telegram", language="en")
    for payload in payloads:
        await someone.tap(payload)
        assert NOT_OFFICER in someone.text, payload
        assert "Nguyễn Thị Lan" not in someone.text
    assert await snapshot(core) == before


async def test_forged_and_stale_payloads_are_refused_kindly(core):
    await hoan_kiem_payloads(core)
    before = await snapshot(core)
    officer = officer_chat(core, HOAN_KIEM)
    answers = {
        "ofc:sc:999999": "could not find that session",
        "ofc:sc:abc": "could not find that session",
        "ofc:s:1x": "could not find that session",
        "ofc:sp:nowhere": "don't know that support point",
        "ofc:sa:../etc": "don't know that support point",
        "ofc:dl:hk-1:30-11-2026": "could not read that list",
        "ofc:dm:1:x": "did not understand that mark",
        "ofc:dm:999999:a": "could not find that visit",
        "ofc:hq:a:999999": "could not find that home-visit request",
        "ofc:v:2026-12-01": "no longer open",
        "ofc:go": "no longer open",
        "ofc:nothing": "no longer active",
    }
    for payload, answer in answers.items():
        await officer.tap(payload)
        assert answer in officer.text, payload
        assert officer.buttons, payload
    assert await snapshot(core) == before


async def test_a_move_can_only_go_to_a_point_of_my_own_units(core):
    session = await session_at(core, "cg-1", MONDAY)
    before = await snapshot(core)
    officer = officer_chat(core, CAU_GIAY)
    await officer.tap(f"ofc:sm:{session.id}")
    assert "Where will it take place?" in officer.text
    assert any("cg-2" in label for label in officer.labels)
    assert not any("hk-1" in label for label in officer.labels)
    await officer.tap("ofc:v:hk-1")  # forged: a point of another unit
    assert "Where will it take place?" in officer.text and "Please answer" in officer.text
    await officer.tap("ofc:v:cg-2")
    assert "day should the session move to" in officer.text
    assert await snapshot(core) == before


async def test_rights_removed_between_preview_and_apply_change_nothing(core, clock):
    session = await session_at(core, "hk-1", MONDAY)
    officer = officer_chat(core, HOAN_KIEM)
    await officer.tap(f"ofc:sc:{session.id}")
    await officer.say("Cán bộ bận")
    assert "Apply" in " ".join(officer.labels)
    async with core.db.transaction() as db:
        await manage.remove(
            db, channel="telegram", external_id=HOAN_KIEM, actor="cli:test", now=clock.now()
        )
    before = await snapshot(core)
    await officer.press("Apply")
    assert NOT_OFFICER in officer.text
    assert await snapshot(core) == before
    assert (await session_at(core, "hk-1", MONDAY)).status == "open"


async def test_an_admin_may_change_any_units_schedule(core):
    session = await session_at(core, "cg-1", MONDAY + timedelta(days=0))
    admin = officer_chat(core, "900")
    await admin.tap(f"ofc:sk:{session.id}")
    await admin.say("4")
    await admin.press("Apply")
    assert "each time slot now has 4 seats" in admin.text
