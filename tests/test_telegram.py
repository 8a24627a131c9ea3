"""The Telegram channel end to end: a real PTB Application polling the fake Bot API over HTTP,
our core and database behind it; assertions are on the payloads that went over the wire."""

from __future__ import annotations

import pytest

from bot import i18n
from bot.channels import errors
from bot.channels.text import split_text
from bot.types import Button, ButtonKind, Document, Location, Reply
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import Recorder, running_bot

CHAT = 42


@pytest.fixture
async def fake():
    # Telegram's pace to one chat (about one message a second), enforced with 429s: the
    # channel must space the messages of one answer itself.
    async with FakeTelegram(rate_per_chat_per_second=1) as fake:
        yield fake


@pytest.fixture
async def bot(config, clock, fake):
    async with running_bot(config, clock, fake) as bot:
        yield bot


def labels(markup: dict) -> list[str]:
    return [b["text"] for row in markup["inline_keyboard"] for b in row]


def in_locale(locale: str, msgid: str, **params) -> str:
    with i18n.use_locale(locale):
        return i18n._(msgid, **params)


async def test_start_language_choice_by_button_and_menu_over_real_telegram_payloads(bot, fake):
    fake.push_text(CHAT, "/start", language_code="vi")
    [greeting] = await fake.wait_for("sendMessage")
    assert greeting.payload["chat_id"] == CHAT
    assert greeting.payload["text"].startswith(
        in_locale(
            "vi",
            "Hello! I am Trợ lý số, Hanoi's digital assistant. I help you use public "
            "e-services step by step.",
        )
    )
    keyboard = greeting.payload["reply_markup"]["inline_keyboard"]
    assert [b["callback_data"] for b in keyboard[0]] == ["lang:vi", "lang:en"]
    assert [b["text"] for b in keyboard[0]] == ["Tiếng Việt", "English"]

    fake.push_callback(CHAT, greeting.result["message_id"], "lang:en")
    [answer] = await fake.wait_for("answerCallbackQuery")
    [edit] = await fake.wait_for("editMessageText")
    assert answer.payload["callback_query_id"]
    assert edit.payload["message_id"] == greeting.result["message_id"]
    assert edit.payload["text"].startswith("Done: I will speak English from now on.")
    assert "❓ What can this bot do?" in labels(edit.payload["reply_markup"])
    assert len(fake.calls_to("sendMessage")) == 1, "the choice edits the greeting in place"

    fake.push_text(CHAT, "/menu", language_code="vi")
    [_, menu] = await fake.wait_for("sendMessage", 2)
    assert menu.payload["text"] == "What would you like to do? Choose a button below."
    assert labels(menu.payload["reply_markup"]) == labels(edit.payload["reply_markup"])


async def test_long_reply_is_split_at_paragraphs_with_buttons_on_the_last_part(bot, fake):
    paragraphs = [f"Đoạn {i}: " + "chữ " * 373 for i in range(5)]  # 1,500 characters each
    reply = Reply(text="\n\n".join(paragraphs), buttons=((Button("Menu", "menu"),),))

    async def long(msg, ctx):
        return [reply]

    bot.channel.core.router.command("long", long)
    fake.push_text(CHAT, "/long")
    sent = await fake.wait_for("sendMessage", 3)
    texts = [c.payload["text"] for c in sent]
    # As many whole paragraphs as fit in 4,096 characters go together; none is cut.
    assert texts == ["\n\n".join(paragraphs[:2]), "\n\n".join(paragraphs[2:4]), paragraphs[4]]
    assert [("reply_markup" in c.payload) for c in sent] == [False, False, True]


async def test_a_failing_handler_still_answers_the_button_and_apologises(bot, fake):
    async def broken(msg, ctx):
        raise RuntimeError("boom")

    bot.channel.core.router.payload("boom", broken, always=True)
    fake.push_text(CHAT, "/menu")
    [menu] = await fake.wait_for("sendMessage")
    fake.push_callback(CHAT, menu.result["message_id"], "boom")
    await fake.wait_for("answerCallbackQuery")
    [_, apology] = await fake.wait_for("sendMessage", 2)
    assert apology.payload["text"].startswith(
        in_locale(
            "vi",
            "Sorry, something went wrong on our side and nothing was changed. Please try "
            "again, or choose from the menu:",
        )
    )
    assert apology.payload["reply_markup"]["inline_keyboard"], "the apology offers the menu"


async def test_pressing_the_same_button_twice_does_not_break(bot, fake):
    fake.push_text(CHAT, "/start")
    [greeting] = await fake.wait_for("sendMessage")
    for _ in range(2):  # a double tap: the second edit changes nothing ("not modified")
        fake.push_callback(CHAT, greeting.result["message_id"], "lang:en")
    await fake.wait_for("answerCallbackQuery", 2)
    fake.push_text(CHAT, "/help")
    await fake.wait_for("sendMessage", 2)
    edits = fake.calls_to("editMessageText")
    assert [e.status for e in edits] == [200, 400]
    assert len(fake.calls_to("sendMessage")) == 2, "no duplicate message for the double tap"


async def test_an_edit_that_fails_sends_a_new_message(bot, fake):
    fake.push_text(CHAT, "/start")
    [greeting] = await fake.wait_for("sendMessage")
    fake.push_callback(CHAT, greeting.result["message_id"], "lang:en")
    fake.delete_message(CHAT, greeting.result["message_id"])  # deleted in the meantime
    [_, sent] = await fake.wait_for("sendMessage", 2)
    assert sent.payload["text"].startswith("Done: I will speak English")


async def test_contact_location_file_and_language_reach_the_core_as_sent(bot, fake):
    seen = Recorder(bot.channel.core).seen
    fake.push_contact(CHAT, "0912345678", contact_user_id=CHAT)
    fake.push_location(CHAT, 21.0287, 105.8524)
    fake.push_document(CHAT, "giay-to.pdf", b"%PDF-1.4 test", caption="Giấy tờ của tôi")
    fake.push_text(CHAT, "xin chào", language_code="en")
    await fake.wait_for("sendMessage", 4)
    contact, location, document, text = seen
    assert contact.contact.phone == "0912345678"
    assert contact.contact.user_id == contact.user_id == str(CHAT)
    assert (location.location.latitude, location.location.longitude) == (21.0287, 105.8524)
    assert document.document.data == b"%PDF-1.4 test"
    assert document.document.filename == "giay-to.pdf"
    assert document.document.caption == "Giấy tờ của tôi"
    assert (text.text, text.language_hint, text.channel) == ("xin chào", "en", "telegram")
    assert int(text.update_id) > int(contact.update_id)


async def test_a_file_over_the_size_limit_is_not_downloaded(config, clock, fake):
    async with running_bot(
        config, clock, fake, channels__telegram__max_document_bytes=1024
    ) as bot:
        seen = Recorder(bot.channel.core).seen
        fake.push_document(CHAT, "big.pdf", b"x" * 5000)
        [reply] = await fake.wait_for("sendMessage")
    assert seen[0].document is None
    assert not fake.calls_to("getFile")
    assert reply.payload["reply_markup"]["inline_keyboard"], "the user still gets a way on"


async def test_share_buttons_use_a_one_time_keyboard_removed_by_the_next_message(bot, fake):
    async def ask_phone(msg, ctx):
        return [
            Reply(
                text="Bấm nút để gửi số điện thoại.",
                buttons=(
                    (Button("📱 Gửi số của tôi", kind=ButtonKind.REQUEST_CONTACT),),
                    (Button("Menu", "menu"),),
                ),
            )
        ]

    bot.channel.core.router.command("phone", ask_phone)
    fake.push_text(CHAT, "/phone")
    # One message: the keyboard rides on the question, the choice as a plain button.
    [ask] = await fake.wait_for("sendMessage", 1)
    assert ask.payload["text"] == "Bấm nút để gửi số điện thoại."
    assert ask.payload["reply_markup"] == {
        "keyboard": [[{"text": "📱 Gửi số của tôi", "request_contact": True}], [{"text": "Menu"}]],
        "one_time_keyboard": True,
        "resize_keyboard": True,
    }
    fake.push_text(CHAT, "Menu")  # what pressing the plain button sends: read as the press
    [*_, menu] = await fake.wait_for("sendMessage", 2)
    assert "inline_keyboard" in menu.payload["reply_markup"]
    assert all(c.payload.get("text") != "👇" for c in fake.calls_to("sendMessage"))

    # An answer with no inline keyboard of its own removes the keyboard, once.
    async def plain(msg, ctx):
        return [Reply(text="Xong.")]

    bot.channel.core.router.command("plain", plain)
    fake.push_text(CHAT, "/phone")
    await fake.wait_for("sendMessage", 3)
    fake.push_text(CHAT, "/plain")
    done = (await fake.wait_for("sendMessage", 4))[3]
    assert done.payload["reply_markup"] == {"remove_keyboard": True}
    fake.push_text(CHAT, "/plain")
    again = (await fake.wait_for("sendMessage", 5))[4]
    assert "reply_markup" not in again.payload, "removed once, not every time"


async def test_documents_and_places_are_sent_as_files_and_venues(bot, fake):
    ics = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"

    async def card(msg, ctx):
        return [
            Reply(document=Document("lich-hen.ics", ics, "text/calendar", caption="Lịch")),
            Reply(
                location=Location(
                    21.03, 105.85, title="UBND phường Hàng Bạc", address="38 Hàng Bạc"
                ),
                buttons=((Button("Menu", "menu"),),),
            ),
            Reply(location=Location(21.0, 105.8)),
        ]

    bot.channel.core.router.command("card", card)
    fake.push_text(CHAT, "/card")
    [doc] = await fake.wait_for("sendDocument")
    [venue] = await fake.wait_for("sendVenue")
    [place] = await fake.wait_for("sendLocation")
    upload = doc.payload["document"]
    assert (upload["filename"], upload["content"], upload["mime_type"]) == (
        "lich-hen.ics",
        ics,
        "text/calendar",
    )
    assert doc.payload["caption"] == "Lịch"
    assert (venue.payload["title"], venue.payload["address"]) == (
        "UBND phường Hàng Bạc",
        "38 Hàng Bạc",
    )
    assert venue.payload["reply_markup"]["inline_keyboard"]
    assert (place.payload["latitude"], place.payload["longitude"]) == (21.0, 105.8)


async def test_proactive_send_reports_blocked_users_and_flood_limits(config, clock):
    async with (
        FakeTelegram(rate_per_second=1, retry_after=3) as fake,
        running_bot(config, clock, fake) as bot,
    ):
        await bot.channel.send("7", [Reply(text="Nhắc lịch: 9 giờ sáng mai.")])
        [sent] = fake.calls_to("sendMessage")
        assert (sent.payload["chat_id"], sent.payload["text"]) == (7, "Nhắc lịch: 9 giờ sáng mai.")
        with pytest.raises(errors.RateLimited) as limited:
            await bot.channel.send("8", [Reply(text="Nhắc lịch")])
        assert limited.value.retry_after == 3
        fake.blocked.add(9)
        with pytest.raises(errors.RecipientUnreachable):
            await bot.channel.send("9", [Reply(text="Nhắc lịch")])


def test_a_paragraph_too_long_for_one_message_is_cut_between_lines_then_hard():
    lines = [f"Dòng {i}: " + "a" * 990 for i in range(6)]  # one paragraph of ~6,000 characters
    parts = split_text("\n".join(lines) + "\n\n" + "b" * 9000)
    assert parts[:2] == ["\n".join(lines[:4]), "\n".join(lines[4:])]
    assert parts[2:] == ["b" * 4096, "b" * 4096, "b" * 808]
    assert split_text("🙂" * 3000) == ["🙂" * 2048, "🙂" * 952], "emoji count double"


async def test_the_messages_of_one_answer_are_paced_for_the_chat_without_429s(bot, fake):
    ics = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"

    async def booked(msg, ctx):  # like a booking confirmation: text, .ics, venue
        return [
            Reply(
                text="✅ Đã đặt lịch. Mã lịch hẹn: ABC123", buttons=((Button("Menu", "menu"),),)
            ),
            Reply(document=Document("lich-hen.ics", ics, "text/calendar")),
            Reply(location=Location(21.03, 105.85, title="UBND", address="38 Hàng Bạc")),
        ]

    bot.channel.core.router.command("booked", booked)
    fake.push_text(CHAT, "/booked")
    await fake.wait_for("sendVenue")
    sent = [c for c in fake.calls if c.method in ("sendMessage", "sendDocument", "sendVenue")]
    assert [c.method for c in sent] == ["sendMessage", "sendDocument", "sendVenue"]
    assert all(c.status == 200 for c in sent) and fake.too_many == 0
    assert all(b.at - a.at >= 1.0 for a, b in zip(sent, sent[1:], strict=False))


async def test_a_stale_press_gets_a_short_answer_and_at_most_one_menu_a_minute(bot, fake, clock):
    fake.push_text(CHAT, "/menu")
    [menu] = await fake.wait_for("sendMessage")
    for n in (1, 2, 3):
        fake.push_callback(CHAT, menu.result["message_id"], f"bk:confirm:99{n}")
        await fake.wait_for("answerCallbackQuery", n)
    answers = fake.calls_to("answerCallbackQuery")
    note = in_locale("vi", "That button is no longer active, so I did nothing.")
    assert [a.payload.get("text") for a in answers] == [note, note, note]
    fake.push_text(CHAT, "/help")  # something after, so every press above was handled
    await fake.wait_for("sendMessage", 3)
    sent = fake.calls_to("sendMessage")
    assert len(sent) == 3, "the menu again once, not once per press"
    clock.advance(minutes=1, seconds=1)
    fake.push_callback(CHAT, menu.result["message_id"], "bk:confirm:999")
    await fake.wait_for("sendMessage", 4)
