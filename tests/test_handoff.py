""" "🙋 Ask a person" through the core, as a citizen and officers would use it: the whole loop
(ask → the ward's officers told → take → answer in two messages → the citizen's reply added,
not searched → close → rating), what the report counts for it, forged actions by an officer
of another ward, escalation and the announcement limit on a fake clock, office hours, quiet
hours, /privacy and the retention purge."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot import app
from bot.core import Core
from bot.db.handoff_models import HandoffMessage, HandoffQuestion
from bot.handoff.numbers import per_unit
from bot.types import Photo
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
    core = await app.start(config.replace(**OFFICERS), clock=clock)
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


async def test_an_officer_of_another_ward_cannot_read_take_answer_or_close(core, world):
    citizen = Chat(core, user_id="501", channel="test", language="en")
    question_id = await ask(core, citizen)
    before = (await questions(core), await messages(core))
    stranger = officer(core, CAU_GIAY)
    await stranger.tap("hq")
    assert f"#{question_id}" not in stranger.text and "No open questions" in stranger.text
    for payload in (
        f"hq:o:{question_id}",
        f"hq:t:{question_id}",
        f"hq:a:{question_id}",
        f"hq:k:{question_id}:0",
        f"hq:g:{question_id}",
        f"hq:c:{question_id}",
    ):
        await stranger.tap(payload)
        assert "not an officer of that commune or ward" in stranger.text, payload
        assert QUESTION not in stranger.text
    # A citizen pressing an officer's button is refused the same way.
    await citizen.tap(f"hq:t:{question_id}")
    assert "only for commune and ward officers" in citizen.text
    await world.deliver()
    assert not world.sent_to("test", "501")
    assert (await questions(core), await messages(core)) == before


async def test_a_citizen_cannot_rate_or_close_someone_elses_question(core, world):
    asker = Chat(core, user_id="501", channel="test", language="en")
    question_id = await ask(core, asker)
    await officer(core, HOAN_KIEM).tap(f"hq:k:{question_id}:0")  # a canned answer
    other = Chat(core, user_id="502", channel="test", language="en")
    await other.tap(f"ask:r:{question_id}:1")
    assert "could not find that question" in other.text
    await other.tap("ask:x")
    assert "You have no open question" in other.text
    [(_id, status, _taker, answered, rating)] = await questions(core)
    assert (status, rating) == ("open", None) and answered is not None


async def test_escalation_to_the_other_officers_then_the_admins(core, world, clock):
    citizen = Chat(core, user_id="501", channel="test", language="en")
    question_id = await ask(core, citizen)
    await officer(core, HOAN_KIEM).tap(f"hq:t:{question_id}")  # taken, never answered
    await world.deliver()
    world.clear()

    clock.advance(hours=3, minutes=59)
    await world.deliver()
    assert not any(world.sent_to("telegram", who) for who in (HOAN_KIEM, HOAN_KIEM_2, ADMIN))

    clock.advance(minutes=2)
    await world.deliver()
    [late] = world.sent_to("telegram", HOAN_KIEM_2)
    assert "đã chờ 4 giờ mà chưa được trả lời" in late
    assert not world.sent_to("telegram", HOAN_KIEM)  # who took it is not told again
    assert not world.sent_to("telegram", ADMIN) and not world.sent_to("telegram", CAU_GIAY)

    clock.advance(hours=2)
    await world.deliver()
    assert len(world.sent_to("telegram", HOAN_KIEM_2)) == 1  # once per level

    clock.advance(hours=2)
    await world.deliver()
    [to_admin] = world.sent_to("telegram", ADMIN)
    assert "8 giờ" in to_admin
    button = world.replies_to("telegram", ADMIN)[-1].buttons[0][0]
    admin = officer(core, ADMIN)
    await admin.tap(button.payload)
    assert QUESTION in admin.text

    clock.advance(hours=20)
    await world.deliver()
    assert len(world.sent_to("telegram", ADMIN)) == 1
    async with core.db.transaction() as session:
        [n] = await per_unit(session, clock.now())
    assert (n.asked, n.answered, n.median_minutes, n.unanswered_24h) == (1, 0, None, 1)


async def test_an_answered_question_is_never_escalated(core, world, clock):
    citizen = Chat(core, user_id="501", channel="test", language="en")
    question_id = await ask(core, citizen)
    await officer(core, HOAN_KIEM).tap(f"hq:k:{question_id}:1")
    await world.deliver()
    world.clear()
    clock.advance(hours=30)
    await world.deliver()
    assert not any(world.sent_to("telegram", w) for w in (HOAN_KIEM, HOAN_KIEM_2, ADMIN))


async def test_at_most_one_announcement_per_officer_per_interval(core, world, clock):
    await ask(core, Chat(core, user_id="501", channel="test", language="en"))
    await world.deliver()
    assert len(world.sent_to("telegram", HOAN_KIEM)) == 1
    clock.advance(minutes=5)
    await ask(core, Chat(core, user_id="502", channel="test", language="en"))
    clock.advance(minutes=5)
    await ask(core, Chat(core, user_id="503", channel="test", language="en"))
    await world.deliver()
    assert len(world.sent_to("telegram", HOAN_KIEM)) == 1
    clock.advance(minutes=21)  # 31 minutes after the first announcement
    await world.deliver()
    told = world.sent_to("telegram", HOAN_KIEM)
    assert len(told) == 2 and "Có 3 câu hỏi" in told[1]


async def test_announcements_wait_for_the_end_of_quiet_hours(core, world, clock):
    from datetime import UTC, datetime

    # Tuesday 22:30 in Hanoi; Hoàn Kiếm's points have sessions on Wednesday.
    clock.set(datetime(2026, 12, 1, 15, 30, tzinfo=UTC))
    citizen = Chat(core, user_id="501", channel="test", language="en")
    await ask(core, citizen)
    assert "Expect an answer tomorrow morning" in citizen.text
    await world.deliver()
    assert not world.sent_to("telegram", HOAN_KIEM)
    clock.set(datetime(2026, 12, 2, 0, 1, tzinfo=UTC))  # Wednesday 07:01
    await world.deliver()
    assert world.sent_to("telegram", HOAN_KIEM)


async def test_office_hours_come_from_the_points_files(core, world, clock):
    from datetime import UTC, datetime

    clock.set(datetime(2026, 11, 30, 2, 0, tzinfo=UTC))  # Monday 09:00 in Hanoi
    citizen = Chat(core, user_id="501", channel="test", language="en")
    await ask(core, citizen)
    places = core.services["places"]
    closes = max(
        s.end for p in places.points_of("hoan-kiem") for s in p.regular if 0 in s.weekdays
    )
    assert f"at work now, until {closes.strftime('%H:%M')}" in citizen.text


async def test_the_unit_is_remembered_and_text_while_open_is_not_searched(core, world):
    citizen = Chat(core, user_id="501", channel="test", language="en")
    await ask(core, citizen)
    await citizen.tap("ask")
    assert "You already have an open question" in citizen.text
    await citizen.say("quên mật khẩu VNeID")
    assert "Added to your question" in citizen.text
    await citizen.press("Close my question")
    assert "Your question is closed" in citizen.text
    await citizen.tap("ask")
    assert "Hoàn Kiếm ward" in citizen.labels
    await citizen.press("Hoàn Kiếm ward")
    assert "write your question" in citizen.text


async def test_ask_a_person_is_offered_in_the_menu_and_where_guides_do_not_help(core, world, chat):
    await chat.say("/menu")
    assert "ask" in [b.payload for b in chat.buttons]
    await chat.say("xin giấy phép xây dựng nhà ở nông thôn")  # no guide for that
    assert "ask" in [b.payload for b in chat.buttons]
    await chat.say("vneid")  # a few guides to choose from, and "None of these"
    assert "ask" in [b.payload for b in chat.buttons]


async def test_privacy_shows_downloads_and_deletes_questions_and_retention_purges(
    core, world, clock
):
    import json

    from bot.handoff import jobs

    citizen = Chat(core, user_id="501", channel="test", language="en")
    question_id = await ask(core, citizen)
    await citizen.tap("privacy")
    assert "Questions you asked an officer: 1" in citizen.text
    await citizen.tap("pv:export")
    data = json.loads(citizen.replies[0].document.data)
    assert data["handoff_questions"][0]["messages"][0]["text"] == QUESTION
    await citizen.tap("pv:delete")
    await citizen.tap("pv:delete!")
    assert await questions(core) == [] and await messages(core) == []

    # Retention: a closed question goes `handoff.retention_days` after closing.
    question_id = await ask(core, citizen)
    await officer(core, HOAN_KIEM).tap(f"hq:c:{question_id}")
    clock.advance(days=core.config.handoff.retention_days - 1)
    assert await jobs.daily(core) == 0
    clock.advance(days=2)
    assert await jobs.daily(core) == 1
    assert await questions(core) == []


async def test_the_report_and_numbers_match_the_scenario(core, world, clock, monkeypatch, capsys):
    """Hoàn Kiếm: answered after 30 and 90 minutes, one never; Cầu Giấy: after 10 minutes."""
    import asyncio
    import csv
    import io

    from bot import cli
    from tests.conftest import ROOT

    async def asked_then_answered(who: str, ward: str, officer_id: str, minutes: int | None):
        question_id = await ask_in(core, Chat(core, user_id=who, channel="test"), ward)
        if minutes is not None:
            clock.advance(minutes=minutes)
            await officer(core, officer_id).tap(f"hq:k:{question_id}:1")

    await asked_then_answered("501", "Hoàn Kiếm", HOAN_KIEM, 30)
    await asked_then_answered("502", "Hoàn Kiếm", HOAN_KIEM_2, 90)
    await asked_then_answered("503", "Hoàn Kiếm", HOAN_KIEM, None)
    await asked_then_answered("504", "Cầu Giấy", CAU_GIAY, 10)
    clock.advance(hours=25)

    lan = officer(core, HOAN_KIEM)
    await lan.tap("stat")
    await lan.press("Questions to officers")
    assert (
        "Hoàn Kiếm ward: 3 asked · 2 answered · first answer after 60 min (median) · "
        "1 without an answer after 24 h"
    ) in lan.text
    assert "Cầu Giấy" not in lan.text  # another unit's numbers are not hers

    # The command line reads the same database (its clock is the real one, days later).
    monkeypatch.setenv("TROLYSO_DATABASE_URL", core.config.database.url)
    capsys.readouterr()
    code = await asyncio.to_thread(
        cli.main, ["--config", str(ROOT / "config.toml"), "report", "handoff"]
    )
    assert code == 0
    assert list(csv.reader(io.StringIO(capsys.readouterr().out))) == [
        [
            "unit",
            "asked",
            "answered",
            "median_minutes_to_first_answer",
            "unanswered_after_24h",
        ],
        ["cau-giay", "1", "1", "10", "0"],
        ["hoan-kiem", "3", "2", "60", "1"],
    ]


async def ask_in(core: Core, citizen: Chat, ward: str) -> int:
    await citizen.tap("ask")
    await citizen.say(ward)
    await citizen.say(QUESTION)
    async with core.db.transaction() as session:
        return await session.scalar(select(func.max(HandoffQuestion.id)))


async def test_no_question_or_answer_text_reaches_the_logs(core, world, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    citizen = Chat(core, user_id="501", channel="test", language="en")
    question_id = await ask(core, citizen)
    lan = officer(core, HOAN_KIEM)
    await lan.tap(f"hq:a:{question_id}")
    await lan.say("Ông/bà gọi số 0912 345 678 của cán bộ Lan.")
    await citizen.say("Số nhà tôi là 12 ngõ 5, điện thoại 0987 654 321")
    await world.deliver()
    await officer(core, CAU_GIAY).tap(f"hq:o:{question_id}")  # refused, and logged
    logged = caplog.text
    assert "refused" in logged and f"question {question_id}" in logged
    for secret in ("định danh", "0912 345 678", "ngõ 5", "0987 654 321", "cán bộ Lan"):
        assert secret not in logged


async def test_a_shared_location_finds_the_ward_and_a_photo_is_asked_in_words(core, world):
    citizen = Chat(core, user_id="501", channel="test", language="en")
    await citizen.tap("ask")
    point = core.services["places"].points["cg-1"]
    await citizen.share_location(point.lat + 0.0001, point.lon)
    assert "officers of Cầu Giấy ward" in citizen.text
    # This channel passes no pictures on: no photo is offered, one is asked for in words.
    assert "copy its words" in citizen.text and "photo" not in citizen.text
    await citizen.send(unreadable="photo")
    assert "I can only pass on text here" in citizen.text
    await citizen.send(photo=Photo("AgAD-test"))  # even if one came through
    assert "I can only pass on text here" in citizen.text
    assert await questions(core) == []
    await citizen.say(QUESTION)
    assert "I have sent your question to the officers of Cầu Giấy ward" in citizen.text


async def test_officers_find_the_queue_and_suggest_a_guide_for_the_editors(
    core, world, monkeypatch, capsys
):
    import asyncio
    import csv
    import io

    from bot import cli
    from tests.conftest import ROOT

    citizen = Chat(core, user_id="501", channel="test", language="en")
    question_id = await ask(core, citizen, "Gọi 0912 345 678 giúp tôi đăng ký khai sinh cho cháu")
    lan = officer(core, HOAN_KIEM)
    await lan.tap("ofc")
    await lan.press("Questions from citizens")
    await lan.press(f"Open #{question_id}")
    await lan.press("Suggest as a new guide")
    assert "Kept for the guide editors" in lan.text
    assert "Suggest as a new guide" not in lan.labels  # once per question
    monkeypatch.setenv("TROLYSO_DATABASE_URL", core.config.database.url)
    capsys.readouterr()
    args = ["--config", str(ROOT / "config.toml"), "report", "handoff-suggestions"]
    assert await asyncio.to_thread(cli.main, args) == 0
    [header, row] = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert header == ["created", "unit", "locale", "text"]
    assert row[1:] == ["hoan-kiem", "en", "Gọi *** giúp tôi đăng ký khai sinh cho cháu"]


async def outbox_texts(core: Core) -> list[tuple[str, str, str]]:
    """(kind, status, everything the row would show) of every outbox row."""
    from bot.db.booking_models import OutboxMessage

    async with core.db.transaction() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(r.kind, r.status, f"{r.text or ''} {r.data or ''}") for r in rows]


@pytest.mark.both_databases
async def test_erasing_the_citizens_data_empties_officer_notices_with_their_words(
    core, world, clock
):
    citizen = Chat(core, user_id="501", channel="test", language="en")
    question_id = await ask(core, citizen)
    await officer(core, HOAN_KIEM).tap(f"hq:t:{question_id}")
    await citizen.say("Số điện thoại của tôi là 0912 345 678, tôi ở ngõ 5")
    await world.deliver()
    assert any("ngõ 5" in t for t in world.sent_to("telegram", HOAN_KIEM))
    world.clear()
    await citizen.say("Tôi tên là Nguyễn Thị Lan, sinh năm 1950")  # queued, not yet sent
    assert any("1950" in shown for _k, _s, shown in await outbox_texts(core))
    # Someone else's follow-up stays untouched.
    other = Chat(core, user_id="502", channel="test", language="en")
    other_id = await ask(core, other)
    await officer(core, HOAN_KIEM).tap(f"hq:t:{other_id}")
    await other.say("Câu hỏi thêm của người khác")

    await citizen.tap("pv:delete")
    await citizen.tap("pv:delete!")
    rows = await outbox_texts(core)
    assert not [r for r in rows if "1950" in r[2] or "ngõ 5" in r[2] or "0912" in r[2]]
    follow_ups = [(k, s) for k, s, _shown in rows if k == "handoff_follow_up"]
    assert ("handoff_follow_up", "skipped") in follow_ups, "the queued one is never sent"
    assert any("người khác" in shown for _k, _s, shown in rows)
    await world.deliver()
    told = world.sent_to("telegram", HOAN_KIEM)
    assert not [t for t in told if "1950" in t] and any("người khác" in t for t in told)


async def test_the_retention_purge_empties_officer_notices_with_the_citizens_words(
    core, world, clock
):
    from bot.handoff import jobs

    citizen = Chat(core, user_id="501", channel="test", language="en")
    question_id = await ask(core, citizen)
    await officer(core, HOAN_KIEM).tap(f"hq:t:{question_id}")
    await citizen.say("Tôi ở ngõ 5 phố Hàng Bông")
    await world.deliver()
    await officer(core, HOAN_KIEM).tap(f"hq:c:{question_id}")
    clock.advance(days=core.config.handoff.retention_days + 1)
    assert await jobs.daily(core) == 1
    assert not [r for r in await outbox_texts(core) if "Hàng Bông" in r[2]]


async def test_officers_are_told_in_their_own_language_never_the_citizens(core, world, clock):
    from sqlalchemy import update

    from bot.db.models import User

    async with core.db.transaction() as session:  # Lan chose English in the chat
        await session.execute(
            update(User).where(User.external_id == HOAN_KIEM).values(locale="en")
        )
    citizen = Chat(core, user_id="501", channel="test", language="vi")
    question_id = await ask_vi(core, citizen)
    await world.deliver()
    assert "1 question from citizens is waiting" in world.sent_to("telegram", HOAN_KIEM)[0]
    # No language chosen and no web pages used: the bot's default ([bot] default_locale).
    assert "Có 1 câu hỏi" in world.sent_to("telegram", HOAN_KIEM_2)[0]

    await officer(core, HOAN_KIEM).tap(f"hq:t:{question_id}")
    await citizen.say("Tôi đã thử lại nhưng vẫn lỗi")
    await world.deliver()
    assert "The citizen wrote more on question" in world.sent_to("telegram", HOAN_KIEM)[-1]

    # The other officer asked for the officer pages from an English chat: the pages, and now
    # the announcements, speak English to them.
    await Chat(core, user_id=HOAN_KIEM_2, channel="telegram", language="en").say("/web")
    world.clear()
    clock.advance(minutes=31)
    await ask_vi(core, Chat(core, user_id="502", channel="test", language="vi"))
    await world.deliver()
    assert "2 questions from citizens are waiting" in world.sent_to("telegram", HOAN_KIEM_2)[0]


async def ask_vi(core: Core, citizen: Chat) -> int:
    await citizen.tap("ask")
    await citizen.say("Hoàn Kiếm")
    await citizen.say(QUESTION)
    assert "Tôi đã gửi câu hỏi" in citizen.text, citizen.text
    async with core.db.transaction() as session:
        return await session.scalar(select(func.max(HandoffQuestion.id)))


async def test_the_default_language_for_officers_is_the_bots_default(config, clock):
    core = await app.start(config.replace(**OFFICERS, bot__default_locale="en"), clock=clock)
    try:
        world = await handoff_world(core)
        await ask_vi(core, Chat(core, user_id="501", channel="test", language="vi"))
        await world.deliver()
        assert "1 question from citizens is waiting" in world.sent_to("telegram", HOAN_KIEM)[0]
    finally:
        await core.close()
