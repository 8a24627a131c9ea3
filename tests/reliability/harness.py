"""What the reliability checks share: the size of a run, the table of figures, the real bot as
a process of its own (so it can be killed), and the person-like data the log scan looks for."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.db import Database
from tests.fake_telegram import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
SIZE = os.environ.get("RELIABILITY_SIZE", "ci")
FIGURES: list[dict[str, Any]] = []
# Where every bot process of the suite writes its log, for the scan at the end (set by the
# suite's conftest for the session).
LOG_DIR: Path | None = None

# Personal data the suite's people send; none of it may reach a log.
NAMES = ("Đoàn Thị Hồng Nhung", "Nguyễn Văn Trường")
PHONES = ("0912 345 678", "0987654321", "+84 386 123 456")


def scale(ci: int, full: int) -> int:
    return full if SIZE == "full" else ci


def record(check: str, store: str, **figures: Any) -> None:
    FIGURES.append({"check": check, "store": store, **figures})
    print(f"\n{check} [{store}]: " + ", ".join(f"{k}={v}" for k, v in figures.items()))


def tag(i: int) -> str:
    """Letters only (digits could look like a phone number and be masked when stored)."""
    letters = ""
    for _ in range(5):
        i, r = divmod(i, 26)
        letters += chr(ord("a") + r)
    return "xq" + letters


def question(i: int) -> str:
    """A question the bot has no guide for: it answers, and stores it (masked) — one row per
    handled update, which is how lost and duplicated updates are counted."""
    extra = f" số tôi {PHONES[i % len(PHONES)]}" if i % 7 == 0 else ""
    return f"thời tiết hôm nay ở Hà Nội thế nào mã {tag(i)}{extra}"


async def stored_tags(db_url: str) -> Counter[str]:
    """How many times each question tag was handled (stored)."""
    from bot.db.search_models import UnansweredQuestion

    db = Database(db_url)
    try:
        async with db.transaction() as session:
            texts = (await session.execute(select(UnansweredQuestion.text))).scalars().all()
    finally:
        await db.close()
    found: Counter[str] = Counter()
    for text in texts:
        for word in text.split():
            if word.startswith("xq") and len(word) == 7:
                found[word] += 1
    return found


async def undone(db_url: str) -> int:
    from sqlalchemy import func

    from bot.db.inbox_models import InboxUpdate

    db = Database(db_url)
    try:
        async with db.transaction() as session:
            return (
                await session.execute(
                    select(func.count(InboxUpdate.id)).where(InboxUpdate.done_at.is_(None))
                )
            ).scalar_one()
    except Exception:
        return -1  # not migrated yet
    finally:
        await db.close()


async def until(done: Callable[[], Any], within: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        result = done()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return True
        await asyncio.sleep(every)
    return False


class BotProcess:
    """`trolyso run --channel telegram` against the fake Bot API, in a process of its own."""

    def __init__(
        self, fake: FakeTelegram, db_url: str, folder: Path, name: str, **env: str
    ) -> None:
        self.folder = folder
        self.name = name
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TROLYSO_")}
        self.env.update(
            {
                "TROLYSO_DATABASE_URL": db_url,
                "TROLYSO_CHANNELS_TELEGRAM_TOKEN": TOKEN,
                "TROLYSO_CHANNELS_TELEGRAM_API_BASE_URL": fake.base_url,
                "TROLYSO_CHANNELS_TELEGRAM_API_FILE_URL": fake.file_url,
                "TROLYSO_CHANNELS_TELEGRAM_POLL_TIMEOUT_SECONDS": "2",
                "TROLYSO_PATHS_PID_FILE": str(folder / f"{name}.pid"),
                "TROLYSO_LOGGING_LEVEL": "INFO",
                **env,
            }
        )
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    def log_path(self) -> Path:
        folder = LOG_DIR or self.folder
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{self.folder.name}-{self.name}-{self.starts}.log"

    async def start(self, *args: str) -> None:
        self.starts += 1
        log = self.log_path().open("wb")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "--config",
            str(ROOT / "config.toml"),
            "run",
            "--channel",
            "telegram",
            *args,
            env=self.env,
            cwd=ROOT,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        log.close()

    def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)

    async def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), 60)
        except TimeoutError:
            self.proc.kill()
            return await self.proc.wait()


def log_files() -> list[Path]:
    return sorted(LOG_DIR.glob("*.log")) if LOG_DIR else []
