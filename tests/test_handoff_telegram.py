""" "🙋 Ask a person" over Telegram end to end: our real PTB channel and the fake Bot API
server, the citizen and two officers each in their own private chat. The citizen asks, the
ward's officer is told through the outbox, takes and answers, the citizen replies, the officer
closes, the citizen rates — and the other ward's officer, pressing forged buttons, gets
nothing."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import select

from bot.db.handoff_models import HandoffMessage, HandoffQuestion
from bot.outbox.sweeper import sweep_once
from tests.booking_flow import use_places
from tests.fake_telegram import Call, FakeTelegram
from tests.handoff_setup import CAU_GIAY, HOAN_KIEM, OFFICERS
from tests.telegram_harness import running_bot

CITIZEN = 4201
LAN, STRANGER = int(HOAN_KIEM), int(CAU_GIAY)


@pytest.fixture
async def fake():
    async with FakeTelegram() as fake:
        yield fake


def _to(fake: FakeTelegram, chat: int) -> list[Call]:
    return [
        c
        for c in fake.calls
        if c.method in ("sendMessage", "editMessageText")
        and str(c.payload.get("chat_id")) == str(chat)
    ]


def _data(call: Call) -> list[str]:
    markup = call.payload.get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


class Person:
    """One Telegram user: does something, waits for the bot's next message to their chat."""

    def __init__(self, fake: FakeTelegram, chat: int):
        self.fake, self.chat = fake, chat
        self.last: Call | None = None
        self.text = ""

    async def _after(self, action) -> Call:
        """Do `action`, wait for the bot's messages to this chat to arrive and stop; the last
        one with buttons (a reply keyboard comes as a message of its own)."""
        seen = len(_to(self.fake, self.chat))
        action()
        async with asyncio.timeout(10):
            await self._more_than(seen)
            count = 0
            while count != len(_to(self.fake, self.chat)):
                count = len(_to(self.fake, self.chat))
                await asyncio.sleep(0.2)
        new = _to(self.fake, self.chat)[seen:]
        self.text = "\n".join(c.payload.get("text", "") for c in new)
        self.last = next((c for c in reversed(new) if _data(c)), new[-1])
        return self.last

    async def say(self, text: str) -> str:
        await self._after(lambda: self.fake.push_text(self.chat, text, language_code="en"))
        return self.text

    async def press(self, data: str) -> str:
        assert self.last is not None
        message_id = self.last.payload.get("message_id") or self.last.result["message_id"]
        await self._after(
            lambda: self.fake.push_callback(self.chat, message_id, data, language_code="en")
        )
        return self.text

    async def _more_than(self, count: int) -> None:
        recorded = self.fake._recorded  # the fake's "a call was recorded" condition
        async with recorded:
            await recorded.wait_for(lambda: len(_to(self.fake, self.chat)) > count)

    def mark(self) -> int:
        return len(_to(self.fake, self.chat))

    async def delivered(self, core, since: int) -> Call:
        """What the outbox sent to this chat after `since` (a `mark()` taken before the action
        that queued it): swept now, unless the bot's own sweeper was quicker."""
        await sweep_once(core)
        async with asyncio.timeout(10):
            await self._more_than(since)
        self.last = _to(self.fake, self.chat)[-1]
        return self.last

    def buttons(self) -> list[str]:
        return _data(self.last) if self.last else []


async def test_ask_answer_reply_close_rate_over_telegram(config, clock, fake):
    async with running_bot(config, clock, fake, **OFFICERS) as bot:
        core = bot.channel.core
        await use_places(core)
        citizen, lan, stranger = Person(fake, CITIZEN), Person(fake, LAN), Person(fake, STRANGER)

        await citizen.say("/start")
        assert "share your location" in await citizen.press("ask")
        text = await citizen.say("Hoàn Kiếm")
        assert "write your question" in text
        lan_mark = lan.mark()
        text = await citizen.say("Tôi quên mật khẩu VNeID, phải làm sao?")
        assert "I have sent your question" in text and "ask:x" in citizen.buttons()
        async with core.db.transaction() as session:
            question_id = await session.scalar(select(HandoffQuestion.id))

        told = await lan.delivered(core, lan_mark)
        # The officer never chose a language: what the outbox sends is in the default one.
        assert "Có 1 câu hỏi của người dân đang chờ trả lời" in told.payload["text"]
        assert "hq" in _data(told)

        assert "Questions from citizens" in await lan.press("hq")
        assert "Tôi quên mật khẩu" in await lan.press(f"hq:o:{question_id}")
        assert "You took this question" in await lan.press(f"hq:t:{question_id}")

        # The other ward's officer forges every button of that question: nothing.
        await stranger.say("/menu")
        for data in (f"hq:o:{question_id}", f"hq:t:{question_id}", f"hq:a:{question_id}"):
            text = await stranger.press(data)
            assert "not an officer of that commune or ward" in text and "mật khẩu" not in text

        await lan.press(f"hq:a:{question_id}")
        citizen_mark = citizen.mark()
        assert "Sent to the citizen" in await lan.say("Ông/bà bấm Quên mật khẩu trên VNeID.")
        answer = await citizen.delivered(core, citizen_mark)
        assert "Answer from the officers of Hoàn Kiếm ward" in answer.payload["text"]
        assert "Quên mật khẩu" in answer.payload["text"] and "ask:x" in _data(answer)

        lan_mark = lan.mark()
        assert "Added to your question" in await citizen.say("Tôi không nhận được mã OTP")
        follow = await lan.delivered(core, lan_mark)
        assert "OTP" in follow.payload["text"]

        lan.last = follow
        citizen_mark = citizen.mark()
        assert "Closed" in await lan.press(f"hq:c:{question_id}")
        closed = await citizen.delivered(core, citizen_mark)
        stars = [d for d in _data(closed) if d.startswith("ask:r:")]
        assert len(stars) == 5
        assert "Thank you for your rating" in await citizen.press(stars[3])
        async with core.db.transaction() as session:
            question = await session.get(HandoffQuestion, question_id)
            assert (question.status, question.rating) == ("closed", 4)


def _photos_to(fake: FakeTelegram, chat: int) -> list[Call]:
    return [
        c
        for c in fake.calls
        if c.method == "sendPhoto" and str(c.payload.get("chat_id")) == str(chat)
    ]


async def _photo_sent(core, fake: FakeTelegram, chat: int, count: int) -> Call:
    async with asyncio.timeout(10):
        while len(_photos_to(fake, chat)) < count:
            await sweep_once(core)
            await asyncio.sleep(0.1)
    return _photos_to(fake, chat)[count - 1]


SCREEN = b"\xff\xd8\xff\xe0 a photo of the VNeID screen"


async def test_a_photo_of_the_screen_reaches_the_officer_in_the_chat_and_on_the_pages(
    config, clock, fake
):
    from tests.web_client import WebSite

    async with running_bot(config, clock, fake, **OFFICERS) as bot:
        core = bot.channel.core
        await use_places(core)
        citizen, lan = Person(fake, CITIZEN), Person(fake, LAN)
        await citizen.say("/start")
        await citizen.press("ask")
        assert "send a photo of it" in await citizen.say("Hoàn Kiếm")
        first = ""

        def send_first() -> None:
            nonlocal first
            first = fake.push_photo(
                CITIZEN, SCREEN, caption="Màn hình báo lỗi này", language_code="en"
            )

        await citizen._after(send_first)
        assert "I have sent your question" in citizen.text
        async with core.db.transaction() as session:
            question_id = await session.scalar(select(HandoffQuestion.id))

        # In the chat, the officer opening the question gets the photo, by Telegram's id.
        await lan.say("/menu")
        await lan.press(f"hq:o:{question_id}")
        assert "📷 [photo] Màn hình báo lỗi này" in lan.text
        shown = await _photo_sent(core, fake, LAN, 1)
        assert shown.payload["photo"] == first and f"#{question_id}" in shown.payload["caption"]
        await lan.press(f"hq:t:{question_id}")

        # A second photo, while the question is open: passed on to the officer who took it.
        second = ""

        def send_second() -> None:
            nonlocal second
            second = fake.push_photo(CITIZEN, SCREEN + b" 2", language_code="en")

        await citizen._after(send_second)
        assert "Added to your question" in citizen.text
        passed = await _photo_sent(core, fake, LAN, 2)
        assert passed.payload["photo"] == second
        assert "Người dân đã gửi ảnh này" in passed.payload["caption"]  # default language
        assert f"hq:o:{question_id}" in _data(passed)

        # The officer pages show both, fetched from Telegram when shown, never stored.
        site = await WebSite.start(core)
        try:
            officer = await site.officer(HOAN_KIEM)
            page = (await officer.get(f"/web/questions/{question_id}")).text
            sources = re.findall(r'<img class="photo" src="([^"]+)"', page)
            assert len(sources) == 2 and "Màn hình báo lỗi này" in page
            async with officer.http.get(officer.url(sources[0])) as image:
                assert image.status == 200 and image.content_type == "image/jpeg"
                assert await image.read() == SCREEN
            stranger = await site.officer(CAU_GIAY)
            assert (await stranger.get(sources[0])).status == 403
            async with core.db.transaction() as session:
                held = list(await session.scalars(select(HandoffMessage.photo_id)))
            assert held == [first, second], "the file ids, not the bytes"
        finally:
            await site.close()

        # /privacy: the download names them; "Delete my data" deletes them, and empties the
        # officer's notice that passed the second one on.
        from bot.booking import privacy
        from bot.db.booking_models import OutboxMessage
        from bot.db.models import User

        async with core.db.transaction() as session:
            user = await session.scalar(select(User).where(User.external_id == str(CITIZEN)))
            mine = await privacy.export(session, user)
            photos = [m.get("photo_id") for m in mine["handoff_questions"][0]["messages"]]
            assert photos == [first, second]
            await privacy.erase(session, user, core.clock.now(), core.services.get("places"))
        async with core.db.transaction() as session:
            assert not list(await session.scalars(select(HandoffMessage)))
            kept = [str(r.data) for r in await session.scalars(select(OutboxMessage))]
            assert not [d for d in kept if second in d]


def test_a_photo_is_read_by_its_largest_sizes_id_and_a_malformed_one_is_no_photo():
    from bot.channels import telegram_update as tg
    from bot.types import Photo

    sizes = [{"file_id": "small"}, {"file_id": "large", "file_size": 9}]
    assert tg.photo({"photo": sizes, "caption": "Lỗi\x00"}) == Photo("large", "Lỗi")
    assert tg.photo({"photo": sizes}) == Photo("large", None)
    for bad in ("x", [], [{"file_id": 5}], [{"file_id": ""}], [{"file_id": "x" * 257}], [7]):
        assert tg.photo({"photo": bad, "text": "hi"}) is None
    assert tg.photo({"text": "hi"}) is None
