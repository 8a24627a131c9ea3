""" "Questions from citizens" in a real browser (Debian's Chromium driven by Playwright, as in
tests/test_web_browser.py): in Vietnamese and in English an officer opens the queue from the
navigation, opens the oldest question, takes it, answers with the keyboard, sends a canned
answer and closes it; the answers reach the citizen's chat. An officer of another ward who
opens the question's address is refused. Every page passes axe-core (no serious or critical
violation) and is saved to docs/img/ for the README."""

from __future__ import annotations

import struct
import zlib

import pytest

from bot import app
from bot.db.handoff_models import HandoffQuestion
from bot.outbox import channels
from bot.types import Photo
from tests import test_web_browser as web  # skips this module too where Chromium is missing
from tests.chat import Chat
from tests.handoff_setup import CAU_GIAY, HOAN_KIEM, OFFICERS, handoff_world
from tests.outbox_helpers import RecordingChannel
from tests.schedule_setup import all_rows
from tests.test_web_browser import chat_link, check_accessibility, new_page, shoot
from tests.test_web_questions import asked
from tests.web_client import WebSite

browser = web.browser  # the fixture: Chromium, headless


@pytest.fixture
async def core(config, clock):
    core = await app.start(config.replace(**OFFICERS), clock=clock)
    try:
        yield core
    finally:
        await core.close()


def _png(width: int = 120, height: int = 60) -> bytes:
    """A small real PNG (a grey "screen" with a red bar), so the browser can draw it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + (b"\xcc\x22\x22" if y < 12 else b"\xee\xee\xee") * width for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


SCREEN_ID = "AgACAgIAAxkBAAIBQ2"


class TelegramHolding(RecordingChannel):
    """The recording "telegram" channel, holding one photo a citizen sent (by its id)."""

    async def fetch_photo(self, file_id: str, max_bytes: int) -> bytes | None:
        return _png() if file_id == SCREEN_ID else None


@pytest.fixture
async def world(core):
    world = await handoff_world(core)
    holder = TelegramHolding(core, "telegram")
    channels.register(holder, sweep=False)
    world.channels["telegram"] = holder
    return world


@pytest.fixture
async def site(core, world):
    site = await WebSite.start(core)
    try:
        yield site
    finally:
        await site.close()


ANSWER = {
    "vi": "Ông/bà mở ứng dụng VNeID, chọn “Quên mật khẩu” rồi làm theo hướng dẫn.",
    "en": "Open the VNeID app, choose “Forgot password” and follow the steps.",
}


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_an_officer_answers_a_question_on_the_page(
    core, world, clock, site, browser, language
):
    question_id = await asked(core, locale=language)
    photo = Chat(core, user_id="501", channel="telegram", language=language)
    await photo.send(photo=Photo(SCREEN_ID))  # a photo of the screen, added to the question
    clock.advance(minutes=25)
    page = await new_page(browser, language)
    await page.goto(await chat_link(core, site, HOAN_KIEM, language))
    await page.locator("button.primary").click()
    await page.wait_for_url(site.base + "/web/")

    await page.locator("header nav a[href='/web/questions']").click()
    item = page.locator(f"#question-{question_id}")
    await item.wait_for()
    assert "25" in await item.inner_text(), "the waiting time"
    await check_accessibility(page, "questions")
    await shoot(page, f"web-questions-{language}")

    await item.get_by_role("link").click()
    await page.locator("#conversation").wait_for()
    shown = page.locator("img.photo")
    await shown.wait_for()
    assert await shown.evaluate("img => img.complete && img.naturalWidth") == 120, "drawn"
    await page.locator(f"form[action$='/questions/{question_id}/take'] button").click()
    await page.locator(".notice").wait_for()
    await page.locator("#answer-text").fill(ANSWER[language])
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")  # "Send the answer", by keyboard
    await page.locator("ol.conversation li.officer").wait_for()
    assert ANSWER[language] in await page.locator("ol.conversation").inner_text()
    await page.locator("button[name='answer']").first.click()  # a canned answer
    await page.locator("ol.conversation li.officer").nth(1).wait_for()
    await check_accessibility(page, "question")
    await shoot(page, f"web-question-{language}")

    await page.locator(f"form[action$='/questions/{question_id}/close'] button").click()
    await page.locator(".notice").wait_for()
    await check_accessibility(page, "question closed")
    [q] = await all_rows(core, HandoffQuestion)
    assert q.status == "closed" and q.first_answer_at is not None
    await world.deliver()
    sent = world.sent_to("telegram", "501")
    assert len(sent) == 3 and ANSWER[language] in sent[0]

    other = await new_page(browser, language)
    await other.goto(await chat_link(core, site, CAU_GIAY, language))
    await other.locator("button.primary").click()
    await other.wait_for_url(site.base + "/web/")
    response = await other.goto(f"{site.base}/web/questions/{question_id}")
    assert response is not None and response.status == 403
    assert "VNeID" not in await other.content()
