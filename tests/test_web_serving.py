"""Where the officer pages are served: on the webhook's own server in webhook mode (one
address for Telegram and the officers), and the link the bot sends through Telegram opens
them there."""

from __future__ import annotations

import json

import aiohttp

from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import running_bot
from tests.web_client import link_in

SECRET = "s3cret_Token-42"


def command(update_id: int, text: str, chat_id: int = 42) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1767225600,
            "text": text,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Lan", "language_code": "en"},
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def test_in_webhook_mode_the_pages_share_the_webhooks_server(config, clock):
    async with (
        FakeTelegram() as fake,
        running_bot(
            config,
            clock,
            fake,
            webhook=True,
            webhook__secret_token=SECRET,
            webhook__listen_host="127.0.0.1",
            officers__admins=["42"],
        ) as bot,
        aiohttp.ClientSession() as http,
    ):
        base = f"http://127.0.0.1:{bot.server.port}"
        async with http.post(
            base + "/telegram",
            data=json.dumps(command(1, "/web")),
            headers={
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": SECRET,
            },
        ) as response:
            assert response.status == 200
        [sent] = await fake.wait_for("sendMessage", 1)
        link = link_in(sent.payload["text"])
        path = link.removeprefix(config.web.public_url)
        async with http.get(base + path) as page:
            assert page.status == 200
            assert "Log in" in await page.text()
        async with http.get(base + "/healthz") as health:
            assert health.status == 200
