"""A reader who is still stuck at the end of a guide can book help in person."""

from __future__ import annotations

from tests.chat import Chat


async def test_still_stuck_at_the_end_of_a_guide_opens_booking(core):
    chat = Chat(core)
    await chat.say("/menu")
    await chat.tap("g:o:ihanoi-track")
    await chat.press("Bắt đầu")
    for _ in range(20):
        if "🙋 Vẫn chưa làm được? Đặt lịch hỗ trợ" in chat.labels:
            break
        await chat.press("Xong" if "✅ Xong" in chat.labels else "Tiếp theo")
    await chat.press("Đặt lịch hỗ trợ")
    assert "cho người thân" in chat.text.lower() or any(
        "người thân" in label.lower() for label in chat.labels
    )
