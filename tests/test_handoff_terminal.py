""" "🙋 Ask a person" on the terminal chat, the real channel (bot/channels/terminal.py) fed
through a pipe, with numbered buttons: the citizen asks; the ward's officer (on Telegram) is
told, takes and answers; the answer is printed in the terminal through the outbox; the
citizen's reply is added to the question; the officer closes; the citizen rates by typing the
number of the stars. The terminal passes no pictures on, so no photo is offered."""

from __future__ import annotations

import asyncio
import os
import re
from io import StringIO

import pytest
from sqlalchemy import select

from bot import app
from bot.channels.terminal import TerminalChannel
from bot.db.handoff_models import HandoffQuestion
from tests.chat import Chat
from tests.handoff_setup import CAU_GIAY, HOAN_KIEM, OFFICERS, handoff_world

QUESTION = "Tôi đăng nhập VNeID thì ứng dụng báo sai mật khẩu, phải làm sao?"


@pytest.fixture
async def core(config, clock):
    core = await app.start(config.replace(**OFFICERS), clock=clock)
    try:
        yield core
    finally:
        await core.close()


class Terminal:
    """The terminal channel running on a pipe: `say` types a line and waits for the output
    to settle; `number(label)` is the number the terminal shows for a button."""

    def __init__(self, core):
        read, self._write = os.pipe()
        self.out = StringIO()
        self._read = os.fdopen(read)
        self.channel = TerminalChannel(core, stdin=self._read, stdout=self.out, user_id="me")
        self.task = asyncio.create_task(self.channel.run())
        self.seen = 0

    async def settle(self) -> str:
        async with asyncio.timeout(10):
            size = -1
            while size != len(self.out.getvalue()):
                size = len(self.out.getvalue())
                await asyncio.sleep(0.15)
        new, self.seen = self.out.getvalue()[self.seen :], len(self.out.getvalue())
        return new

    async def say(self, line: str) -> str:
        await self.settle()
        os.write(self._write, (line + "\n").encode())
        return await self.settle()

    def number(self, label: str) -> str:
        found = re.findall(rf"^\s+(\d+)\) {re.escape(label)}$", self.out.getvalue(), re.M)
        assert found, f"no button {label!r} shown"
        return found[-1]

    async def close(self) -> None:
        os.close(self._write)  # end of input: the terminal leaves
        await asyncio.wait_for(self.task, 10)
        await asyncio.sleep(0.1)  # its reader thread has seen the end, too
        self._read.close()


async def test_the_whole_loop_on_the_terminal(core, clock):
    world = await handoff_world(core, channels=("telegram",))
    terminal = Terminal(core)
    try:
        await terminal.say("/start")
        assert "I will speak English" in await terminal.say(terminal.number("English"))
        await terminal.say("/menu")
        await terminal.say(terminal.number("🙋 Ask a person"))
        shown = await terminal.say("Hoàn Kiếm")
        assert "write your question" in shown
        assert "copy its words" in shown and "photo" not in shown
        shown = await terminal.say(QUESTION)
        assert "I have sent your question to the officers of Hoàn Kiếm ward" in shown
        async with core.db.transaction() as session:
            question_id = await session.scalar(select(HandoffQuestion.id))

        await world.deliver()
        assert world.sent_to("telegram", HOAN_KIEM) and not world.sent_to("telegram", CAU_GIAY)
        lan = Chat(core, user_id=HOAN_KIEM, channel="telegram", language="en")
        await lan.tap(f"hq:t:{question_id}")
        await lan.tap(f"hq:a:{question_id}")
        await lan.say("Ông/bà bấm “Quên mật khẩu” trên màn hình đăng nhập VNeID.")
        await world.deliver()
        shown = await terminal.settle()
        assert "Answer from the officers of Hoàn Kiếm ward" in shown and "Quên mật khẩu" in shown

        shown = await terminal.say("Tôi không nhận được mã OTP")
        assert "Added to your question" in shown
        await world.deliver()
        assert "OTP" in world.sent_to("telegram", HOAN_KIEM)[-1]

        await lan.tap(f"hq:c:{question_id}")
        await world.deliver()
        assert "closed your question" in await terminal.settle()
        assert "Thank you for your rating" in await terminal.say(terminal.number("⭐⭐⭐⭐"))
        async with core.db.transaction() as session:
            question = await session.get(HandoffQuestion, question_id)
            assert (question.status, question.rating) == ("closed", 4)
            assert question.channel == "terminal"
    finally:
        await terminal.close()
