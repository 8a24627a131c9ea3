"""Reading a guide in the bot: menu → topic → guide → steps → end → feedback; continuing where
one left off; the functions the search uses to open a guide."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import app
from bot.core import Core
from bot.db.guides_models import GuideEvent, GuideFeedback, GuideProgress
from handlers import guides
from tests.chat import Chat
from tests.guide_tree import make_tree, write_guide

# Storage-backed behaviour: also run on PostgreSQL.
pytestmark = pytest.mark.both_databases


@pytest.fixture
def content(tmp_path) -> Path:
    tree = make_tree(tmp_path)
    write_guide(tree, "dvc-pay-fees", related="[dvc-login, safety-otp]")
    image = tree / "guides" / "safety-otp" / "img" / "otp.png"
    image.parent.mkdir()
    image.write_bytes(b"\x89PNG")
    steps = {
        "vi": [
            (
                "never-share",
                "Không đưa mã",
                "Không đọc mã OTP cho ai.\n![Tin nhắn OTP](img/otp.png)",
            )
        ],
        "en": [
            (
                "never-share",
                "Never share it",
                "Never read an OTP to anyone.\n![OTP message](img/otp.png)",
            )
        ],
    }
    captured = "images:\n  img/otp.png: {captured: 2026-11-20, source: a test capture}\n"
    for locale in ("vi", "en"):
        write_guide(
            tree,
            "safety-otp",
            locales=(locale,),
            category="safety",
            steps=steps[locale],
            extra=captured,
        )
    linked = {
        "vi": [("pay", "Trả phí", "Cần đăng nhập trước.\n[[dvc-login]]\nRồi bấm trả.")],
        "en": [("pay", "Pay", "Log in first.\n[[dvc-login]]\nThen press pay.")],
    }
    for locale in ("vi", "en"):
        write_guide(tree, "zz-linked", locales=(locale,), category="safety", steps=linked[locale])
    return tree


@pytest.fixture
async def gcore(config, clock, content) -> AsyncIterator[Core]:
    core = await app.start(config.replace(paths__content=str(content)), clock=clock)
    try:
        yield core
    finally:
        await core.close()


async def rows(core: Core, model) -> list:
    async with core.db.transaction() as session:
        return list((await session.execute(select(model))).scalars())


async def open_login(chat: Chat) -> None:
    await chat.say("/menu")
    await chat.press("Hướng dẫn")
    await chat.press("Cổng Dịch vụ công")
    await chat.press("Đăng nhập Dịch vụ công (dvc-login)")


async def test_reader_goes_from_the_menu_through_every_step_to_feedback(gcore, clock):
    chat = Chat(gcore)
    await chat.say("/menu")
    await chat.press("Hướng dẫn")
    assert chat.labels[:2] == ["Cổng Dịch vụ công", "An toàn trên mạng"]
    await chat.press("Cổng Dịch vụ công")
    assert chat.labels[:2] == [
        "1. Đăng nhập Dịch vụ công (dvc-login)",
        "2. Đăng nhập Dịch vụ công (dvc-pay-fees)",
    ]
    assert "1. Đăng nhập Dịch vụ công (dvc-login)\n2. Đăng nhập" in chat.text
    await chat.press("Đăng nhập Dịch vụ công (dvc-login)")
    assert "Tóm tắt ngắn." in chat.text and "3 bước" in chat.text
    await chat.press("Bắt đầu")
    assert chat.text.startswith("Bước 1/3 · Mở trang\n\nMở trang dichvucong.gov.vn.")
    assert "Quay lại" not in " ".join(chat.labels)
    await chat.press("Tiếp")
    assert chat.text.startswith("Bước 2/3 · Bấm “Đăng nhập”")
    await chat.press("Quay lại")
    assert chat.text.startswith("Bước 1/3")
    await chat.press("Tiếp")
    await chat.press("Đọc lại bước này")
    assert chat.text.startswith("Bước 2/3")
    await chat.press("Tiếp")
    assert chat.text.startswith("Bước 3/3") and "Xong" in " ".join(chat.labels)
    await chat.press("Xong")
    assert "Phiên bản hướng dẫn 1" in chat.text and "cập nhật ngày 28/11/2026" in chat.text
    assert "Hướng dẫn này có giúp ích không?" in chat.text
    await chat.press("Có")
    assert "Bỏ qua" in chat.labels
    await chat.say("Nên nói rõ hơn chỗ quét mã.")
    assert "cảm ơn" in chat.text.lower() and chat.buttons
    [feedback] = await rows(gcore, GuideFeedback)
    assert (
        feedback.guide_id,
        feedback.version,
        feedback.locale,
        feedback.helpful,
        feedback.comment,
    ) == ("dvc-login", 1, "vi", True, "Nên nói rõ hơn chỗ quét mã.")
    kinds = sorted(e.kind for e in await rows(gcore, GuideEvent))
    assert kinds == ["complete", "start", "view"]
    assert await rows(gcore, GuideProgress) == [], "a finished guide is not offered again"


async def test_a_topic_lists_its_guides_in_the_order_of_categories_toml(gcore, content):
    toml = content / "categories.toml"
    toml.write_text(
        toml.read_text().replace(
            'en = "Public Service Portal"\n',
            'en = "Public Service Portal"\nguides = ["dvc-pay-fees"]\n',
        )
    )
    from bot.content.store import content_store

    assert (await content_store(gcore).reload()).ok
    chat = Chat(gcore)
    await chat.tap("g:c:dvc")
    assert [b.payload for b in chat.buttons][:2] == ["g:o:dvc-pay-fees", "g:o:dvc-login"]


async def test_no_vote_then_skip_stores_the_answer_without_a_comment(gcore):
    chat = Chat(gcore, language="en")
    await chat.say("/menu")
    await chat.press("Guides")
    await chat.press("Public Service Portal")
    await chat.press("Log in to the Public Service Portal (dvc-login)")
    await chat.press("Start")
    for _ in range(3):
        await chat.press("Next") if "Next ➡️" in chat.labels else await chat.press("Finish")
    assert "Guide version 1, last updated 28 November 2026." in chat.text
    await chat.press("No")
    await chat.press("Skip")
    assert "What would you like to do" in chat.text
    [feedback] = await rows(gcore, GuideFeedback)
    assert (feedback.helpful, feedback.comment, feedback.locale) == (False, None, "en")
    await chat.say("a question, not a comment")  # the comment dialog is over
    assert (await rows(gcore, GuideFeedback))[0].comment is None


async def test_a_forged_vote_is_refused_and_stores_nothing(gcore):
    chat = Chat(gcore)
    await chat.say("/menu")
    await chat.tap("g:y:dvc-login:1")
    assert "đã cũ" in chat.text
    assert await rows(gcore, GuideFeedback) == []


async def test_end_offers_related_guides_that_open_with_their_summary(gcore):
    chat = Chat(gcore)
    await chat.say("/menu")
    await chat.tap("g:o:dvc-pay-fees")
    await chat.press("Bắt đầu")
    for _ in range(3):
        await chat.tap(chat.replies[-1].buttons[0][0].payload)
    assert "Đăng nhập Dịch vụ công (dvc-login)" in chat.labels
    await chat.press("Đăng nhập Dịch vụ công (dvc-login)")
    assert "📖 Đăng nhập Dịch vụ công (dvc-login)" in chat.text and "▶️ Bắt đầu" in chat.labels


async def test_a_step_with_a_picture_sends_it_with_the_step(gcore, content):
    chat = Chat(gcore)
    await chat.say("/menu")
    await chat.tap("g:o:safety-otp")
    await chat.press("Bắt đầu")
    [reply] = chat.replies
    assert reply.image == content / "guides" / "safety-otp" / "img" / "otp.png"
    assert "Không đọc mã OTP cho ai." in reply.text and "img/" not in reply.text
    assert reply.buttons


async def test_a_step_that_names_another_guide_has_a_button_that_opens_it(gcore):
    chat = Chat(gcore)
    await chat.say("/menu")
    await chat.tap("g:o:zz-linked")
    await chat.press("Bắt đầu")
    [reply] = chat.replies
    assert "[[" not in reply.text and "Cần đăng nhập trước.\nRồi bấm trả." in reply.text
    assert chat.labels[:2] == ["✅ Xong", "📖 Đăng nhập Dịch vụ công (dvc-login)"]
    await chat.press("📖 Đăng nhập Dịch vụ công (dvc-login)")
    assert "📖 Đăng nhập Dịch vụ công (dvc-login)" in chat.text and "▶️ Bắt đầu" in chat.labels


async def test_reader_who_leaves_mid_guide_is_offered_to_continue_at_that_step(gcore, clock):
    chat = Chat(gcore)
    await open_login(chat)
    await chat.press("Bắt đầu")
    await chat.press("Tiếp")
    await chat.say("/menu")
    clock.advance(days=2)
    await chat.press("Hướng dẫn")
    continue_label = "▶️ Tiếp tục: Đăng nhập Dịch vụ công (dvc-login) (bước 2)"
    assert chat.labels[0] == continue_label
    await chat.press(continue_label)
    assert chat.text.startswith("Bước 2/3")


async def test_reopening_the_same_guide_offers_continue_or_start_over(gcore):
    chat = Chat(gcore)
    await open_login(chat)
    await chat.press("Bắt đầu")
    await chat.press("Tiếp")
    await chat.press("Tiếp")
    await open_login(chat)
    assert "▶️ Tiếp tục ở bước 3" in chat.labels
    await chat.press("Bắt đầu lại từ đầu")
    assert chat.text.startswith("Bước 1/3")


async def test_next_still_works_after_the_dialog_idles_out(gcore, clock):
    chat = Chat(gcore)
    await open_login(chat)
    await chat.press("Bắt đầu")
    clock.advance(hours=5)
    await chat.press("Tiếp")
    assert chat.text.startswith("Bước 2/3")


async def test_resume_offer_names_the_unfinished_guide_for_the_greeting(gcore):
    chat = Chat(gcore)
    await open_login(chat)
    await chat.press("Bắt đầu")
    async with gcore.db.transaction() as session:
        from bot.ctx import Ctx, State
        from bot.db.models import User

        user = (await session.execute(select(User))).scalar_one()
        ctx = Ctx(
            user=user,
            state=State(),
            session=session,
            clock=gcore.clock,
            config=gcore.config,
            core=gcore,
            locale="vi",
        )
        offer = await guides.resume_offer(ctx)
    assert offer is not None
    assert offer.payloads() == ["g:u:dvc-login", "g:m"]


async def test_search_can_open_a_guide_and_offer_a_choice(gcore):
    async def handler(msg, ctx):
        if msg.text == "đăng nhập":
            return await guides.open_guide("dvc-login", msg, ctx)
        if msg.text == "phí":
            return [
                guides.Reply(
                    text="?",
                    buttons=guides.guide_buttons(
                        ["dvc-pay-fees", "nothing-here", "dvc-login"], ctx
                    ),
                )
            ]
        return None

    gcore.router.text_handlers.insert(0, handler)
    chat = Chat(gcore)
    await chat.say("đăng nhập")
    assert "▶️ Bắt đầu" in chat.labels and "Tóm tắt ngắn." in chat.text
    await chat.say("phí")
    assert [b.payload for b in chat.buttons] == ["g:o:dvc-pay-fees", "g:o:dvc-login"]


async def test_an_unknown_guide_or_topic_gets_a_kind_reply_with_topics(gcore):
    chat = Chat(gcore)
    await chat.tap("g:o:no-such-guide")
    assert "không còn" in chat.text and "Cổng Dịch vụ công" in chat.labels
    await chat.tap("g:c:nowhere")
    assert "không còn" in chat.text
    await chat.tap("g:n:dvc-login")
    assert chat.buttons, "a malformed payload still gets a way on"
