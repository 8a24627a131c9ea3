"""The "Broadcast" pages: compose, preview the exact count per channel (changing nothing),
send (one outbox row per person, audited), then the progress block that htmx reloads until
the sweeper has settled every row; another unit's audience, or everyone for an officer, is
refused even from a forged form; another unit's officer cannot watch the progress."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.booking import service as booking_service
from bot.channels.profiles import Profile
from bot.channels.zalo.capabilities import capabilities
from bot.channels.zalo.policy import ZaloPolicy
from bot.db.booking_models import Slot
from bot.db.broadcast_models import Broadcast
from bot.outbox.sweeper import sweep_once
from tests.booking_flow import MONDAY, slot_at
from tests.broadcast_flow import (
    CAU_GIAY,
    HOAN_KIEM,
    booked,
    outbox,
    subscribed,
    telegram,
    unreachable,
)
from tests.outbox_helpers import add_user, attach
from tests.schedule_setup import all_rows, audits, session_at
from tests.web_fixtures import core, site  # noqa: F401  (pytest fixtures)
from tests.zalo_harness import settings_for

pytestmark = pytest.mark.both_databases
TEXT = "Thứ Hai điểm hỗ trợ mở cửa muộn 30 phút."


async def test_preview_send_and_watch_the_progress_reach_100_percent(core, clock, site):
    for n in range(3):
        await subscribed(core, f"c{n}", "hoan-kiem")
    officer = await site.officer(HOAN_KIEM)
    page = (await officer.get("/web/broadcasts")).text
    assert "At most 1000 characters" in page
    assert "News subscribers of Hoàn Kiếm ward" in page and "Everyone" not in page
    csrf = await officer.csrf()

    form = {"csrf": csrf, "text": TEXT, "audience": "units"}
    preview = await officer.post("/web/broadcasts/preview", form)
    assert preview.status == 200 and "It will reach 3 people." in preview.text
    assert "Reachable now: Telegram 3." in preview.text
    assert not await all_rows(core, Broadcast), "a preview sends nothing"

    sent = await officer.post("/web/broadcasts/send", form)
    assert sent.status == 303
    [broadcast] = await all_rows(core, Broadcast)
    assert sent.headers["Location"] == f"/web/broadcasts/{broadcast.id}"
    assert len(await outbox(core)) == 3
    [entry] = await audits(core, "broadcast.send")
    assert entry.actor == "telegram:100" and entry.unit_id == "hoan-kiem"

    status = (await officer.get(sent.headers["Location"])).text
    assert "Waiting to be sent: 3" in status and 'value="0"' in status
    assert f'hx-get="/web/broadcasts/{broadcast.id}/progress"' in status, "it polls"

    channel = attach(core, clock, "telegram")
    await sweep_once(core)
    assert sorted(chat for chat, _text, _at in channel.sent if TEXT in _text) == [
        "c0",
        "c1",
        "c2",
    ]
    block = (await officer.get(f"/web/broadcasts/{broadcast.id}/progress")).text
    assert block.startswith('<div id="progress"') and "Delivered: 3" in block
    assert re.search(r'<progress[^>]*value="100"', block) and "Finished." in block
    assert "hx-trigger" not in block, "no more polling once it is done"
    listed = (await officer.get("/web/broadcasts")).text
    assert f'href="/web/broadcasts/{broadcast.id}"' in listed


async def test_another_units_audience_or_everyone_is_refused_even_forged(core, site):
    await booked(core, "c9", "cg-1")
    officer = await site.officer(HOAN_KIEM)
    csrf = await officer.csrf()
    for audience in ("point:cg-1", "everyone"):
        form = {"csrf": csrf, "text": TEXT, "audience": audience}
        for step in ("preview", "send"):
            refused = await officer.post(f"/web/broadcasts/{step}", form)
            assert refused.status == 403, (audience, step)
    assert not await all_rows(core, Broadcast) and not await outbox(core)


async def test_an_empty_or_too_long_message_is_refused_kindly(core, site):
    officer = await site.officer(HOAN_KIEM)
    csrf = await officer.csrf()
    empty = await officer.post(
        "/web/broadcasts/send", {"csrf": csrf, "text": "  ", "audience": "units"}
    )
    assert empty.status == 400 and "Please write the message." in empty.text
    long = await officer.post(
        "/web/broadcasts/preview", {"csrf": csrf, "text": "x" * 1001, "audience": "units"}
    )
    assert long.status == 400 and "The message has 1001 characters; at most 1000" in long.text
    assert not await all_rows(core, Broadcast)


async def test_another_units_officer_cannot_watch_the_progress(core, site):
    await subscribed(core, "c0", "hoan-kiem")
    officer = await site.officer(HOAN_KIEM)
    sent = await officer.post(
        "/web/broadcasts/send", {"csrf": await officer.csrf(), "text": TEXT, "audience": "units"}
    )
    other = await site.officer(CAU_GIAY)
    assert (await other.get(sent.headers["Location"])).status == 403
    assert (await other.get(sent.headers["Location"] + "/progress")).status == 403
    assert (await other.get("/web/broadcasts/999999")).status == 404


async def test_one_sessions_visitors_with_who_will_not_be_reached_and_why(core, clock, site):
    # Zalo's real send policy: a person who last wrote ten days ago is outside its window.
    settings = settings_for("http://127.0.0.1:9")  # never called: the policy reads the database
    core.profiles["zalo"] = Profile("zalo", capabilities(settings), policy=ZaloPolicy(settings))
    lan = await booked(core, "c1", "hk-1", name="Nguyễn Thị Lan")
    await booked(core, "c2", "hk-1", "09:00")
    await telegram(core, "c2").say("/stop")
    await booked(core, "c3", "hk-1", "09:30")
    await unreachable(core, "c3")
    await booked(core, "c4", "hk-1", day=MONDAY + timedelta(days=2))  # another session
    far = await add_user(core, "z1", channel="zalo", seen=clock.now() - timedelta(days=10))
    slot = await slot_at(core, "hk-1", MONDAY, "08:30")
    async with core.db.transaction() as db:
        await booking_service.book(
            db,
            slot.id,
            booking_service.Booker(far, "zalo", "z1", "vi"),
            booking_service.Details(
                for_self=True, name="Lê Văn Nam", phone="+84912000333", help_topic="dvc"
            ),
            clock.now(),
        )
    session = await session_at(core, "hk-1", MONDAY)
    assert (await all_rows(core, Slot, Slot.id == lan.slot_id))[0].session_id == session.id

    officer = await site.officer(HOAN_KIEM)
    page = (await officer.get("/web/broadcasts")).text
    choice = f'value="session:{session.id}"'
    assert choice in page
    assert "Visitors booked on 8:00–10:00, Monday 30 November 2026 at Điểm hỗ trợ hk-1" in page
    form = {"csrf": await officer.csrf(), "text": TEXT, "audience": f"session:{session.id}"}
    preview = await officer.post("/web/broadcasts/preview", form)
    # Counted as the chat counts them (broadcasts.service.reach_now): the Zalo citizen outside
    # the reply window is in the audience but waits until they write again.
    assert preview.status == 200 and "It will reach 2 people." in preview.text
    assert "Reachable now: Telegram 1." in preview.text
    assert "1 person cannot get it until they write to the bot again (" in preview.text
    assert "It will not reach:" in preview.text
    assert "<li>1 person: turned news off</li>" in preview.text
    assert "<li>1 person: blocked the bot or left the messenger</li>" in preview.text
    assert "outside the reply window" not in preview.text, "said once, as waiting"
    assert not await all_rows(core, Broadcast), "a preview sends nothing"

    sent = await officer.post("/web/broadcasts/send", form)
    assert sent.status == 303
    [broadcast] = await all_rows(core, Broadcast)
    assert (broadcast.audience_kind, broadcast.audience_target) == ("session", [session.id])
    rows = await outbox(core)
    assert sorted(r.chat_id for r in rows) == ["c1", "z1"], "the channel decides at sending"
    assert (
        "About your visit to Điểm hỗ trợ hk-1" in next(r for r in rows if r.chat_id == "c1").text
    )


async def test_another_units_session_is_refused_as_an_audience(core, site):
    await booked(core, "c9", "cg-1")
    other_session = await session_at(core, "cg-1", MONDAY)
    officer = await site.officer(HOAN_KIEM)
    page = (await officer.get("/web/broadcasts")).text
    assert f"session:{other_session.id}" not in page
    form = {"csrf": await officer.csrf(), "text": TEXT, "audience": f"session:{other_session.id}"}
    for step in ("preview", "send"):
        assert (await officer.post(f"/web/broadcasts/{step}", form)).status == 403
    form["audience"] = "session:99999999"
    assert (await officer.post("/web/broadcasts/preview", form)).status == 409
    assert not await all_rows(core, Broadcast) and not await outbox(core)
