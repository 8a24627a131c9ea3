"""The terminal chat: a real channel on stdin/stdout, for local use and scripted flows.

Buttons are shown as numbered choices; typing the number presses the button. When one answer
shows several keyboards, their numbers run on (1–3 on the first, 4–5 on the second), so every
visible button can be pressed. Only a short number (1–99, no leading 0) is a button: "0912345678"
or "115" typed as an answer is text. Works with a pipe as well as a tty (lines are read in a
daemon thread, so Ctrl-C quits at once instead of waiting for Enter), so a flow can be scripted:
`printf '/start\n1\n' | trolyso run`. `/quit` (or end of input) leaves.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import re
import sys
import threading
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import TextIO

from bot.channels.clean import clean_text
from bot.config import Config
from bot.core import Core
from bot.outbox import channels as outbox_channels
from bot.types import Button, ButtonKind, Contact, Incoming, Location, Reply

NAME = "terminal"

# A button number: 1–99 without a leading zero. Longer digit strings are answers (a phone
# number, an ID card number, an emergency number), never a press.
BUTTON_NUMBER = re.compile(r"[1-9][0-9]?")


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
        self._fresh = True  # the next keyboard shown starts the numbering at 1 again
        self._update = 0
        self._lines: asyncio.Queue[str | None] | None = None

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
            # The first keyboard after the user's message replaces the old ones; the next ones
            # in the same answer (or a reminder arriving meanwhile) continue the numbering.
            if self._fresh:
                self._choices = []
                self._fresh = False
            first = len(self._choices) + 1
            self._choices.extend(buttons)
            for i, b in enumerate(buttons, first):
                suffix = f" → {b.url}" if b.kind is ButtonKind.URL else ""
                self._print(f"  {i}) {b.label}{suffix}")
        self._print()

    def _start_reader(self) -> asyncio.Queue[str | None]:
        """Read stdin in a daemon thread: a thread blocked reading never holds up the process's
        exit (asyncio.to_thread's would, until Enter is pressed). A real file descriptor is read
        with os.read, not through sys.stdin's buffer, whose lock a blocked daemon thread would
        hold while the interpreter shuts down."""
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[str | None] = asyncio.Queue()

        def put(line: str | None) -> bool:
            try:
                loop.call_soon_threadsafe(lines.put_nowait, line)
            except RuntimeError:  # the loop is closed: nobody is listening any more
                return False
            return True

        def read_stream() -> None:
            while True:
                try:
                    line = self.stdin.readline()
                except (OSError, ValueError):  # closed under us
                    line = ""
                if not put(line or None) or not line:
                    return

        def read_fd(fd: int) -> None:
            pending = b""
            while True:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    if pending:
                        put(pending.decode("utf-8", "replace"))
                    put(None)
                    return
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    if not put(line.decode("utf-8", "replace") + "\n"):
                        return

        fd = _fileno(self.stdin)
        target = read_stream if fd is None else partial(read_fd, fd)
        threading.Thread(target=target, name="terminal-stdin", daemon=True).start()
        return lines

    async def _readline(self, prompt: str = "> ") -> str | None:
        self.stdout.write(prompt)
        self.stdout.flush()
        if self._lines is None:
            self._lines = self._start_reader()
        line = await self._lines.get()
        if line is None:
            self._lines.put_nowait(None)  # end of input stays the end
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
        self._fresh = True
        if BUTTON_NUMBER.fullmatch(line.strip()) and self._choices:
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


def _fileno(stream: TextIO) -> int | None:
    try:
        return stream.fileno()
    except (OSError, ValueError, AttributeError):  # StringIO and friends
        return None


def _local_user() -> str:
    try:
        return getpass.getuser()[:64]
    except Exception:
        return "local"


async def run_terminal(config: Config, start_core: Callable[[Config], Awaitable[Core]]) -> None:
    from bot.web.server import start_pages

    core = await start_core(config)
    try:
        pages = await start_pages(core)
        try:
            await TerminalChannel(core).run()
        finally:
            if pages is not None:
                await pages.stop()
    finally:
        await core.close()
