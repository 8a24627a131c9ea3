"""Durable intake: an update is in the database before Telegram hears "received", is marked done
with the handler's writes, is handled after a crash, and is handled once even when it reaches
two processes."""

from __future__ import annotations

import json

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.db.inbox_models import InboxUpdate
from bot.inbox import KEEP_DONE, LEASE
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import running_bot
from tests.test_webhook import SECRET, post, update

pytestmark = pytest.mark.both_databases


@pytest.fixture
async def fake():
    async with FakeTelegram() as fake:
        yield fake


def webhook_changes() -> dict:
    return dict(
        webhook__secret_token=SECRET,
        webhook__listen_host="127.0.0.1",
        webhook__max_body_bytes=65536,
    )


async def rows(core) -> list[InboxUpdate]:
    async with core.db.transaction() as session:
        return list(
            (await session.execute(select(InboxUpdate).order_by(InboxUpdate.id))).scalars()
        )


async def test_an_update_is_stored_before_200_and_marked_done_when_handled(config, clock, fake):
    async with running_bot(config, clock, fake, webhook=True, **webhook_changes()) as bot:
        async with aiohttp.ClientSession() as http:
            assert await post(http, bot, update(501, "/menu", chat_id=77)) == 200
        await fake.wait_for("sendMessage")
        [row] = await rows(bot.channel.core)
        assert (row.channel, row.update_id) == ("telegram", "501")
        assert row.done_at is not None
        assert row.body == "", "handled: only the key is kept, not what the person wrote"


async def test_updates_accepted_before_a_crash_are_handled_at_start_in_order_once(
    config, clock, fake
):
    async with running_bot(config, clock, fake) as bot:
        core = bot.channel.core
        # As a process that died after accepting them: stored, never handled.
        bodies = [update(600 + i, text, chat_id=88) for i, text in enumerate(["/help", "/menu"])]
        await core.inbox.accept("telegram", [(str(b["update_id"]), json.dumps(b)) for b in bodies])
        assert await bot._take_over(everything=True) == 2
        first, second = await fake.wait_for("sendMessage", 2)
        assert "/cancel" in first.payload["text"], "the /help answer comes first"
        assert second.payload["reply_markup"]["inline_keyboard"], "then the menu"
        assert await bot._take_over(everything=True) == 0, "nothing is handed back twice"
        assert all(r.done_at is not None for r in await rows(core))


async def test_one_update_delivered_to_two_processes_is_answered_once(config, clock, fake):
    changes = webhook_changes()
    async with (
        running_bot(config, clock, fake, webhook=True, **changes) as one,
        running_bot(config, clock, fake, webhook=True, **changes) as two,
        aiohttp.ClientSession() as http,
    ):
        assert await post(http, one, update(700, "/menu", chat_id=99)) == 200
        assert await post(http, two, update(700, "/menu", chat_id=99)) == 200
        await fake.wait_for("sendMessage")
        assert await post(http, two, update(701, "/help", chat_id=99)) == 200
        await fake.wait_for("sendMessage", 2)
        assert len(fake.calls_to("sendMessage")) == 2
        assert len(await rows(one.channel.core)) == 2


async def test_a_lease_that_ran_out_lets_another_process_take_the_update(config, clock, fake):
    async with running_bot(config, clock, fake) as bot:
        core = bot.channel.core
        body = update(800, "/menu", chat_id=66)
        await core.inbox.accept("telegram", [("800", json.dumps(body))])
        assert await bot._take_over(everything=False) == 0, "its process may still handle it"
        clock.advance(seconds=LEASE.total_seconds() + 1)
        assert await bot._take_over(everything=False) == 1
        await fake.wait_for("sendMessage")
        # The first process now gets to it, late: it finds the update done and drops it.
        [row] = await rows(core)
        async with core.db.connection() as conn:
            assert not await core.inbox.claim(conn, row.id, clock.now())


async def test_a_failing_handler_is_not_replayed_and_done_rows_are_pruned_after_a_day(
    config, clock, fake
):
    async with running_bot(config, clock, fake) as bot:
        core = bot.channel.core

        async def broken(msg, ctx):
            raise RuntimeError("boom")

        core.router.command("/broken", broken)
        fake.push_text(55, "/broken")
        fake.push_text(55, "/menu")
        await fake.wait_for("sendMessage", 2)
        assert [r.done_at is not None for r in await rows(core)] == [True, True]
        assert await bot._take_over(everything=True) == 0
        clock.advance(seconds=KEEP_DONE.total_seconds() - 60)
        assert await core.inbox.prune() == 0
        clock.advance(seconds=120)
        assert await core.inbox.prune() == 2
        async with core.db.transaction() as session:
            assert (await session.execute(select(func.count(InboxUpdate.id)))).scalar() == 0
