"""Per-chat order: one chat's messages are handled and answered strictly in order, while other
chats are served at the same time — also when only two updates may be processed at once."""

from __future__ import annotations

import pytest

from bot.types import Reply
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import running_bot

SLOW, OTHERS = 100, (200, 300)


@pytest.fixture
async def fake():
    async with FakeTelegram() as fake:
        yield fake


async def test_one_chats_messages_are_answered_in_order_while_other_chats_go_on(
    config, clock, fake
):
    handled: list[tuple[str, str]] = []

    async def number(msg, ctx):
        handled.append((msg.chat_id, msg.command_args))
        return [Reply(text=f"#{msg.command_args}")]

    async with running_bot(
        config,
        clock,
        fake,
        channels__telegram__max_concurrent_updates=2,
        # Ordering, not pacing: 50 answers to one chat at Telegram's pace would take a minute.
        channels__telegram__per_chat_per_second=100,
    ) as bot:
        bot.channel.core.router.command("n", number)
        # Telegram is slow for this one chat: its first answer hangs until we let it go.
        release = fake.hold(SLOW)
        for i in range(1, 51):
            fake.push_text(SLOW, f"/n {i}")
        for chat in OTHERS:
            for i in range(1, 4):
                fake.push_text(chat, f"/n {i}")

        for chat in OTHERS:
            replies = await fake.wait_for("sendMessage", 3, chat_id=chat)
            assert [c.payload["text"] for c in replies] == ["#1", "#2", "#3"]
        slow_so_far = [n for chat, n in handled if chat == str(SLOW)]
        assert slow_so_far == ["1"], "the slow chat's next message waits for its answer"

        release.set()
        replies = await fake.wait_for("sendMessage", 50, chat_id=SLOW)
    assert [c.payload["text"] for c in replies] == [f"#{i}" for i in range(1, 51)]
    assert [n for chat, n in handled if chat == str(SLOW)] == [str(i) for i in range(1, 51)]
