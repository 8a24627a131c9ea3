"""Replies fitted to what a channel can show: long texts split, rows wrapped, labels
shortened, long button lists paged behind a working "More…", and what a channel cannot send
turned into text — through the real core, on a channel with a tight (Zalo-like) profile."""

from __future__ import annotations

import pytest

from bot.channels.adapt import MORE, adapt, shorten, violations
from bot.channels.profiles import TELEGRAM, ZALO_LIKE, Capabilities, Profile
from bot.types import Button, ButtonKind, Document, Location, Reply, rows
from tests.chat import Chat

TIGHT = "tight"


@pytest.fixture
def tight(core) -> Chat:
    core.profiles[TIGHT] = Profile(TIGHT, ZALO_LIKE)
    return Chat(core, channel=TIGHT)


async def test_the_menu_is_paged_and_more_shows_the_rest_that_then_work(tight):
    await tight.say("/menu")
    assert len(tight.buttons) == 5 and tight.buttons[-1].payload == f"{MORE}1"
    assert tight.labels[-1] == "Thêm…"
    first_page = tight.labels[:4]
    assert all(len(label) <= 20 for label in tight.labels)
    await tight.press("Thêm…")
    assert "Thêm lựa chọn" in tight.text
    second_page = tight.labels
    assert not set(first_page) & set(second_page)
    assert any("Ngôn ngữ" in label for label in second_page)
    # A button of the second page works ...
    await tight.press("Ngôn ngữ")
    assert {"Tiếng Việt", "English"} <= set(tight.labels)


async def test_a_first_page_button_still_works_after_more(tight):
    await tight.say("/menu")
    guides = tight.button("Hướng dẫn")
    await tight.press("Thêm…")
    await tight.tap(guides.payload)
    assert "đã hết hiệu lực" not in tight.text
    assert tight.buttons, "the guides' topics"


async def test_a_forged_more_is_refused_like_any_stale_button(tight):
    await tight.say("/menu")
    await tight.tap(f"{MORE}7")
    assert "Thêm lựa chọn" not in tight.text
    await tight.tap(f"{MORE}x")
    assert "Thêm lựa chọn" not in tight.text


async def test_on_telegram_and_the_terminal_the_menu_is_one_message(core):
    for channel in ("telegram", "terminal"):
        chat = Chat(core, user_id=f"u-{channel}", channel=channel)
        await chat.say("/menu")
        assert not any(b.payload.startswith(MORE) for b in chat.buttons)
        assert len(chat.buttons) >= 8


def _buttons(n: int) -> tuple[tuple[Button, ...], ...]:
    return rows(*(Button(f"Choice number {i}", f"c:{i}") for i in range(n)))


def test_twelve_buttons_become_three_pages_on_a_five_button_channel():
    fitted = adapt([Reply(text="Pick", buttons=_buttons(12))], ZALO_LIKE)
    assert [b.payload for row in fitted.replies[0].buttons for b in row] == [
        "c:0",
        "c:1",
        "c:2",
        "c:3",
        f"{MORE}1",
    ]
    assert [[raw[1] for raw in p] for p in fitted.pages] == [
        ["c:4", "c:5", "c:6", "c:7"],
        ["c:8", "c:9", "c:10", "c:11"],
    ]
    assert not violations(fitted.replies, ZALO_LIKE)


def test_rows_are_wrapped_and_labels_shortened():
    wide = ((Button("🙋 Still stuck? Book a visit", "book"), Button("No", "no")),)
    fitted = adapt([Reply(text="?", buttons=wide)], ZALO_LIKE)
    assert [[b.label for b in row] for row in fitted.replies[0].buttons] == [
        ["Still stuck? Book a…"],
        ["No"],
    ]
    assert shorten("📅 Book a visit", 20) == "📅 Book a visit"
    assert shorten("🗓 Đặt lịch cho người thân", 20) == "Đặt lịch cho người…"
    assert len(shorten("x" * 50, 20)) == 20


def test_a_long_text_is_split_with_the_buttons_under_the_last_part():
    text = "\n\n".join(f"Đoạn văn số {i}. " * 20 for i in range(10))
    fitted = adapt([Reply(text=text, buttons=_buttons(2))], ZALO_LIKE)
    assert len(fitted.replies) > 1
    assert all(len(r.text or "") <= ZALO_LIKE.max_text for r in fitted.replies)
    assert not any(r.buttons for r in fitted.replies[:-1]) and fitted.replies[-1].buttons
    assert "".join((r.text or "").replace("\n", "") for r in fitted.replies).replace(
        " ", ""
    ) == text.replace("\n", "").replace(" ", "")


def test_what_a_channel_cannot_send_becomes_text():
    caps = Capabilities(documents=False, locations=False, request_contact=False)
    reply = Reply(
        text="Đã đặt.",
        document=Document("lich.ics", b"x", caption="Lịch hẹn"),
        location=Location(21.03, 105.85, title="Điểm hỗ trợ", address="1 Tràng Tiền"),
        buttons=rows(
            Button("Gửi số điện thoại", kind=ButtonKind.REQUEST_CONTACT), Button("OK", "ok")
        ),
    )
    fitted = adapt([reply], caps).replies[0]
    assert fitted.document is None and fitted.location is None
    assert "Lịch hẹn" in (fitted.text or "") and "1 Tràng Tiền" in (fitted.text or "")
    assert "21.030000,105.850000" in (fitted.text or "")
    assert fitted.payloads() == ["ok"]
    assert not violations([fitted], caps)


def test_a_payload_too_long_for_the_channel_is_a_feature_bug():
    reply = Reply(text="?", buttons=rows(Button("x", "p" * 65)))
    assert violations([reply], TELEGRAM)
    with pytest.raises(ValueError, match="64 bytes"):
        adapt([reply], TELEGRAM)


def test_replies_that_fit_are_returned_as_they_are():
    replies = [Reply(text="Hello", buttons=_buttons(3))]
    assert adapt(replies, TELEGRAM).replies is replies
