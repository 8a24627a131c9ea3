"""The terminal chat: a real channel on stdin/stdout, for local use and scripted flows.

Buttons are shown as numbered choices; typing the number presses the button. Works with a
pipe as well as a tty (lines are read in a thread), so a flow can be scripted:
`printf '/start\n1\n' | trolyso run`. `/quit` (or end of input) leaves.
"""

from __future__ import annotations

import asyncio
import getpass
import re
import sys
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import TextIO

from bot.channels.clean import clean_text
from bot.config import Config
from bot.core import Core
from bot.ids import parse_id
from bot.outbox import channels as outbox_channels
from bot.types import Button, ButtonKind, Contact, Incoming, Location, Reply

NAME = "terminal"


class TerminalChannel:
    name = NAME

    def __init__(
        self,
        core: Core,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        files_dir: Path | None = None,
        user_id: str | None = None,
    ):
        self.core = core
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.files_dir = files_dir or core.config.base_dir / "var" / "terminal-files"
        self.user_id = user_id or _local_user()
        self._choices: list[Button] = []
        self._update = 0

    def _print(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    async def send(self, chat_id: str, replies: list[Reply]) -> None:
        for reply in replies:
            self._render(reply)

    def _render(self, reply: Reply) -> None:
        if reply.image:
            self._print(f"🖼 {reply.image}")
        if reply.text:
            self._print(reply.text)
        if reply.location:
            loc = reply.location
            where = ", ".join(x for x in (loc.title, loc.address) if x)
            self._print(f"📍 {where} ({loc.latitude:.5f}, {loc.longitude:.5f})".replace("  ", " "))
        if reply.document:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / Path(reply.document.filename).name
            path.write_bytes(reply.document.data)
            self._print(f"📎 {path}")
            if reply.document.caption:
                self._print(reply.document.caption)
        buttons = [b for row in reply.buttons for b in row]
        if buttons:
            self._choices = buttons
            for i, b in enumerate(buttons, 1):
                suffix = f" → {b.url}" if b.kind is ButtonKind.URL else ""
                self._print(f"  {i}) {b.label}{suffix}")
        self._print()

    async def _readline(self, prompt: str = "> ") -> str | None:
        self.stdout.write(prompt)
        self.stdout.flush()
        line = await asyncio.to_thread(self.stdin.readline)
        if line == "":
            return None
        line = line.rstrip("\r\n")
        if not self.stdin.isatty():
            self._print(line)  # a scripted run reads like a transcript
        return line

    async def _to_incoming(self, line: str) -> Incoming | None:
        line = clean_text(line)
        self._update += 1
        incoming = partial(
            Incoming,
            channel=NAME,
            chat_id=self.user_id,
            user_id=self.user_id,
            update_id=str(self._update),
        )
        if parse_id(line.strip(), low=0) is not None and self._choices:
            n = int(line.strip())
            if not 1 <= n <= len(self._choices):
                self._print(f"(1–{len(self._choices)})")
                return None
            button = self._choices[n - 1]
            if button.kind is ButtonKind.URL:
                self._print(f"→ {button.url}")
                return None
            if button.kind is ButtonKind.REQUEST_CONTACT:
                phone = await self._readline("☎ ")
                if not phone:
                    return None
                return incoming(contact=Contact(phone=phone, user_id=self.user_id))
            if button.kind is ButtonKind.REQUEST_LOCATION:
                where = await self._readline("📍 lat, lon: ")
                m = re.fullmatch(
                    r"\s*(-?\d+(?:\.\d+)?)\s*[, ]\s*(-?\d+(?:\.\d+)?)\s*", where or ""
                )
                if not m:
                    self._print("(21.0287, 105.8524)")
                    return None
                return incoming(location=Location(float(m[1]), float(m[2])))
            return incoming(payload=button.payload)
        return incoming(text=line)

    async def run(self) -> None:
        self._print("Trợ lý số — terminal. /quit to leave.")
        # Reminders and notices for this chat are printed as they come due.
        outbox_channels.register(self)
        try:
            await self._chat()
        finally:
            await outbox_channels.unregister(self)

    async def _chat(self) -> None:
        while True:
            line = await self._readline()
            if line is None or line.strip() == "/quit":
                break
            if not line.strip():
                continue
            msg = await self._to_incoming(line)
            if msg is None:
                continue
            await self.send(msg.chat_id, await self.core.handle(msg))


def _local_user() -> str:
    try:
        return getpass.getuser()[:64]
    except Exception:
        return "local"


async def run_terminal(config: Config, start_core: Callable[[Config], Awaitable[Core]]) -> None:
    core = await start_core(config)
    try:
        await TerminalChannel(core).run()
    finally:
        await core.close()
