"""Capacity never overbooks, on SQLite and PostgreSQL; seats held for priority visitors open to
everyone 24 hours before the slot."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot import app
from bot.booking import jobs, queries, service
from bot.db.booking_models import Booking, BookingDraft, OutboxMessage, Slot, WaitlistEntry
from bot.db.models import ConversationState, User
from bot.types import Incoming
from tests.booking_flow import (
    MONDAY,
    book_for_parent,
    point,
    rows_of,
    sample_places,
    slot_at,
    use_places,
    user_id_of,
)
from tests.chat import Chat

# Seats are storage behaviour: every test here runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases
ATTEMPTS = 200
SEATS = 10


async def _clone_summary_step(core, template: Chat, count: int) -> list[str]:
    """`count` users, each with the template's filled-in form waiting for "Confirm"."""
    template_id = await user_id_of(core, template)
    (draft,) = await rows_of(core, BookingDraft, BookingDraft.user_id == template_id)
    (state,) = await rows_of(
        core, ConversationState, ConversationState.user_id == template.user_id
    )
    now = core.clock.now()
    ids = [f"u{i}" for i in range(count)]
    async with core.db.transaction() as session:
        users = [
            User(channel="test", external_id=i, locale="en", created_at=now, last_seen_at=now)
            for i in ids
        ]
        session.add_all(users)
        await session.flush()
        for user in users:
            session.add(BookingDraft(user_id=user.id, data=dict(draft.data), updated_at=now))
            session.add(
                ConversationState(
                    channel="test",
                    chat_id=user.external_id,
                    user_id=user.external_id,
                    name=state.name,
                    data={},
                    offered=list(state.offered),
                    updated_at=now,
                )
            )
    return ids


async def test_200_people_confirming_one_10_seat_slot_at_once_get_exactly_10_bookings(core):
    await use_places(core, sample_places(point("hk-1", "hoan-kiem", seats=SEATS, priority=0)))
    template = Chat(core, user_id="template", language="en")
    await book_for_parent(template, confirm=False)
    users = await _clone_summary_step(core, template, ATTEMPTS)

    async def confirm(user: str):
        return await core.handle(
            Incoming(
                channel="test",
                chat_id=user,
                user_id=user,
                payload="bk:confirm",
                language_hint="en",
            )
        )

    answers = await asyncio.gather(*(confirm(u) for u in users))

    texts = ["\n".join(r.text or "" for r in replies) for replies in answers]
    booked = [t for t in texts if "Your booking code is" in t]
    offered = [
        replies
        for replies in answers
        if {"bk:wait", "bk:other"} <= {p for r in replies for p in r.payloads()}
    ]
    assert len(booked) == SEATS
    assert len(offered) == ATTEMPTS - SEATS
    slot = await slot_at(core, "hk-1", MONDAY, "08:30")
    assert slot.booked == SEATS
    assert len(await rows_of(core, Booking, Booking.slot_id == slot.id)) == SEATS


async def _book(core, slot_id: int, user: str, *, priority: bool) -> Booking | None:
    async with core.db.transaction() as session:
        people = User(
            channel="test",
            external_id=user,
            created_at=core.clock.now(),
            last_seen_at=core.clock.now(),
        )
        session.add(people)
        await session.flush()
        details = service.Details(
            for_self=True,
            name="Trần Văn Bình",
            phone="+84912345678",
            help_topic="vneid",
            priority=["aged60"] if priority else [],
            consent=True,
        )
        return await service.book(
            session,
            slot_id,
            service.Booker(people.id, "test", user, "en"),
            details,
            core.clock.now(),
        )


async def test_held_priority_seats_stay_free_for_priority_visitors_until_24_hours_before(
    core, clock
):
    await use_places(core, sample_places(point("hk-1", "hoan-kiem", seats=3, priority=1)))
    slot = await slot_at(core, "hk-1", MONDAY, "08:00")

    assert await _book(core, slot.id, "a", priority=False)
    assert await _book(core, slot.id, "b", priority=False)
    assert await _book(core, slot.id, "c", priority=False) is None  # the third seat is held
    assert await _book(core, slot.id, "d", priority=True)  # ... for this visitor
    assert (await slot_at(core, "hk-1", MONDAY, "08:00")).booked == 3


async def test_held_seats_open_to_everyone_24_hours_before_and_go_to_people_waiting(core, clock):
    await use_places(core, sample_places(point("hk-1", "hoan-kiem", seats=2, priority=1)))
    slot = await slot_at(core, "hk-1", MONDAY, "08:00")
    assert await _book(core, slot.id, "a", priority=False)
    assert await _book(core, slot.id, "b", priority=False) is None
    async with core.db.transaction() as session:
        waiter = User(
            channel="test",
            external_id="w",
            locale="en",
            created_at=clock.now(),
            last_seen_at=clock.now(),
        )
        session.add(waiter)
        await session.flush()
        details = service.Details(
            for_self=True, name="Lê Thị Hoa", phone="+84987654321", help_topic="dvc", consent=True
        )
        await service.join_waitlist(
            session, slot.id, service.Booker(waiter.id, "test", "w", "en"), details, clock.now()
        )

    assert await jobs.release_held_seats(core) == 0  # still held: nothing happens yet
    clock.set(slot.hold_until + timedelta(minutes=1))
    assert await jobs.release_held_seats(core) == 1

    assert (await slot_at(core, "hk-1", MONDAY, "08:00")).booked == 2
    (entry,) = await rows_of(core, WaitlistEntry)
    assert entry.status == "promoted" and entry.booking_id is not None
    (message,) = await rows_of(core, OutboxMessage)
    assert message.kind == "waitlist_promoted" and message.chat_id == "w"


async def test_materialising_twice_adds_each_slot_once(core):
    await use_places(core, sample_places(point("hk-1", "hoan-kiem")))
    before = len(await rows_of(core, Slot, Slot.point_id == "hk-1"))
    assert await jobs.materialise_sessions(core) == 0
    assert len(await rows_of(core, Slot, Slot.point_id == "hk-1")) == before
    # Mondays and Wednesdays over the 28-day horizon, four 30-minute slots each.
    assert before == 8 * 4


async def test_background_jobs_stop_when_the_bot_stops(config, clock):
    core = await app.start(config, clock=clock)
    scheduler = core.services["scheduler"]
    assert {job.id for job in scheduler.get_jobs()} >= {
        "booking.daily",
        "booking.release_held_seats",
    }
    await core.close()
    await asyncio.sleep(0)  # APScheduler runs its shutdown on the event loop's next turn
    assert not scheduler.running


async def test_a_point_card_can_show_the_seats_still_free_in_each_session(core):
    await use_places(core, sample_places(point("hk-1", "hoan-kiem", seats=3, priority=1)))
    slot = await slot_at(core, "hk-1", MONDAY, "08:00")
    assert await _book(core, slot.id, "a", priority=False)
    async with core.db.transaction() as session:
        free = await queries.free_seats_by_session(
            session, "hk-1", core.clock.now(), core.clock.now() + timedelta(days=3)
        )
    # Monday 08:00-10:00: four slots of 3 seats, 1 held in each, 1 taken.
    assert list(free.values()) == [4 * 2 - 1]
