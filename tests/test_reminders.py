"""Reminders before a visit: two per booking at the right Hanoi time, once (also across a
restart), to the booker, never in quiet hours and never after the visit; cancelling drops
them, moving a visit moves them, and "I'll come" is recorded."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot import app
from bot.core import Core
from bot.db.booking_models import Booking, OutboxMessage
from bot.db.reminder_models import VisitConfirmation
from bot.outbox.sweeper import sweep_once
from bot.reminders import plan_now
from bot.reminders.plan import TOO_LATE, due_times
from bot.reminders.settings import parse_quiet
from tests.booking_flow import (
    HANOI,
    MONDAY,
    book_for_parent,
    point,
    rows_of,
    sample_places,
    use_places,
    user_id_of,
)
from tests.chat import Chat
from tests.outbox_helpers import attach

SUNDAY = MONDAY - timedelta(days=1)


def hanoi(day, hh_mm: str) -> datetime:
    hours, minutes = (int(x) for x in hh_mm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=HANOI)


async def _booked(
    core: Core, time_label: str = "11:00", user: str = "1001"
) -> tuple[Chat, Booking]:
    await use_places(core, sample_places(point("hk-1", "hoan-kiem", end=time(12))))
    chat = Chat(core, user, language="en")
    await book_for_parent(chat, time_label=time_label)
    booking = next(b for b in await rows_of(core, Booking) if b.code in chat.text)
    return chat, booking


async def _reminders(core: Core) -> list[OutboxMessage]:
    return sorted(
        await rows_of(core, OutboxMessage, OutboxMessage.kind == "reminder"),
        key=lambda r: r.due_at,
    )


async def _run_at(core: Core, clock, when: datetime) -> None:
    clock.set(when.astimezone(UTC))
    await plan_now(core)
    while (await sweep_once(core)).claimed:
        pass


async def test_a_booking_gets_a_reminder_the_day_before_and_two_hours_before(core):
    _chat, booking = await _booked(core)
    await plan_now(core)
    day, soon = await _reminders(core)
    assert day.due_at == hanoi(SUNDAY, "17:00") and soon.due_at == hanoi(MONDAY, "09:00")
    assert {day.chat_id, soon.chat_id} == {"1001"} and day.booking_id == booking.id
    await plan_now(core)  # planning again changes nothing
    assert len(await _reminders(core)) == 2


async def test_a_visit_booked_for_a_relative_is_reminded_to_the_booker(core):
    chat, booking = await _booked(core)  # a son books for his mother
    await plan_now(core)
    booker = await user_id_of(core, chat)
    assert not booking.for_self
    assert {(r.recipient_user_id, r.chat_id) for r in await _reminders(core)} == {(booker, "1001")}


async def test_reminders_fire_once_at_the_right_local_time_across_a_restart(config, clock):
    core = await app.start(config, clock=clock)
    try:
        chat, booking = await _booked(core)
        channel = attach(core, clock)
        await _run_at(core, clock, hanoi(SUNDAY, "16:59"))
        assert channel.sent == []
        await _run_at(core, clock, hanoi(SUNDAY, "17:00"))
        [(to, replies)] = channel.replies
        text = replies[0].text
        assert to == "1001"
        assert "the visit you booked for Nguyễn Thị Lan is tomorrow at 11:00" in text
        assert booking.code in text and "Điểm hỗ trợ hk-1" in text
        labels = [b.label for row in replies[0].buttons for b in row]
        assert labels == ["✅ I'll come", "❌ Cancel this visit", "🔁 Change the time"]
    finally:
        await core.close()
    core = await app.start(config, clock=clock, upgrade=False)
    try:
        await use_places(core, sample_places(point("hk-1", "hoan-kiem", end=time(12))))
        channel = attach(core, clock)
        await _run_at(core, clock, hanoi(SUNDAY, "17:30"))
        assert channel.sent == []  # not again after the restart
        await _run_at(core, clock, hanoi(MONDAY, "09:00"))
        [(_to, replies)] = channel.replies
        assert "is today at 11:00" in replies[0].text
        await _run_at(core, clock, hanoi(MONDAY, "10:59"))
        assert len(channel.sent) == 1
    finally:
        await core.close()


async def test_quiet_hours_move_a_reminder_earlier_never_after_the_visit(core):
    _chat, _booking = await _booked(core, time_label="08:30")
    await plan_now(core)
    day, soon = await _reminders(core)
    # 06:30 is in the quiet hours (21:00–07:00): sent the evening before instead.
    assert soon.due_at == hanoi(SUNDAY, "20:30")
    assert day.due_at < soon.due_at < hanoi(MONDAY, "08:30")
    # However early the visit, every reminder comes before it and outside quiet hours.
    quiet = parse_quiet("21:00-07:00")
    for hh_mm in ("00:30", "05:00", "07:15", "21:30", "23:59"):
        visit = hanoi(MONDAY, hh_mm)
        for planned in due_times(visit, core.config, quiet):
            local = planned.due_at.astimezone(HANOI).time()
            assert planned.due_at < visit - TOO_LATE
            assert time(7) <= local < time(21)


async def test_a_user_can_choose_other_quiet_hours_or_none(core):
    chat, _booking = await _booked(core, time_label="08:30")
    await chat.say("/settings")
    assert "Quiet hours: 21:00–07:00" in chat.text
    await chat.press("Quiet hours")
    await chat.press("No quiet hours")
    assert "Done: quiet hours are none" in chat.text
    _day, soon = await _reminders(core)
    assert soon.due_at == hanoi(MONDAY, "06:30")
    await chat.press("Quiet hours")
    await chat.press("19:00–08:00")
    # The second would come at 18:30, just after the first (17:00): the first is enough.
    [day] = await _reminders(core)
    assert day.due_at == hanoi(SUNDAY, "17:00")


async def test_a_reminder_due_while_the_bot_was_down_waits_for_the_morning(core, clock):
    chat, _booking = await _booked(core, time_label="08:30")
    channel = attach(core, clock)
    await plan_now(core)
    await _run_at(core, clock, hanoi(SUNDAY, "23:00"))  # down from 16:00 to 23:00
    assert channel.sent == []  # not in the night
    await _run_at(core, clock, hanoi(MONDAY, "07:00"))
    [(_to, replies)] = channel.replies  # only the latest of the two overdue reminders
    assert "is today at 08:30" in replies[0].text


async def test_booked_the_evening_before_gets_only_the_reminder_still_ahead(core, clock):
    clock.set(hanoi(SUNDAY, "18:00").astimezone(UTC))
    _chat, _booking = await _booked(core)
    await plan_now(core)
    [soon] = await _reminders(core)
    assert soon.due_at == hanoi(MONDAY, "09:00")


async def test_cancelling_a_visit_drops_its_reminders(core, clock):
    chat, booking = await _booked(core)
    channel = attach(core, clock)
    await plan_now(core)
    await chat.tap(f"mb:cancel:{booking.id}")
    await chat.press("Yes, cancel it")
    assert await _reminders(core) == []
    await _run_at(core, clock, hanoi(SUNDAY, "17:00"))
    await _run_at(core, clock, hanoi(MONDAY, "09:00"))
    assert channel.sent == []


async def test_moving_a_visit_moves_its_reminders(core, clock):
    chat, booking = await _booked(core)
    await plan_now(core)
    await chat.tap(f"mb:resch:{booking.id}")
    await chat.press("Wednesday")
    await chat.press("09:30")
    await chat.press("Yes, move it")
    assert "Done: your visit is now" in chat.text
    assert await _reminders(core) == []  # Monday's are gone
    clock.set(hanoi(MONDAY, "12:00").astimezone(UTC))  # Wednesday comes into view
    await plan_now(core)
    day, soon = await _reminders(core)
    wednesday = MONDAY + timedelta(days=2)
    assert day.due_at == hanoi(wednesday - timedelta(days=1), "17:00")
    assert soon.due_at == hanoi(wednesday, "07:30")
    assert {r.status for r in await _reminders(core)} == {"pending"}


async def test_reminders_turned_off_in_settings_are_not_queued(core, clock):
    chat, _booking = await _booked(core)
    channel = attach(core, clock)
    await plan_now(core)
    await chat.say("/settings")
    assert "Reminders: on" in chat.text
    await chat.press("Reminders")
    await chat.press("Turn reminders off")
    assert "reminders are off" in chat.text
    assert await _reminders(core) == []
    await _run_at(core, clock, hanoi(SUNDAY, "17:00"))
    assert channel.sent == []
    await chat.press("Reminders")
    await chat.press("Turn reminders on")
    assert [r.due_at for r in await _reminders(core)] == [
        hanoi(SUNDAY, "17:00"),
        hanoi(MONDAY, "09:00"),
    ]


async def test_ill_come_is_recorded_and_thanked_only_for_ones_own_visit(core, clock):
    chat, booking = await _booked(core)
    attach(core, clock)
    await _run_at(core, clock, hanoi(SUNDAY, "17:00"))
    stranger = Chat(core, "3003", language="en")
    await stranger.tap(f"rem:come:{booking.id}")
    assert "could not find that visit" in stranger.text
    assert await rows_of(core, VisitConfirmation) == []

    await chat.tap(f"rem:come:{booking.id}")
    # The reminder itself is brought up to date: the answer said, its buttons gone.
    [updated] = chat.replies
    assert updated.edit and updated.keep and updated.buttons == ()
    assert "✅ You said Nguyễn Thị Lan will come" in updated.text
    assert booking.code in updated.text
    [confirmed] = await rows_of(core, VisitConfirmation)
    assert confirmed.booking_id == booking.id
    # The next reminder no longer asks.
    channel = attach(core, clock)
    await _run_at(core, clock, hanoi(MONDAY, "09:00"))
    [(_to, replies)] = channel.replies
    assert "You told us you will come" in replies[0].text
    assert "✅ I'll come" not in [b.label for row in replies[0].buttons for b in row]


async def test_cancel_under_a_reminder_asks_first(core, clock):
    chat, booking = await _booked(core)
    channel = attach(core, clock)
    await _run_at(core, clock, hanoi(SUNDAY, "17:00"))
    [(_to, replies)] = channel.replies
    cancel = next(b for row in replies[0].buttons for b in row if "Cancel" in b.label)
    await chat.tap(cancel.payload)  # a button of an older message
    assert "Cancel the visit" in chat.text
    await chat.press("Yes, cancel it")
    assert "is cancelled" in chat.text
