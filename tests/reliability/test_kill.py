"""kill -9 while the bot works, on SQLite and PostgreSQL: during a burst of updates (counting
updates lost and handled twice) and during a broadcast (recipients missed and sent twice)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert

from bot.db import Database
from tests.fake_telegram import FakeTelegram
from tests.reliability import harness

FIRST_CHAT = 700_000


def store_of(db_url: str) -> str:
    return "SQLite" if db_url.startswith("sqlite") else "PostgreSQL"


async def test_kill_9_during_an_update_burst_loses_nothing(db_url, tmp_path):
    count, chats = harness.scale(240, 2000), 40
    async with FakeTelegram() as fake:
        for i in range(count):
            fake.push_text(FIRST_CHAT + i % chats, harness.question(i))
        # PostgreSQL: the restarted process takes over what the killed one held once its
        # lease runs out.
        bot = harness.BotProcess(fake, db_url, tmp_path, "burst", TROLYSO_INBOX_LEASE_SECONDS="3")
        await bot.start()
        started = await harness.until(
            lambda: len(fake.calls_to("sendMessage")) >= count // 3, within=120, every=0.02
        )
        bot.kill()
        await bot.proc.wait()
        assert started, "the bot never answered"
        replies_at_kill = len(fake.calls_to("sendMessage"))
        in_flight = await harness.undone(db_url)
        await bot.start()

        async def all_handled() -> bool:
            return len(await harness.stored_tags(db_url)) >= count

        await harness.until(all_handled, within=180, every=0.5)
        await harness.until(lambda: not fake._updates, within=30)
        assert await bot.stop() == 0
    stored = await harness.stored_tags(db_url)
    lost = sum(1 for i in range(count) if harness.tag(i) not in stored)
    handled_twice = sum(n - 1 for n in stored.values())
    replies = len(fake.calls_to("sendMessage"))
    harness.record(
        "kill -9 during an update burst",
        store_of(db_url),
        updates=count,
        killed_after_replies=replies_at_kill,
        in_flight_at_kill=in_flight,
        updates_lost=lost,
        handled_twice=handled_twice,
        replies=replies,
        replies_missing=max(0, count - replies),
    )
    assert lost == 0 and handled_twice == 0
    assert max(0, count - replies) <= max(in_flight, 0), "only replies in flight may be lost"


async def _recipients(db_url: str, count: int) -> None:
    """Migrated database with `count` users who once wrote, and a broadcast's outbox rows."""
    from bot.db.booking_models import OutboxMessage
    from bot.db.models import User

    db = Database(db_url)
    try:
        await db.upgrade()
        now = datetime.now(UTC)
        async with db.transaction() as session:
            ids = (
                await session.scalars(
                    insert(User).returning(User.id),
                    [
                        dict(
                            channel="telegram",
                            external_id=str(FIRST_CHAT + i),
                            locale="vi",
                            created_at=now,
                            last_seen_at=now,
                        )
                        for i in range(count)
                    ],
                )
            ).all()
            await session.execute(
                insert(OutboxMessage),
                [
                    dict(
                        recipient_user_id=user_id,
                        channel="telegram",
                        chat_id=str(FIRST_CHAT + i),
                        kind="broadcast",
                        text="Thông báo: điểm hỗ trợ số phường Hoàn Kiếm mở thêm buổi sáng.",
                        buttons=[[{"label": "🏠 Menu", "payload": "menu"}]],
                        priority=90,
                        due_at=now,
                        status="pending",
                        attempts=0,
                        dedupe_key=f"rel:{user_id}",
                        created_at=now,
                    )
                    for i, user_id in enumerate(ids)
                ],
            )
    finally:
        await db.close()


async def test_kill_9_during_a_broadcast_misses_no_one(db_url, tmp_path):
    count = harness.scale(300, 2000)
    await _recipients(db_url, count)
    async with FakeTelegram() as fake:
        bot = harness.BotProcess(
            fake,
            db_url,
            tmp_path,
            "broadcast",
            TROLYSO_OUTBOX_LEASE_SECONDS="10",
            TROLYSO_CHANNELS_TELEGRAM_PER_SECOND="300",
            TROLYSO_OUTBOX_SWEEP_EVERY_SECONDS="0.5",
        )
        await bot.start()

        def reached() -> int:
            return len({c.payload["chat_id"] for c in fake.calls_to("sendMessage")})

        started = await harness.until(lambda: reached() >= count // 2, within=120, every=0.02)
        bot.kill()
        await bot.proc.wait()
        assert started, "the broadcast never started"
        at_kill = reached()
        await bot.start()
        await harness.until(lambda: reached() >= count, within=120, every=0.5)
        assert await bot.stop() == 0
    per_chat: dict[int, int] = {}
    for call in fake.calls_to("sendMessage"):
        chat = int(call.payload["chat_id"])
        per_chat[chat] = per_chat.get(chat, 0) + 1
    missed = count - len(per_chat)
    twice = sum(n - 1 for n in per_chat.values())
    harness.record(
        "kill -9 during a broadcast",
        store_of(db_url),
        recipients=count,
        killed_after=at_kill,
        missed=missed,
        sent_twice=twice,
    )
    assert missed == 0
    assert twice <= 4, "at most the messages in flight (outbox.max_in_flight) go twice"
