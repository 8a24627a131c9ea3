"""Conversation state lives in the database: it survives restarts and expires when idle."""

from __future__ import annotations

import pytest

from bot import app
from bot.router import Router
from bot.types import Button, Reply
from tests.chat import Chat

pytestmark = pytest.mark.both_databases


def _counting_dialog(router: Router) -> None:
    async def begin(msg, ctx):
        ctx.state.go("count.n", n=0)
        return [Reply(text="0", buttons=((Button("+1", "count:inc"),),))]

    async def step(msg, ctx):
        if msg.payload == "count:inc":
            ctx.state.data["n"] += 1
            return [Reply(text=str(ctx.state.data["n"]), buttons=((Button("+1", "count:inc"),),))]
        return None

    router.command("/count", begin)
    router.state("count", step)


async def test_state_survives_closing_and_reopening_the_app_mid_dialog(config, clock):
    core = await app.start(config, clock=clock)
    _counting_dialog(core.router)
    chat = Chat(core)
    await chat.say("/count")
    await chat.press("+1")
    await chat.press("+1")
    assert chat.text == "2"
    await core.close()

    core = await app.start(config, clock=clock)
    _counting_dialog(core.router)
    chat.core = core
    await chat.tap("count:inc")
    assert chat.text == "3"
    await core.close()


async def test_idle_dialog_expires_and_its_buttons_stop_working(core, clock):
    _counting_dialog(core.router)
    chat = Chat(core)
    await chat.say("/count")
    clock.advance(minutes=core.config.bot.idle_timeout_minutes + 1)
    await chat.tap("count:inc")
    assert "đã cũ" in chat.text


async def test_cancel_leaves_any_dialog(core):
    _counting_dialog(core.router)
    chat = Chat(core)
    await chat.say("/count")
    await chat.say("/cancel")
    assert "Đã dừng" in chat.text
    await chat.tap("count:inc")
    assert "đã cũ" in chat.text


async def test_states_are_kept_per_user_in_the_same_chat(core):
    _counting_dialog(core.router)
    alice = Chat(core, user_id="a", chat_id="group")
    bob = Chat(core, user_id="b", chat_id="group")
    await alice.say("/count")
    await alice.press("+1")
    await bob.tap("count:inc")
    assert "đã cũ" in bob.text
