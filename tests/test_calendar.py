"""A calendar that follows the visit (issue 14 item 3): one UID for the booking's life,
SEQUENCE raised on every change, a METHOD:CANCEL file on cancel, a new file after a reschedule
or an officers' move (through the outbox), GEO and the visitor's name, the booker's language,
the alarm from `reminders.hours_before`; and a move at short notice
(`schedule.min_notice_hours`) needs a reason and a confirmed count of the people told."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from icalendar import Calendar

from bot import app
from bot.db.booking_models import Booking
from bot.outbox.render import render
from bot.schedule import moving, notices
from bot.schedule.errors import Refused
from bot.services.actor import Actor
from bot.services.context import ServiceContext
from tests.booking_flow import MONDAY, rows_of, use_places
from tests.chat import Chat
from tests.schedule_setup import (
    HOAN_KIEM,
    OFFICERS,
    book,
    calendar_files,
    citizen,
    officer_chat,
    outbox,
    session_at,
)

pytestmark = pytest.mark.both_databases


@pytest.fixture
async def core(config, clock):
    core = await app.start(config.replace(**OFFICERS, reminders__hours_before=3.5), clock=clock)
    await use_places(core)
    try:
        yield core
    finally:
        await core.close()


def event_of(data: bytes):
    cal = Calendar.from_ical(data)
    (event,) = cal.walk("VEVENT")
    return cal, event


def files_in(chat: Chat) -> list[bytes]:
    return [
        r.document.data
        for r in chat.replies
        if r.document and r.document.filename.endswith(".ics")
    ]


async def test_the_file_keeps_its_uid_and_counts_every_change_up_to_the_cancel(core):
    chat = Chat(core, language="vi")
    await chat.say("/start")
    await book_for_parent_vi(chat)
    (booking,) = await rows_of(core, Booking)
    cal, first = event_of(files_in(chat)[0])
    assert str(cal["METHOD"]) == "PUBLISH" and int(first["SEQUENCE"]) == 0
    assert str(first["UID"]) == f"{booking.code}@trolyso"
    assert "Nguyễn Thị Lan" in str(first["SUMMARY"]) and "Nguyễn Thị Lan" in str(
        first["DESCRIPTION"]
    )
    assert (first["GEO"].latitude, first["GEO"].longitude) == (21.03, 105.85)
    assert first.walk("VALARM")[0]["TRIGGER"].dt == -timedelta(hours=3.5)
    raw = files_in(chat)[0].decode()
    # all in the booker's language: no English line from the calendar library either
    assert "COMMENT:" not in raw
    assert str(first["SUMMARY"]).startswith("Hỗ trợ số cho Nguyễn Thị Lan")
    assert "Buổi hỗ trợ số bắt đầu lúc" in str(first.walk("VALARM")[0]["DESCRIPTION"])

    await chat.tap("mybk")
    await chat.tap(f"mb:resch:{booking.id}")
    await chat.tap(next(p for p in chat.replies[0].payloads() if p.startswith("mb:day:")))
    await chat.tap(next(p for p in chat.replies[0].payloads() if p.startswith("mb:to:")))
    await chat.tap(next(p for p in chat.replies[0].payloads() if p.startswith("mb:move!:")))
    _cal, moved = event_of(files_in(chat)[0])
    assert str(moved["UID"]) == str(first["UID"]) and int(moved["SEQUENCE"]) == 1
    assert moved["DTSTART"].dt != first["DTSTART"].dt

    await chat.tap(f"mb:cancel:{booking.id}")
    await chat.tap(f"mb:cancel!:{booking.id}")
    cal, cancelled = event_of(files_in(chat)[0])
    assert str(cal["METHOD"]) == "CANCEL" and str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["UID"]) == str(first["UID"]) and int(cancelled["SEQUENCE"]) == 2
    assert not cancelled.walk("VALARM")


async def book_for_parent_vi(chat: Chat) -> None:
    """The whole dialog by payloads (the chat speaks Vietnamese)."""
    await chat.tap("book")
    await chat.tap("bk:rel")
    await chat.say("hoan kiem")
    await chat.tap("bk:t:wheelchair")
    await chat.tap("bk:done")
    await chat.tap(next(p for p in chat.replies[0].payloads() if p.startswith("bk:d:")))
    await chat.tap(next(p for p in chat.replies[0].payloads() if p.startswith("bk:s:")))
    await chat.say("Nguyễn Thị Lan")
    await chat.say("0912345678")
    await chat.tap("bk:h:vneid")
    await chat.tap("bk:t:aged60")
    await chat.tap("bk:done")
    await chat.tap("bk:agree")
    await chat.tap("bk:confirm")


async def sent(core, row) -> bytes:
    async with core.db.transaction() as session:
        (reply,) = await render(session, row, core)
    return reply.document.data


async def test_an_officers_move_sends_a_new_file_and_a_cancel_sends_the_removal(core):
    lan = await citizen(core, "501", locale="en")
    mine = await book(core, lan, "hk-1", MONDAY, "08:30")
    officer = officer_chat(core, HOAN_KIEM)
    await officer.say("/officer")
    await officer.press("Sessions")
    await officer.press("Monday 30/11")
    await officer.press("Move it")
    await officer.say("1/12")
    await officer.say("14h00")
    await officer.press("Apply")
    (row,) = await calendar_files(core)
    assert row.recipient_user_id == lan and row.booking_id == mine.id
    _cal, event = event_of(await sent(core, row))
    assert int(event["SEQUENCE"]) == 1 and str(event["UID"]) == f"{mine.code}@trolyso"
    assert event["DTSTART"].dt.astimezone(UTC) == datetime(2026, 12, 1, 7, 30, tzinfo=UTC)

    await officer.say("/officer")
    await officer.press("Sessions")
    await officer.press("Tuesday 1/12")
    await officer.press("Cancel this session")
    await officer.say("Cán bộ bị ốm")
    await officer.press("Apply")
    removal = [r for r in await calendar_files(core) if r.kind == "calendar_cancel"]
    assert len(removal) == 1
    cal, event = event_of(await sent(core, removal[0]))
    assert str(cal["METHOD"]) == "CANCEL" and int(event["SEQUENCE"]) == 2
    # the move's file is now stale: it is skipped, never sent after the removal
    async with core.db.transaction() as session:
        assert not isinstance(await render(session, row, core), list)


async def test_a_move_at_short_notice_needs_a_reason_and_the_count_told(core, clock):
    lan = await citizen(core, "501", locale="en")
    hung = await citizen(core, "502", locale="vi")
    await book(core, lan, "hk-1", MONDAY, "08:30")
    await book(core, hung, "hk-1", MONDAY, "09:00")
    clock.set(datetime(2026, 11, 29, 14, 0, tzinfo=UTC))  # Sunday 21:00: 11 h before
    row = await session_at(core, "hk-1", MONDAY)
    async with core.db.transaction() as session:
        sc = ServiceContext(
            Actor.operator("cli:test"),
            session,
            core.clock,
            core.config.tz,
            places=core.services["places"],
        )
        notice = await moving.move_notice(sc, row.id, MONDAY, time(13))
        assert notice.short and notice.told == 2 and notice.hours == 12
        with pytest.raises(Refused) as no_reason:
            await moving.move_session(sc, row.id, MONDAY, time(13))
        assert no_reason.value.key == "schedule.short_notice_reason"
        with pytest.raises(Refused) as wrong_count:
            await moving.move_session(
                sc, row.id, MONDAY, time(13), reason="Phòng bị mất điện", confirmed_told=1
            )
        assert wrong_count.value.key == "schedule.short_notice_confirm"
    assert (await session_at(core, "hk-1", MONDAY)).status == "open"

    officer = officer_chat(core, HOAN_KIEM)
    await officer.say("/officer")
    await officer.press("Sessions")
    await officer.press("Monday 30/11")
    await officer.press("Move it")
    await officer.say("30/11")
    await officer.say("13:00")
    assert "short notice" in officer.text and "less than 12 hours" in officer.text
    await officer.say("Phòng bị mất điện")
    assert "Short notice: 2 people will be told at once. Reason: Phòng bị mất điện" in officer.text
    await officer.press("Apply")
    assert "the session is moved" in officer.text
    moved = [m for m in await outbox(core) if m.kind == notices.KIND_MOVED]
    assert len(moved) == 2 and all("Phòng bị mất điện" in m.text for m in moved)


async def test_a_move_with_notice_needs_no_reason(core):
    lan = await citizen(core, "501", locale="en")
    await book(core, lan, "hk-1", MONDAY, "08:30")
    officer = officer_chat(core, HOAN_KIEM)
    await officer.say("/officer")
    await officer.press("Sessions")
    await officer.press("Monday 30/11")
    await officer.press("Move it")
    await officer.say("1/12")
    await officer.say("14h00")
    assert "Apply" in " ".join(officer.labels) and "short notice" not in officer.text
    assert date(2026, 11, 30) == MONDAY
