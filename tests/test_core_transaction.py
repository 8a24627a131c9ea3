"""One message, one transaction: what a handler writes through its session, the user's changes
and the dialog state are kept together or not at all — and a message that changes nothing
writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.db.models import ConversationState, User
from bot.db.search_models import UnansweredQuestion
from bot.types import Button, Reply
from tests.chat import Chat


async def _count(core, model) -> int:
    async with core.db.transaction() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


def _note_taking_dialog(core, *, fail: bool) -> None:
    async def note(msg, ctx):
        ctx.session.add(UnansweredQuestion(text="ghi chú", locale=ctx.locale, asked_at=ctx.now()))
        await ctx.session.flush()
        ctx.user.locale = "en"
        ctx.state.go("note.more", notes=1)
        if fail:
            raise RuntimeError("boom")
        return [Reply(text="noted", buttons=((Button("More", "note:more"),),))]

    async def more(msg, ctx):
        if msg.payload == "note:more":
            return [Reply(text=f"notes so far: {ctx.state.data['notes']}")]
        return None

    core.router.command("/note", note)
    core.router.state("note", more)


@pytest.mark.both_databases
async def test_a_handler_failing_after_writing_through_its_session_leaves_nothing_behind(core):
    _note_taking_dialog(core, fail=True)
    chat = Chat(core)
    await chat.say("/start")
    await chat.say("/note")
    assert "Xin lỗi" in chat.text and chat.buttons, "an apology with the menu"
    assert await _count(core, UnansweredQuestion) == 0, "the session's row was rolled back"
    await chat.tap("note:more")
    assert "đã cũ" in chat.text, "the state it moved to was not saved"
    assert "Xin chào" in (await chat.say("/start"))[0].text, "the language change was undone"


@pytest.mark.both_databases
async def test_session_writes_user_changes_and_state_are_saved_together(core):
    _note_taking_dialog(core, fail=False)
    chat = Chat(core)
    await chat.say("/note")
    assert chat.text == "noted"
    assert await _count(core, UnansweredQuestion) == 1
    await chat.press("More")
    assert chat.text == "notes so far: 1"
    await chat.say("/menu")
    assert "What would you like to do?" in chat.text, "the user's language was saved"


@pytest.mark.both_databases
async def test_a_menu_exchange_of_a_known_user_writes_no_row(core, clock):
    chat = Chat(core)
    await chat.say("/menu")
    async with core.db.transaction() as session:
        seen_before = (await session.execute(select(User.last_seen_at))).scalar_one()
    clock.advance(minutes=30)
    await chat.say("/menu")
    await chat.press("Ngôn ngữ")
    async with core.db.transaction() as session:
        assert (await session.execute(select(User.last_seen_at))).scalar_one() == seen_before
        states = await session.execute(select(func.count()).select_from(ConversationState))
        assert states.scalar_one() == 0, "an empty dialog state is not stored"
    clock.advance(hours=1)
    await chat.say("/menu")
    async with core.db.transaction() as session:
        assert (await session.execute(select(User.last_seen_at))).scalar_one() > seen_before


async def test_a_transaction_opened_inside_a_message_fails_at_once_instead_of_hanging(core):
    # SQLite only (this test is not marked for both): all of a process's transactions take
    # turns on one connection there, so this one would wait for itself.
    async def nested(msg, ctx):
        async with ctx.core.db.transaction():
            return [Reply(text="never")]

    core.router.command("/nested", nested)
    chat = Chat(core)
    await chat.say("/nested")
    assert "Xin lỗi" in chat.text and chat.buttons
