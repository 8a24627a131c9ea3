"""Webhook mode: our aiohttp server in front of the real PTB Application and core; Telegram's
side is the fake Bot API server."""

from __future__ import annotations

import json

import aiohttp
import pytest

from bot.channels.telegram import TelegramBot
from bot.errors import ConfigError
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import bot_config, running_bot

SECRET = "s3cret_Token-42"
PUBLIC = "https://bot.example.org/telegram"


@pytest.fixture
async def fake():
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(config, clock, fake):
    async with running_bot(
        config,
        clock,
        fake,
        webhook=True,
        webhook__secret_token=SECRET,
        webhook__public_url=PUBLIC,
        webhook__listen_host="127.0.0.1",
        webhook__max_body_bytes=4096,
    ) as bot:
        yield bot


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


def update(update_id: int, text: str = "/menu", chat_id: int = 42) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1767225600,
            "text": text,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Lan", "language_code": "vi"},
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def post(http, bot, body, secret: str | None = SECRET, path: str = "/telegram") -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with http.post(
        f"http://127.0.0.1:{bot.server.port}{path}", data=data, headers=headers
    ) as response:
        return response.status


async def test_webhook_is_registered_with_its_secret_at_start(bot, fake):
    [call] = fake.calls_to("setWebhook")
    assert (call.payload["url"], call.payload["secret_token"]) == (PUBLIC, SECRET)
    assert not fake.calls_to("getUpdates"), "no polling in webhook mode"


async def test_webhook_refuses_requests_without_the_right_secret(bot, fake, http):
    assert await post(http, bot, update(1), secret=None) == 403
    assert await post(http, bot, update(2), secret="wrong") == 403
    assert await post(http, bot, update(3), secret=SECRET[:-1]) == 403
    assert bot.application.update_queue.empty()


async def test_webhook_refuses_bad_json_and_things_that_are_not_updates(bot, http):
    assert await post(http, bot, b"{not json") == 400
    assert await post(http, bot, [1, 2]) == 400
    assert await post(http, bot, {"hello": "world"}) == 400
    assert await post(http, bot, {"update_id": "7"}) == 400


async def test_webhook_refuses_a_body_over_the_limit(bot, http):
    assert await post(http, bot, update(1, "/menu " + "x" * 5000)) == 413


async def test_webhook_guards_path_and_method(bot, http):
    assert await post(http, bot, update(1), path="/other") == 404
    async with http.get(f"http://127.0.0.1:{bot.server.port}/telegram") as response:
        assert response.status == 405


async def test_webhook_update_is_answered_once_even_when_telegram_sends_it_twice(bot, fake, http):
    assert await post(http, bot, update(10, "/menu")) == 200
    assert await post(http, bot, update(10, "/menu")) == 200  # Telegram's retry
    assert await post(http, bot, update(11, "/help")) == 200
    first, second = await fake.wait_for("sendMessage", 2)
    assert first.payload["chat_id"] == 42
    assert first.payload["reply_markup"]["inline_keyboard"]
    assert "/cancel" in second.payload["text"], "the next update is /help's answer"
    assert len(fake.calls_to("sendMessage")) == 2


async def test_healthz_says_the_bot_is_up(bot, http):
    async with http.get(f"http://127.0.0.1:{bot.server.port}/healthz") as response:
        assert response.status == 200
        body = await response.json()
    assert body["status"] == "ok"
    assert body["mode"] == "webhook"


async def test_webhook_mode_needs_a_secret_token(config, fake, core):
    cfg = bot_config(config, fake, webhook__secret_token="")
    with pytest.raises(ConfigError, match="webhook.secret_token"):
        TelegramBot(cfg, core, webhook=True)
