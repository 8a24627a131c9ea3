"""Finding a support point in the chat: by name, by location, from a list, from a QR link,
and the point card."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot import app
from bot.types import ButtonKind, Reply
from tests.chat import Chat


def _venue(chat: Chat):
    return next(r.location for r in chat.replies if r.location is not None)


@pytest.fixture
def no_booking(core):
    core.menus = replace(core.menus, book_at=None)


async def test_menu_offers_support_points_and_asks_where_with_a_location_button(chat):
    await chat.say("/menu")
    await chat.press("Điểm hỗ trợ")
    assert "Nơi ở thuộc phường, xã nào?" in chat.text
    assert chat.button("Gửi vị trí").kind is ButtonKind.REQUEST_LOCATION
    assert chat.button("Phường, xã có điểm hỗ trợ").payload == "pts:has"


async def test_typing_a_ward_without_diacritics_opens_its_point_card(chat, no_booking):
    await chat.tap("pts")
    await chat.say("cau giay")
    venue = _venue(chat)
    assert venue.title == "Điểm hỗ trợ số phường Cầu Giấy (mẫu)"
    assert venue.address == "Trụ sở UBND phường Cầu Giấy (địa chỉ mẫu)"
    assert abs(venue.latitude - 21.033) < 0.01 and abs(venue.longitude - 105.795) < 0.01
    card = chat.text
    assert "📌 Địa chỉ: Trụ sở UBND phường Cầu Giấy (địa chỉ mẫu)" in card
    assert "♿ Hỗ trợ tiếp cận:" in card
    assert "điểm mẫu" in card, "a sample point says so"


async def test_card_lists_next_sessions_in_hanoi_time(chat, no_booking):
    # The clock is Saturday 28 November 2026, 09:00 in Hanoi; Cầu Giấy runs Tue/Thu 08-11.
    await chat.say("/start p_cau-giay")
    assert "🗓 Các buổi sắp tới:" in chat.text
    assert "• 8:00–11:00, thứ Ba, ngày 1/12" in chat.text
    assert "• 8:00–11:00, thứ Năm, ngày 3/12" in chat.text
    assert chat.text.count(", thứ ") == 4


async def test_card_has_no_booking_button_until_booking_exists(chat, no_booking):
    await chat.say("/start p_cau-giay")
    assert not any("Đặt lịch" in label for label in chat.labels)
    assert chat.button("Tìm điểm khác") and chat.button("danh mục")


async def test_card_offers_booking_when_the_booking_feature_is_wired(chat):
    started = []

    async def start_booking_at(point_id, msg, ctx):
        started.append(point_id)
        return [Reply(text="booking " + point_id)]

    chat.core.menus = replace(chat.core.menus, book_at=start_booking_at)
    await chat.say("/start p_cau-giay")
    await chat.press("Đặt lịch ở điểm này")
    assert started == ["cau-giay"]


async def test_a_ward_with_two_points_lists_both(chat):
    await chat.tap("pts")
    await chat.say("phường hoàn kiếm")
    assert "Các điểm hỗ trợ ở Phường Hoàn Kiếm:" in chat.text
    await chat.press("điểm 2")
    assert _venue(chat).title.startswith("Điểm hỗ trợ số phường Hoàn Kiếm — điểm 2")
    assert chat.button("Điểm khác ở Phường Hoàn Kiếm")


async def test_a_typo_still_finds_the_place(chat):
    await chat.tap("pts")
    await chat.say("Ha Dongg")
    assert _venue(chat).title == "Điểm hỗ trợ số phường Hà Đông (mẫu)"


async def test_an_ambiguous_name_offers_a_choice(chat):
    await chat.tap("pts")
    await chat.say("son")
    assert "Chọn nơi nào?" in chat.text
    await chat.press("Phường Sơn Tây")
    assert _venue(chat).title == "Điểm hỗ trợ số phường Sơn Tây (mẫu)"


async def test_an_unknown_name_gets_a_kind_reply_and_the_lists(chat):
    await chat.tap("pts")
    await chat.say("Sài Gòn")
    assert "Tôi chưa tìm thấy phường, xã nào tên “Sài Gòn”" in chat.text
    assert chat.button("Tất cả phường, xã") and chat.button("danh mục")


async def test_sharing_a_location_shows_the_three_nearest_points_with_km(chat):
    await chat.tap("pts")
    await chat.share_location(21.0287, 105.8524)  # by Hoàn Kiếm lake
    assert "Các điểm hỗ trợ gần nhất:" in chat.text
    point_buttons = [b for b in chat.buttons if b.payload.startswith("pts:p:")]
    assert len(point_buttons) == 3
    assert point_buttons[0].label.startswith("0,1 km · Điểm hỗ trợ số phường Hoàn Kiếm")
    assert all(" km · " in b.label for b in point_buttons)
    await chat.press("0,1 km")
    assert _venue(chat).title == "Điểm hỗ trợ số phường Hoàn Kiếm (mẫu)"


async def test_a_ward_without_a_point_offers_the_nearest_ones(chat):
    await chat.tap("pts")
    await chat.say("thanh xuan")
    assert "Tôi chưa có điểm hỗ trợ nào của Phường Thanh Xuân" in chat.text
    assert "Các điểm gần nhất mà tôi biết:" in chat.text
    assert len([b for b in chat.buttons if b.payload.startswith("pts:p:")]) == 3


async def test_the_list_of_places_with_points_opens_a_card(chat):
    await chat.tap("pts")
    await chat.press("Phường, xã có điểm hỗ trợ")
    assert "Xã Sóc Sơn" in chat.labels and "Phường Hoàn Kiếm" in chat.labels
    await chat.press("Xã Sóc Sơn")
    assert _venue(chat).title == "Điểm hỗ trợ số xã Sóc Sơn (mẫu)"


async def test_the_a_to_z_list_is_by_first_letter_and_paged(chat):
    await chat.tap("pts")
    await chat.press("Tất cả phường, xã")
    assert {"A", "Đ", "T", "X"} <= set(chat.labels)
    await chat.press("Đ")
    assert "Phường Đống Đa 📍" in chat.labels, "places with a point are marked"
    await chat.tap("pts:l:t:0")
    assert len([b for b in chat.buttons if b.payload.startswith("pts:u:")]) == 10
    await chat.press("Tiếp")
    await chat.press("Tiếp")
    assert not any("Tiếp" in label for label in chat.labels), "the last page has no Next"
    assert chat.button("Trước")


async def test_deep_link_opens_the_points_card(chat):
    await chat.say("/start p_soc-son")
    assert _venue(chat).title == "Điểm hỗ trợ số xã Sóc Sơn (mẫu)"
    assert "Xã Sóc Sơn" in chat.text


async def test_deep_link_to_an_unknown_point_says_so_and_offers_a_search(chat):
    await chat.say("/start p_no-such-point")
    assert "Tôi không tìm thấy điểm hỗ trợ này" in chat.text
    await chat.say("dong anh")
    assert _venue(chat).title == "Điểm hỗ trợ số xã Đông Anh (mẫu)"


async def test_plain_start_still_greets(chat):
    await chat.say("/start")
    assert "Xin chào" in chat.text


@pytest.mark.parametrize(
    "payload", ["pts:p:nope", "pts:u:atlantis", "pts:l:t:99", "pts:l:q:x", "pts:b:nope", "pts:zzz"]
)
async def test_forged_point_buttons_are_refused_politely(chat, payload):
    await chat.tap(payload)
    assert "Nút này đã cũ nên tôi chưa làm gì" in chat.text
    assert chat.buttons, "a way on"


async def test_card_speaks_english_to_english_users(core):
    chat = Chat(core, language="en")
    await chat.say("/start p_cau-giay")
    assert "📌 Address: Trụ sở UBND phường Cầu Giấy" in chat.text
    assert "Cầu Giấy ward" in chat.text
    assert "• 8:00–11:00, Tuesday 1 December" in chat.text


async def test_card_shows_seats_left_per_session_once_booking_is_wired(core, chat):
    from datetime import UTC, datetime

    from sqlalchemy import update

    from bot.booking.materialise import materialise
    from bot.db.booking_models import Slot

    async def start_booking_at(point_id, msg, ctx):
        return [Reply(text="booking")]

    core.menus = replace(core.menus, book_at=start_booking_at)
    async with core.db.transaction() as session:
        await materialise(session, core.services["places"], core.clock.now(), 14, core.config.tz)
        thursday = Slot.starts_at.between(
            datetime(2026, 12, 3, 1, 0, tzinfo=UTC), datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
        )
        await session.execute(
            update(Slot).where(Slot.point_id == "cau-giay", thursday).values(booked=Slot.capacity)
        )
        next_tuesday = Slot.starts_at.between(
            datetime(2026, 12, 8, 1, 0, tzinfo=UTC), datetime(2026, 12, 8, 4, 0, tzinfo=UTC)
        )
        await session.execute(
            update(Slot)
            .where(Slot.point_id == "cau-giay", next_tuesday)
            .values(booked=Slot.capacity - Slot.priority_seats)
        )
    await chat.say("/start p_cau-giay")
    # 6 slots of 4 seats, 2 of each held for priority visitors until 24 h before.
    assert "• 8:00–11:00, thứ Ba, ngày 1/12 · còn 12 chỗ" in chat.text
    assert "• 8:00–11:00, thứ Năm, ngày 3/12 · hết chỗ" in chat.text
    assert "• 8:00–11:00, thứ Ba, ngày 8/12 · chỉ còn chỗ ưu tiên" in chat.text


async def test_a_very_long_text_in_the_finder_is_answered_kindly(chat):
    await chat.tap("pts")
    await chat.say("phường hoàn kiếm " * 100)
    assert "Tôi chưa tìm thấy phường, xã nào tên" in chat.text
    assert len(chat.text) < 400, "the long text is not echoed back whole"
    assert chat.button("Tất cả phường, xã")


async def test_content_reload_brings_new_points_and_keeps_the_last_good_on_error(
    config, clock, tmp_path
):
    import shutil

    from bot.content.store import content_store
    from tests.conftest import ROOT

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    core = await app.start(config.replace(paths__content=str(content)), clock=clock)
    try:
        path = content / "points" / "soc-son.toml"
        path.write_text(
            path.read_text(encoding="utf-8").replace('id = "soc-son"', 'id = "soc-son-moved"'),
            encoding="utf-8",
        )
        assert (await content_store(core).reload()).ok
        assert "soc-son-moved" in core.services["places"].points
        path.write_text("unit = ", encoding="utf-8")
        assert not (await content_store(core).reload()).ok
        assert "soc-son-moved" in core.services["places"].points
    finally:
        await core.close()
