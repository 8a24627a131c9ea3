"""The terminal chat is a real channel: scripted through a pipe, numbered buttons, /quit."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

from bot.channels.terminal import TerminalChannel

ROOT = Path(__file__).resolve().parent.parent


async def test_buttons_are_numbered_and_a_number_presses_one(core):
    out = StringIO()
    # 2 = "English" in the /start greeting's first row
    channel = TerminalChannel(core, stdin=StringIO("/start\n2\n/quit\nnever read\n"), stdout=out)
    await channel.run()
    text = out.getvalue()
    assert "  1) Tiếng Việt" in text and "  2) English" in text
    assert "I will speak English" in text
    assert "never read" not in text


async def test_a_number_out_of_range_is_explained_not_sent(core):
    out = StringIO()
    await TerminalChannel(core, stdin=StringIO("/menu\n99\n"), stdout=out).run()
    assert "(1–" in out.getvalue()


def test_make_run_style_terminal_chat_works_through_a_pipe(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(
        (ROOT / "config.toml")
        .read_text()
        .replace('content = "content"', f'content = "{ROOT / "content"}"')
        .replace('locales = "locales"', f'locales = "{ROOT / "locales"}"')
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TROLYSO_")}
    env["TROLYSO_WEB_LISTEN_PORT"] = "0"  # any free port: other test runs may hold 8080
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "run"],
        input="/start\n/help\n/quit\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "Xin chào" in result.stdout
    assert "Tôi có thể giúp bạn" in result.stdout
    # Where the officer web pages are, in the log (stdout stays the chat).
    assert "officer web pages: http://127.0.0.1:8080/web/ (listening on 127.0.0.1:" in (
        result.stderr
    )
