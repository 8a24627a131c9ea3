""" "🙋 Ask a person" through the core, as a citizen and officers would use it: the whole loop
(ask → the ward's officers told → take → answer in two messages → the citizen's reply added,
not searched → close → rating), what the report counts for it, forged actions by an officer
of another ward, escalation and the announcement limit on a fake clock, office hours, quiet
hours, /privacy and the retention purge."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.core import Core
from bot.db.handoff_models import HandoffMessage, HandoffQuestion
from bot.handoff.numbers import per_unit
from tests.chat import Chat
from tests.handoff_setup import (
    ADMIN,
    CAU_GIAY,
    HOAN_KIEM,
    HOAN_KIEM_2,
    OFFICERS,
    World,
    handoff_world,
)

QUESTION = "Tôi đăng ký định danh mức 2 nhưng ứng dụng báo lỗi, phải làm sao?"


@pytest.fixture
async def core(config, clock):
    core = await Core.start(config.replace(**OFFICERS), clock=clock)
    try:
        yield core
    finally:
        await core.close()


@pytest.fixture
async def world(core) -> World:
    return await handoff_world(core)


def officer(core: Core, who: str) -> Chat:
    return Chat(core, user_id=who, channel="telegram", language="en")


async def ask(core: Core, citizen: Chat, text: str = QUESTION, ward: str = "Hoàn Kiếm") -> int:
    await citizen.tap("ask")
    await citizen.say(ward)
    assert "write your question" in citizen.text
    await citizen.say(text)
    assert "I have sent your question to the officers of Hoàn Kiếm ward" in citizen.text
    async with core.db.transaction() as session:
        return await session.scalar(select(func.max(HandoffQuestion.id)))


async def questions(core: Core) -> list[tuple]:
    async with core.db.transaction() as session:
        found = await session.scalars(select(HandoffQuestion).order_by(HandoffQuestion.id))
        return [(q.id, q.status, q.taken_by, q.first_answer_at, q.rating) for q in found]


async def messages(core: Core) -> list[tuple[str, str]]:
    async with core.db.transaction() as session:
        found = await session.scalars(select(HandoffMessage).order_by(HandoffMessage.id))
        return [(m.author, m.text) for m in found]


async def test_the_whole_loop(core, world, clock):
    citizen = Chat(core, user_id="501", channel="test", language="en")
    question_id = await ask(core, citizen)
    # Saturday 09:00: the sample points of Hoàn Kiếm have no Saturday session.
    assert "Expect an answer" in citizen.text
    assert "✖ Close my question" in citizen.labels and "📖 Back to the menu" in citizen.labels

    await world.deliver()
    told = world.sent_to("telegram", HOAN_KIEM)
    # Officers' accounts have no language of their own: the default, Vietnamese.
    assert told and "Có 1 câu hỏi của người dân đang chờ trả lời" in told[0]
    assert world.sent_to("telegram", HOAN_KIEM_2)
    assert not world.sent_to("telegram", CAU_GIAY)
    assert not world.sent_to("telegram", ADMIN)

    lan = officer(core, HOAN_KIEM)
    await lan.tap("hq")
    assert f"#{question_id}" in lan.text and "waiting 0 minutes" in lan.text
    await lan.press(f"Open #{question_id}")
    assert QUESTION in lan.text and "Nobody has taken it yet" in lan.text
    await lan.press("Take it")
    assert "You took this question" in lan.text

    other = officer(core, HOAN_KIEM_2)
    await other.tap(f"hq:o:{question_id}")
    assert "Taken by telegram:100" in other.text
    await other.tap("hq")
    assert "taken by telegram:100" in other.text

    clock.advance(minutes=30)
    await lan.press("Answer")
    await lan.say("Ông/bà mở ứng dụng VNeID, chọn Định danh điện tử.")
    assert "Sent to the citizen" in lan.text
    await lan.say("Nếu vẫn lỗi, ông/bà mang CCCD đến điểm hỗ trợ.")
    await lan.press("Done")
    assert "Nếu vẫn lỗi" in lan.text

    await world.deliver()
    answers = world.sent_to("test", "501")
    assert len(answers) == 2
    assert "Answer from the officers of Hoàn Kiếm ward" in answers[0]
    assert "VNeID" in answers[0] and "CCCD" in answers[1]

    # What the citizen writes now goes to the question, not to the search.
    await citizen.say("Cảm ơn, nhưng tôi không có CCCD gắn chip")
    assert "Added to your question" in citizen.text
    await world.deliver()
    follow = world.sent_to("telegram", HOAN_KIEM)[-1]
    assert "Người dân viết thêm vào câu hỏi" in follow and "gắn chip" in follow

    await lan.tap(f"hq:c:{question_id}")
    assert "Closed. The citizen has been told" in lan.text
    await world.deliver()
    closed = world.replies_to("test", "501")[-1]
    assert "closed your question" in (closed.text or "")
    stars = [b.payload for row in closed.buttons for b in row if b.payload.startswith("ask:r:")]
    assert len(stars) == 5

    await citizen.tap(stars[4])
    assert "Thank you for your rating" in citizen.text
    [(qid, status, taker, answered, rating)] = await questions(core)
    assert (qid, status, rating) == (question_id, "closed", 5) and answered is not None
    assert [a for a, _t in await messages(core)] == [
        "citizen",
        "officer",
        "officer",
        "citizen",
    ]

    # Once closed, free text goes back to the search.
    await citizen.say("quên mật khẩu VNeID")
    assert "Added to your question" not in citizen.text

    async with core.db.transaction() as session:
        [n] = await per_unit(session, clock.now())
    assert (n.unit_id, n.asked, n.answered, round(n.median_minutes), n.unanswered_24h) == (
        "hoan-kiem",
        1,
        1,
        30,
        0,
    )
