"""Updates the bot reads as JSON (bot/channels/telegram_update.py): a malformed one is skipped
without taking the bot down, and the others are answered as usual."""

from __future__ import annotations

import pytest

from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import running_bot


@pytest.fixture
async def fake():
    async with FakeTelegram() as fake:
        yield fake


async def test_a_malformed_update_is_skipped_and_the_next_one_is_answered(
    config, clock, fake, caplog
):
    async with running_bot(config, clock, fake):
        fake.push(
            {
                "message": {
                    "message_id": 1,
                    "date": 1,
                    "chat": "not an object",
                    "from": {"id": 7},
                    "text": "/menu",
                }
            }
        )
        fake.push({"callback_query": {"id": "c1", "from": {"id": "seven"}, "data": "menu"}})
        fake.push_text(7, "/menu")
        [reply] = await fake.wait_for("sendMessage")
    assert reply.payload["chat_id"] == 7
    assert reply.payload["reply_markup"]["inline_keyboard"]
    [answer] = fake.calls_to("answerCallbackQuery")
    assert answer.payload["callback_query_id"] == "c1", "a button press is answered even so"
    assert not [r for r in caplog.records if r.levelname == "ERROR"], "skipped, not failed"


async def test_an_edited_message_or_a_channel_post_gets_no_reply(config, clock, fake):
    async with running_bot(config, clock, fake):
        chat = {"id": 8, "type": "private"}
        fake.push(
            {
                "edited_message": {
                    "message_id": 1,
                    "date": 1,
                    "edit_date": 2,
                    "chat": chat,
                    "from": {"id": 8, "is_bot": False, "first_name": "Lan"},
                    "text": "/menu",
                }
            }
        )
        fake.push(
            {
                "channel_post": {
                    "message_id": 2,
                    "date": 1,
                    "text": "/menu",
                    "chat": {"id": -100, "type": "channel"},
                }
            }
        )
        fake.push_text(8, "/help")
        [reply] = await fake.wait_for("sendMessage")
    assert reply.payload["chat_id"] == 8 and "/cancel" in reply.payload["text"]
