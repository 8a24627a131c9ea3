"""Several processes, started together, and errors an operator can read: migrations take turns,
one bot per SQLite database, the pid file belongs to its writer, and a failure at start is one
line naming the key, with exit 2, no traceback and no token."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.db import Database
from bot.outage import Outage
from bot.runlock import one_instance, pid_file, running_pid
from tests.fake_telegram import TOKEN as FAKE_TOKEN

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "9876543210:AAH-a-token-that-must-never-be-printed-xyz"


def trolyso(tmp_path: Path, *args: str, timeout: float = 60, **env: str):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TROLYSO_")}
    environ.update(
        {
            "TROLYSO_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            "TROLYSO_PATHS_PID_FILE": str(tmp_path / "bot.pid"),
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(ROOT / "config.toml"), *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


async def test_processes_starting_together_take_turns_on_the_migrations(db_url):
    if db_url.startswith("sqlite"):
        pytest.skip("one process per SQLite database; the race is PostgreSQL's")
    dbs = [Database(db_url) for _ in range(3)]
    try:
        await asyncio.gather(*(db.upgrade() for db in dbs))
        revisions = {await db.current_revision() for db in dbs}
        assert len(revisions) == 1 and None not in revisions
    finally:
        for db in dbs:
            await db.close()


def test_a_second_bot_on_one_sqlite_database_is_refused_and_leaves_the_first_alone(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    with one_instance(url), pid_file(tmp_path / "bot.pid") as ours:
        assert ours
        second = trolyso(tmp_path, "run", "--channel", "terminal")
        assert second.returncode == 2
        assert f"pid {os.getpid()}" in second.stderr and "database.url" in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1, second.stderr
        assert (tmp_path / "bot.pid").read_text().strip() == str(os.getpid())
    assert not (tmp_path / "bot.pid").exists(), "its owner removes it"


def test_content_reload_never_signals_the_process_a_stale_pid_file_names(tmp_path):
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / "bot.pid").write_text(f"{stranger.pid}\n")  # left by a bot that died
        assert running_pid(tmp_path / "bot.pid") is None
        reload = trolyso(tmp_path, "content", "reload")
        assert reload.returncode == 2 and "not running" in reload.stderr
        assert stranger.poll() is None, "the unrelated process was not signalled"
    finally:
        stranger.send_signal(signal.SIGKILL)
        stranger.wait()


def _one_line(result) -> str:
    """The one error line; the rest of stderr is the usual INFO log of a start."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("trolyso:")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.stderr and " ERROR " not in result.stderr, result.stderr
    for token in (TOKEN, FAKE_TOKEN):
        assert token.split(":")[1] not in result.stderr
    return errors[0]


def test_an_unreachable_database_at_start_is_one_line(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    line = _one_line(
        trolyso(
            tmp_path,
            "run",
            "--channel",
            "terminal",
            TROLYSO_DATABASE_URL=f"postgresql+asyncpg://postgres:pw@127.0.0.1:{port}/x",
        )
    )
    assert line.startswith("trolyso: database.url: cannot open") and "pw" not in line


def test_a_bad_api_url_is_one_line_without_the_token(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    line = _one_line(
        trolyso(
            tmp_path,
            "run",
            "--channel",
            "telegram",
            TROLYSO_CHANNELS_TELEGRAM_TOKEN=TOKEN,
            TROLYSO_CHANNELS_TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{port}/bot",
        )
    )
    assert "channels.telegram.api_base_url" in line


def test_a_port_in_use_is_one_line(tmp_path):
    from tests.fake_telegram import FakeTelegram

    async def run() -> str:
        async with FakeTelegram() as fake:
            busy = socket.socket()
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            try:
                result = await asyncio.to_thread(
                    trolyso,
                    tmp_path,
                    "run",
                    "--webhook",
                    TROLYSO_CHANNELS_TELEGRAM_TOKEN=FAKE_TOKEN,
                    TROLYSO_CHANNELS_TELEGRAM_API_BASE_URL=fake.base_url,
                    TROLYSO_WEBHOOK_SECRET_TOKEN="s3cret",
                    TROLYSO_WEBHOOK_LISTEN_HOST="127.0.0.1",
                    TROLYSO_WEBHOOK_LISTEN_PORT=str(busy.getsockname()[1]),
                )
            finally:
                busy.close()
            return _one_line(result)

    assert "webhook.listen_host/listen_port" in asyncio.run(run())


def test_an_outage_is_logged_once_with_a_count_and_recovery_once(caplog):
    log = logging.getLogger("tests.outage")
    outage = Outage("outbox sweep", log, every=3600)
    with caplog.at_level(logging.INFO, logger="tests.outage"):
        for _ in range(500):
            outage.failed(ConnectionRefusedError(111, "Connect call failed"))
        outage.every = 0  # a minute has passed
        outage.failed(ConnectionRefusedError(111, "Connect call failed"))
        outage.succeeded()
        outage.succeeded()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3, lines
    assert "outbox sweep failed: ConnectionRefusedError" in lines[0]
    assert "500 attempts" in lines[1]
    assert "recovered" in lines[2] and "501 failed attempts" in lines[2]
    assert all(r.exc_info is None for r in caplog.records), "an outage needs no traceback"
