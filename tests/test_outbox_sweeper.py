"""The outbox sweeper: due messages go out once, within the channel's limits; a 429 pauses the
channel, a blocked user gets nothing more, other errors are retried then failed; stopping,
crashing and restarting lose nothing and send nothing twice (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot import app
from bot.channels.errors import RateLimited, RecipientUnreachable, Rejected, SendError
from bot.db.booking_models import OutboxMessage
from bot.db.models import User
from bot.outbox import channels, reach, runtime, store
from bot.outbox.sweeper import sweep_once, sweeper
from tests.outbox_helpers import add_user, attach, queue, rows

pytestmark = pytest.mark.both_databases


async def test_due_messages_are_sent_once_and_later_ones_wait(core, clock):
    channel = attach(core, clock)
    first = await queue(core, "11", "first")
    second = await queue(core, "12", "second")
    later = await queue(core, "13", "tomorrow", due_in=timedelta(days=1))

    result = await sweep_once(core)
    assert (result.claimed, result.sent) == (2, 2)
    assert sorted(text for _c, text, _at in channel.sent) == ["first", "second"]
    stored = await rows(core)
    assert stored[first].status == stored[second].status == "sent"
    assert stored[first].sent_at == clock.now()
    assert stored[later].status == "pending"

    assert (await sweep_once(core)).claimed == 0  # nothing is sent twice
    clock.advance(days=1)
    await sweep_once(core)
    assert [text for _c, text, _at in channel.sent][-1] == "tomorrow"
    assert channel.per_chat() == {"11": 1, "12": 1, "13": 1}


async def test_notices_about_a_visit_go_before_a_broadcast(core, clock):
    channel = attach(core, clock)
    for i in range(3):
        await queue(core, f"b{i}", "news", priority=90)
    await queue(core, "r1", "your visit", priority=10)
    await sweep_once(core)
    assert channel.sent[0][1] == "your visit"


async def test_too_many_requests_pauses_the_channel_and_the_message_waits(core, clock):
    channel = attach(core, clock)
    row_id = await queue(core, "21", "hello")
    channel.fail["21"] = [RateLimited(5)]

    result = await sweep_once(core)
    assert (result.rate_limited, result.sent, result.put_back) == (1, 0, 1)
    row = (await rows(core))[row_id]
    assert (row.status, row.attempts) == ("pending", 0)  # not the message's fault
    assert row.due_at == clock.now() + timedelta(seconds=5)

    await queue(core, "22", "another")
    assert (await sweep_once(core)).claimed == 0  # the whole channel waits
    clock.advance(seconds=5)
    assert (await sweep_once(core)).sent == 2
    assert channel.per_chat() == {"21": 1, "22": 1}


async def test_a_user_who_blocked_the_bot_is_marked_and_gets_nothing_more(core, clock):
    channel = attach(core, clock)
    user = await add_user(core, "31")
    ids = [
        await queue(core, "31", f"m{i}", user_id=user, due_in=timedelta(minutes=i))
        for i in range(3)
    ]
    channel.fail["31"] = [RecipientUnreachable("Forbidden: bot was blocked by the user")]

    result = await sweep_once(core)
    assert result.unreachable == 3  # the one tried and the two still waiting
    assert {r.status for r in (await rows(core)).values()} == {"failed"}
    assert {(await rows(core))[i].last_error for i in ids} == {"unreachable"}

    clock.advance(minutes=5)
    new = await queue(core, "31", "news", user_id=user)
    result = await sweep_once(core)
    assert (result.unreachable, result.sent) == (1, 0)
    assert (await rows(core))[new].status == "failed"
    assert channel.sent == []
    async with core.db.transaction() as session:
        assert await session.scalar(select(reach.unreachable(User.id)).where(User.id == user))

    # They write to the bot again: reachable once more.
    clock.advance(hours=2)
    async with core.db.transaction() as session:
        await session.execute(update(User).where(User.id == user).values(last_seen_at=clock.now()))
    await queue(core, "31", "welcome back", user_id=user)
    assert (await sweep_once(core)).sent == 1


async def test_network_trouble_is_retried_with_a_growing_wait_then_failed(core, clock):
    channel = attach(core, clock)
    row_id = await queue(core, "41")
    channel.fail_all = SendError("Timed out talking to +84912345678 chat 123456789")
    waits = []
    for _ in range(4):
        before = clock.now()
        assert (await sweep_once(core)).retried == 1
        row = (await rows(core))[row_id]
        waits.append(row.due_at - before)
        clock.set(row.due_at)
    assert waits == [timedelta(seconds=30 * 2**i) for i in range(4)]

    result = await sweep_once(core)  # the fifth try (outbox.max_attempts)
    assert result.failed == 1
    row = (await rows(core))[row_id]
    assert row.status == "failed"
    assert row.last_error.startswith("gave up after 5 tries: SendError")
    assert "912345678" not in row.last_error and "123456789" not in row.last_error
    clock.advance(days=1)
    assert (await sweep_once(core)).claimed == 0


async def test_a_message_the_messenger_rejects_fails_at_once(core, clock):
    channel = attach(core, clock)
    row_id = await queue(core, "51")
    channel.fail["51"] = [Rejected("Bad Request: message is too long")]
    assert (await sweep_once(core)).failed == 1
    row = (await rows(core))[row_id]
    assert (row.status, row.attempts) == ("failed", 1)
    assert "too long" in row.last_error


async def test_rows_left_sending_by_a_killed_process_are_sent_after_their_lease(core, clock):
    channel = attach(core, clock)
    row_id = await queue(core, "61")
    lease = clock.now() + timedelta(seconds=core.config.outbox.lease_seconds)
    async with core.db.transaction() as session:  # a process claims it, then dies
        [claimed] = await store.claim(session, ["test"], clock.now(), 10, lease)
    assert claimed.status == "sending"

    assert (await sweep_once(core)).claimed == 0  # its lease still holds
    clock.set(lease)
    assert (await sweep_once(core)).sent == 1
    row = (await rows(core))[row_id]
    assert (row.status, row.attempts) == ("sent", 2)
    async with core.db.transaction() as session:  # the dead process's late mark is refused
        assert not await store.mark_sent(session, claimed, clock.now())
    assert channel.per_chat() == {"61": 1}


async def test_stopping_mid_batch_gives_the_unsent_rows_back(core, clock):
    channel = attach(core, clock)
    for i in range(6):
        await queue(core, f"7{i}")
    stop = asyncio.Event()

    async def stop_after_first(core_, row):
        stop.set()

    runtime.on_sent(core, stop_after_first)
    result = await sweep_once(core, stop=stop)
    assert 1 <= result.sent < 6
    assert result.sent + result.put_back == 6
    waiting = [r for r in (await rows(core)).values() if r.status == "pending"]
    assert len(waiting) == result.put_back and all(r.attempts == 0 for r in waiting)

    await sweep_once(core)
    assert channel.per_chat() == {f"7{i}": 1 for i in range(6)}


async def test_a_restart_sends_nothing_twice(config, clock):
    core = await app.start(config, clock=clock)
    try:
        attach(core, clock)
        for i in range(3):
            await queue(core, f"8{i}")
        assert (await sweep_once(core)).sent == 3
    finally:
        await core.close()
    core = await app.start(config, clock=clock, upgrade=False)
    try:
        channel = attach(core, clock)
        await queue(core, "89", "after the restart")
        await sweep_once(core)
        assert [text for _c, text, _at in channel.sent] == ["after the restart"]
    finally:
        await core.close()


async def test_two_sweepers_on_one_database_never_send_a_row_twice(config, clock):
    first = await app.start(config, clock=clock)
    second = await app.start(config, clock=clock, upgrade=False)
    try:
        a, b = attach(first, clock), attach(second, clock)
        for i in range(150):
            await queue(first, f"9{i:03}", priority=i % 3)
        for _ in range(10):
            results = await asyncio.gather(sweep_once(first), sweep_once(second))
            if not any(r.claimed for r in results):
                break
        total = a.per_chat() + b.per_chat()
        assert len(total) == 150 and set(total.values()) == {1}
    finally:
        await first.close()
        await second.close()


async def test_hooks_count_sent_messages_and_a_last_check_can_skip_one(core, clock):
    channel = attach(core, clock)
    keep = await queue(core, "a1", kind="broadcast")
    drop = await queue(core, "a2", kind="broadcast")
    other = await queue(core, "a3", kind="notice")
    sent, finished = [], []
    runtime.on_sent(core, lambda core_, row: sent.append(row.id))
    runtime.on_finished(core, lambda core_, row: finished.append((row.id, row.status)))

    async def news_off(session, batch, core_):
        return {row.id: "news turned off" for row in batch if row.chat_id == "a2"}

    runtime.before_send(core, "broadcast", news_off)
    result = await sweep_once(core)
    assert (result.sent, result.skipped) == (2, 1)
    assert sorted(sent) == sorted([keep, other])
    assert sorted(finished) == sorted([(keep, "sent"), (drop, "skipped"), (other, "sent")])
    assert (await rows(core))[drop].last_error == "news turned off"
    assert set(channel.per_chat()) == {"a1", "a3"}


async def test_the_periodic_job_drains_a_backlog_and_stops_cleanly(core, clock):
    channel = attach(core, clock)
    for i in range(250):  # more than one batch of an unlimited channel
        await queue(core, f"c{i}")
    runner = sweeper(core)
    await runner.tick()
    await runner._task
    assert len(channel.per_chat()) == 250 and set(channel.per_chat().values()) == {1}
    await channels.unregister(channel)
    assert runtime.outbox(core).channels == {}


async def test_only_one_process_sweeps_a_postgresql_database(config, clock):
    first = await app.start(config, clock=clock)
    second = await app.start(config, clock=clock, upgrade=False)
    try:
        one, two = sweeper(first), sweeper(second)
        assert await one.leader.hold()
        assert await two.leader.hold() is first.db.is_sqlite  # SQLite: one process anyway
        await one.leader.release()
        assert await two.leader.hold()
        await two.leader.release()
    finally:
        await first.close()
        await second.close()


async def test_rows_claimed_stay_with_their_claim(core, clock):
    """A claim's token is its attempt number: a second claim of the same row cannot happen
    while the first holds it."""
    attach(core, clock)
    await queue(core, "d1")
    lease = clock.now() + timedelta(minutes=2)
    async with core.db.transaction() as session:
        first = await store.claim(session, ["test"], clock.now(), 10, lease)
    async with core.db.transaction() as session:
        again = await store.claim(session, ["test"], clock.now(), 10, lease)
    assert len(first) == 1 and again == []
    async with core.db.transaction() as session:
        count = await session.scalar(select(OutboxMessage.attempts))
    assert count == 1
