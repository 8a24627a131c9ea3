"""Home visits as first-class requests (issue 14 item 2): their own wording with who qualifies
said first, a code, listed in "My bookings" with cancel, and the citizen told (outbox) when an
officer takes the request and when the visit is done."""

from __future__ import annotations

import pytest

from bot import app
from bot.db.booking_models import HomeVisitRequest, OutboxMessage
from tests.booking_flow import rows_of, use_places
from tests.chat import Chat
from tests.schedule_setup import HOAN_KIEM, OFFICERS, officer_chat

pytestmark = pytest.mark.both_databases


@pytest.fixture
async def core(config, clock):
    core = await app.start(config.replace(**OFFICERS), clock=clock)
    await use_places(core)
    try:
        yield core
    finally:
        await core.close()


async def ask_for_mother(chat: Chat, name: str = "Nguyễn Thị Lan") -> None:
    await chat.say("/menu")
    await chat.press("Book a visit")
    await chat.press("For a relative")
    await chat.say("hoan kiem")
    await chat.press("No, none of these")
    await chat.press("home visit")
    await chat.press("Aged 60")
    await chat.press("Done")
    await chat.say(name)
    await chat.say("0912345678")
    await chat.press("VNeID")
    await chat.say("Số 5 ngõ 12 phố Hàng Bạc")
    await chat.press("Any day")
    await chat.press("permission")
    await chat.press("Send the request")


async def test_a_home_visit_has_a_code_is_listed_and_the_citizen_hears_when_it_moves(core):
    chat = Chat(core, user_id="77", channel="telegram", language="en")
    await ask_for_mother(chat)
    (request,) = await rows_of(core, HomeVisitRequest)
    assert request.code and len(request.code) == 6
    assert f"Its code is {request.code}" in chat.text
    assert chat.button("My bookings")

    await chat.press("My bookings")
    await chat.press(f"Home visit · Nguyễn Thị Lan · code {request.code}")
    assert "Waiting for an officer" in chat.text and "Số 5 ngõ 12" in chat.text
    assert chat.button("Cancel this request")

    officer = officer_chat(core, HOAN_KIEM)
    await officer.say("/officer")
    await officer.press("Home-visit requests")
    await officer.press(f"I'll take #{request.id}")
    (taken,) = await rows_of(core, OutboxMessage, OutboxMessage.kind == "home_visit_taken")
    assert taken.chat_id == chat.chat_id and taken.status == "pending"
    assert request.code in taken.text and "call 0912 345 678" in taken.text
    assert "Nguyễn Thị Lan" in taken.text

    await chat.press("My bookings")
    await chat.press("Home visit")
    assert "An officer has taken it" in chat.text

    await officer.press(f"#{request.id} is done")
    (done,) = await rows_of(core, OutboxMessage, OutboxMessage.kind == "home_visit_done")
    assert request.code in done.text and "marked as done" in done.text
    await chat.press("My bookings")
    assert "Home visit" not in " ".join(chat.labels)


async def test_the_citizen_cancels_a_home_visit_and_officers_no_longer_see_it(core):
    chat = Chat(core, user_id="78", channel="telegram", language="en")
    await ask_for_mother(chat, name="Trần Văn Bình")
    (request,) = await rows_of(core, HomeVisitRequest)
    await chat.press("My bookings")
    await chat.press("Home visit")
    await chat.press("Cancel this request")
    assert f"code {request.code}" in chat.text
    await chat.press("Yes, cancel it")
    assert "is cancelled" in chat.text
    (request,) = await rows_of(core, HomeVisitRequest)
    assert request.status == "cancelled"

    officer = officer_chat(core, HOAN_KIEM)
    await officer.say("/officer")
    await officer.press("Home-visit requests")
    assert "Trần Văn Bình" not in officer.text
    await officer.tap(f"ofc:hq:a:{request.id}")
    assert "cancelled this home-visit request" in officer.text
    assert await rows_of(core, OutboxMessage, OutboxMessage.kind.like("home_visit%")) == []


async def test_the_officer_who_took_a_home_visit_is_told_when_the_citizen_cancels_it(core):
    chat = Chat(core, user_id="81", channel="telegram", language="en")
    await ask_for_mother(chat, name="Trần Văn Bình")
    (request,) = await rows_of(core, HomeVisitRequest)
    officer = officer_chat(core, HOAN_KIEM)
    await officer.say("/officer")
    await officer.press("Home-visit requests")
    await officer.press(f"I'll take #{request.id}")
    await chat.press("My bookings")
    await chat.press("Home visit")
    await chat.press("Cancel this request")
    await chat.press("Yes, cancel it")
    (told,) = await rows_of(core, OutboxMessage, OutboxMessage.kind == "home_visit_cancelled")
    (request,) = await rows_of(core, HomeVisitRequest)
    assert told.recipient_user_id == request.assigned_to and told.chat_id == officer.user_id
    # In the officer's language (never chosen here: the bot's Vietnamese), not the citizen's.
    assert f"#{request.id} (mã {request.code}) đã được người dân huỷ" in told.text
    assert "Trần Văn Bình" not in told.text, "only the number and code"


async def test_someone_else_cannot_see_or_cancel_my_home_visit(core):
    mine = Chat(core, user_id="79", channel="telegram", language="en")
    await ask_for_mother(mine)
    (request,) = await rows_of(core, HomeVisitRequest)
    stranger = Chat(core, user_id="80", channel="telegram", language="en")
    await stranger.say("/start")
    await stranger.tap(f"mh:show:{request.id}")
    assert "Nguyễn Thị Lan" not in stranger.text
    await stranger.tap(f"mh:cancel:{request.id}")
    (request,) = await rows_of(core, HomeVisitRequest)
    assert request.status == "new"
