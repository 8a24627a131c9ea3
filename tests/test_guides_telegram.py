"""Reading a guide over Telegram: the real PTB bot against the fake Bot API, asserting the
payloads that went over the wire (each step a new message, buttons under the newest)."""

from __future__ import annotations

import pytest

from tests.fake_telegram import FakeTelegram
from tests.guide_tree import make_tree
from tests.telegram_harness import running_bot

CHAT = 42


@pytest.fixture
async def fake():
    async with FakeTelegram() as fake:
        yield fake


def keyboard(call) -> list[tuple[str, str]]:
    rows = call.payload["reply_markup"]["inline_keyboard"]
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


async def test_a_guide_read_over_telegram_sends_each_step_as_a_new_message(
    config, clock, fake, tmp_path
):
    content = make_tree(tmp_path)
    async with running_bot(config, clock, fake, paths__content=str(content)):
        sent = 0

        async def press(message, data: str):
            nonlocal sent
            fake.push_callback(CHAT, message.result["message_id"], data)
            sent += 1
            return (await fake.wait_for("sendMessage", sent))[-1]

        fake.push_text(CHAT, "/menu")
        sent += 1
        menu = (await fake.wait_for("sendMessage", sent))[-1]
        assert ("📖 Hướng dẫn", "g:m") in keyboard(menu)
        topics = await press(menu, "g:m")
        assert keyboard(topics)[:2] == [
            ("Cổng Dịch vụ công", "g:c:dvc"),
            ("An toàn trên mạng", "g:c:safety"),
        ]
        guides = await press(topics, "g:c:dvc")
        summary = await press(guides, keyboard(guides)[0][1])
        assert summary.payload["text"].startswith("📖 Đăng nhập Dịch vụ công (dvc-login)")
        step = await press(summary, "g:s:dvc-login")
        assert step.payload["text"] == "Bước 1/3 · Mở trang\n\nMở trang dichvucong.gov.vn."
        assert keyboard(step)[0] == ("Tiếp theo ➡️", "g:n:dvc-login:open-site")
        for _ in range(2):
            step = await press(step, keyboard(step)[0][1])
        end = await press(step, keyboard(step)[0][1])
        assert "Phiên bản hướng dẫn 1, cập nhật ngày 28/11/2026." in end.payload["text"]
        thanks = await press(end, "g:y:dvc-login:1")
        assert thanks.payload["text"].startswith("Xin cảm ơn!")

    assert fake.calls_to("editMessageText") == [], "guide messages are never overwritten"
    for call in fake.calls_to("sendMessage"):
        for _label, data in keyboard(call):
            assert len(data.encode()) <= 64
