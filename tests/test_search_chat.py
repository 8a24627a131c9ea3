"""Free-text questions in the bot, on the real guides: one clear guide opens, a broad question
offers a few, anything else gets an honest answer and is kept (without who asked) for the
editors; greetings and thanks get a friendly word instead of a search."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from bot.core import Core
from bot.db.search_models import UnansweredQuestion
from tests.chat import Chat

# Storage-backed behaviour: also run on PostgreSQL.
pytestmark = pytest.mark.both_databases


async def unanswered(core: Core) -> list[UnansweredQuestion]:
    async with core.db.transaction() as session:
        return list((await session.execute(select(UnansweredQuestion))).scalars())


async def test_a_clear_question_opens_its_guide_with_start(chat, core):
    await chat.say("làm sao đăng ký khai sinh cho con?")
    assert "g:s:dvc-birth-registration" in chat.replies[-1].payloads()
    assert await unanswered(core) == []


async def test_a_question_without_diacritics_with_typos_finds_the_guide(chat):
    await chat.say("ddăng kys khia sinh cho be")
    assert "g:s:dvc-birth-registration" in chat.replies[-1].payloads()


async def test_an_english_reader_gets_the_guide_in_english(core):
    chat = Chat(core, user_id="2002", language="en")
    await chat.say("How do I renew my driving licence?")
    english = core.services["catalogue"].get("dvc-driving-licence", "en")
    assert english.title in chat.text
    assert "g:s:dvc-driving-licence" in chat.replies[-1].payloads()


async def test_a_vietnamese_question_from_an_english_reader_still_finds_the_guide(core):
    chat = Chat(core, user_id="2003", language="en")
    await chat.say("quên mật khẩu vneid")
    assert "g:s:vneid-password" in chat.replies[-1].payloads()
    assert core.services["catalogue"].get("vneid-password", "en").title in chat.text


async def test_a_broad_question_offers_up_to_three_guides_and_none_of_these(chat, core):
    await chat.say("vneid")
    payloads = chat.replies[-1].payloads()
    offered = [p for p in payloads if p.startswith("g:o:")]
    assert 2 <= len(offered) <= 3
    assert all(p.removeprefix("g:o:").startswith("vneid-") for p in offered)
    assert payloads[-1] == "q:none"  # "None of these"
    await chat.tap(offered[0])
    assert f"g:s:{offered[0].removeprefix('g:o:')}" in chat.replies[-1].payloads()
    assert await unanswered(core) == []


async def test_none_of_these_keeps_the_question_and_offers_the_topics(chat, core, clock):
    await chat.say("VNeID")
    assert "q:none" in chat.replies[-1].payloads()
    await chat.press("Không phải các mục này")
    payloads = chat.replies[-1].payloads()
    assert "g:m" in payloads and "menu" in payloads
    [row] = await unanswered(core)
    assert (row.text, row.locale, row.asked_at) == ("VNeID", "vi", clock.now())
    # Pressed again (an old message): nothing more is kept.
    await chat.tap("q:none")
    assert len(await unanswered(core)) == 1


async def test_a_new_question_after_a_choice_leaves_the_choice_behind(chat, core):
    await chat.say("vneid")
    await chat.say("làm sao đăng ký khai sinh cho con?")
    assert "g:s:dvc-birth-registration" in chat.replies[-1].payloads()
    assert await unanswered(core) == []


@pytest.mark.parametrize(
    ("typed", "step"),
    [("tiếp", 2), ("tiep", 2), ("Tiếp theo ạ", 2), ("next", 2), ("quay lại", 0), ("đọc lại", 1)],
)
async def test_typed_navigation_moves_in_the_guide_being_read(chat, core, typed, step):
    guide = core.services["catalogue"].get("dvc-birth-registration", "vi")
    await chat.tap("g:s:dvc-birth-registration")
    await chat.tap(f"g:n:dvc-birth-registration:{guide.steps[0].id}")  # now at step 2
    await chat.say(typed)
    assert f"Bước {step + 1}/{len(guide.steps)} · {guide.steps[step].title}" in chat.text
    assert await unanswered(core) == []


async def test_typed_menu_and_navigation_outside_a_guide_are_not_questions(chat, core):
    await chat.say("menu")
    assert "g:m" in chat.replies[-1].payloads()
    await chat.say("tiếp")
    assert "g:m" in chat.replies[-1].payloads()
    assert await unanswered(core) == []


async def test_out_of_scope_question_is_answered_honestly_and_kept(chat, core, clock):
    await chat.say("giá vàng hôm nay bao nhiêu?")
    payloads = chat.replies[-1].payloads()
    assert "g:m" in payloads and "menu" in payloads  # the topics and the menu
    assert not [p for p in payloads if p.startswith(("g:o:", "g:s:"))]
    [row] = await unanswered(core)
    assert (row.text, row.locale, row.asked_at) == (
        "giá vàng hôm nay bao nhiêu?",
        "vi",
        clock.now(),
    )


async def test_the_kept_question_says_nothing_about_who_asked(core):
    async with core.db.engine.connect() as conn:
        columns = await conn.run_sync(
            lambda c: {col["name"] for col in inspect(c).get_columns("unanswered_questions")}
        )
    assert columns == {"id", "text", "locale", "asked_at"}


async def test_phone_numbers_are_masked_and_long_questions_trimmed(chat, core):
    await chat.say("thời tiết ngày mai thế nào, gọi tôi số 0912 345 678 nhé")
    await chat.say("dự báo thời tiết " + "mưa nắng " * 100)
    first, second = await unanswered(core)
    assert "0912" not in first.text and "***" in first.text
    assert len(second.text) == 500


async def test_thanks_and_greetings_get_a_friendly_word_not_a_search(chat, core):
    for text in ("cảm ơn bạn nhiều", "xin chào", "ok", "🙏", "asdf qwer"):
        await chat.say(text)
        assert chat.replies[-1].buttons, "a way on: the menu"
        assert not [p for p in chat.replies[-1].payloads() if p.startswith("g:o:")]
    assert await unanswered(core) == []


async def test_a_matter_no_guide_covers_is_named_as_such_and_kept(chat, core):
    """A passport question gets "no guide", what the guides are about, and the way on."""
    await chat.say("Bác muốn làm hộ chiếu đi thăm con thì làm ở đâu?")
    reply = chat.replies[-1]
    assert "Cổng Dịch vụ công" in reply.text and "VNeID" in reply.text
    payloads = reply.payloads()
    assert "g:m" in payloads and "menu" in payloads
    assert not [p for p in payloads if p.startswith(("g:o:", "g:s:"))]
    assert [row.text for row in await unanswered(core)] == [
        "Bác muốn làm hộ chiếu đi thăm con thì làm ở đâu?"
    ]
    # A question with no such name keeps the usual words.
    await chat.say("giá vé xem phim bao nhiêu")
    text = chat.replies[-1].text
    assert "chưa có hướng dẫn" in text and "Cổng Dịch vụ công" not in text
