"""One input boundary: ids in payloads read by one function, text cleaned where it enters, the
webhook's bodies refused with a plain 4xx (never a 500), and group chats told to write
privately."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from bot.channels.clean import clean_text
from bot.ids import INT32_MAX, parse_id, parse_ids
from bot.reminders.render import COME
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import Recorder, running_bot
from tests.test_webhook import SECRET, post, update

CHAT = 4242


def test_payload_ids_are_ascii_digits_that_fit_the_column():
    assert parse_id("42") == 42
    assert parse_id(str(INT32_MAX)) == INT32_MAX
    for forged in ("", "0", "-1", "+1", " 1", "1 ", "²", "٣", "１２", "12345678901", "1e3", None):
        assert parse_id(forged) is None, forged
    assert parse_id(str(INT32_MAX + 1)) is None
    assert parse_id("0", low=0) == 0
    assert parse_ids("3:4", 2) == [3, 4]
    assert parse_ids("3:²", 2) is None and parse_ids("3", 2) is None


def test_text_is_cleaned_and_put_in_nfc():
    decomposed = "Nguye\u0302\u0303n"  # "Nguyễn" as e + circumflex + tilde
    assert clean_text(decomposed) == "Nguyễn"
    assert clean_text("Lan\x00\ud800 0912") == "Lan 0912"
    assert clean_text("dòng 1\ndòng 2\tx") == "dòng 1\ndòng 2\tx"


@pytest.fixture
async def fake():
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def polling_bot(config, clock, fake):
    async with running_bot(config, clock, fake) as bot:
        yield bot


@pytest.mark.both_databases
async def test_nul_and_lone_surrogates_never_reach_the_database(polling_bot, fake):
    seen = Recorder(polling_bot.channel.core)
    fake.push_text(CHAT, "đăng ký\x00 khai sinh\ud83d")
    await fake.wait_for("sendMessage")
    [msg] = seen.seen
    assert msg.text == "đăng ký khai sinh"


@pytest.mark.both_databases
async def test_a_forged_id_past_int32_is_refused_like_any_forged_payload(polling_bot, fake):
    fake.push_text(CHAT, "/menu")
    [menu] = await fake.wait_for("sendMessage")
    fake.push_callback(CHAT, menu.result["message_id"], COME + "99999999999")
    fake.push_callback(CHAT, menu.result["message_id"], COME + "²")
    await fake.wait_for("answerCallbackQuery", 2)
    await fake.wait_for("sendMessage", 3)  # the menu, then one refusal per press (paced)
    texts = [c.payload.get("text", "") for c in fake.calls if "text" in c.payload]
    assert len(texts) >= 3, texts
    assert not any("hệ thống vừa gặp lỗi" in t for t in texts), texts


async def test_a_button_press_without_an_id_is_not_answered_with_none(polling_bot, fake):
    fake.push({"callback_query": {"from": fake.user(CHAT), "data": "menu", "chat_instance": "x"}})
    fake.push_text(CHAT, "/menu")
    await fake.wait_for("sendMessage")
    assert all(c.payload.get("callback_query_id") != "None" for c in fake.calls)


async def test_in_a_group_only_a_command_for_the_bot_is_answered_asking_for_a_private_chat(
    polling_bot, fake
):
    group = {"id": -100123, "type": "supergroup", "title": "Tổ dân phố 5"}

    def in_group(text: str, message_id: int) -> None:
        message = {
            "message_id": message_id,
            "date": 1767225600,
            "chat": group,
            "from": fake.user(CHAT),
            "text": text,
        }
        fake.push({"message": message}, -100123)

    in_group("chào cả nhà, số tôi 0912345678", 1)
    in_group("/start@some_other_bot", 2)
    in_group("/start@trolyso_test_bot", 3)
    [answer] = await fake.wait_for("sendMessage")
    await asyncio.sleep(0.2)
    assert len(fake.calls_to("sendMessage")) == 1
    assert answer.payload["chat_id"] == -100123
    assert "nhắn riêng" in answer.payload["text"]
    [[button]] = answer.payload["reply_markup"]["inline_keyboard"]
    assert button["url"] == "https://t.me/trolyso_test_bot"


@pytest.fixture
async def hook(config, clock, fake):
    async with running_bot(
        config,
        clock,
        fake,
        webhook=True,
        webhook__secret_token=SECRET,
        webhook__listen_host="127.0.0.1",
        webhook__max_body_bytes=65536,
    ) as bot:
        yield bot


async def _raw_post(port: int, headers: bytes, body: bytes) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /telegram HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + headers
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    writer.close()
    return status


async def test_webhook_bodies_get_a_plain_4xx_never_a_500(hook, fake):
    port = hook.server.port
    body = json.dumps(update(1)).encode()
    assert await _raw_post(port, b"X-Telegram-Bot-Api-Secret-Token: \xff\xfe\r\n", body) == 403
    async with aiohttp.ClientSession() as http:
        assert await post(http, hook, b"[" * 30_000 + b"]" * 30_000) == 400
        assert await post(http, hook, b"\xff\xfe{}") == 400
        url = f"http://127.0.0.1:{port}/telegram"
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "text/plain"}
        async with http.post(url, data=body, headers=headers) as response:
            assert response.status == 415
    assert not fake.calls_to("sendMessage")
