"""Hot reload: new content swaps in whole; a broken edit keeps the last good content and logs
every problem; readers keep their step when it survives, else start again with a note;
SIGHUP and `trolyso content reload` trigger it."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import app, cli
from bot.content.reload import pid_file
from bot.content.store import content_store
from bot.core import Core
from tests.chat import Chat
from tests.guide_tree import STEPS, make_tree, write_guide

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def content(tmp_path) -> Path:
    return make_tree(tmp_path)


@pytest.fixture
async def gcore(config, clock, content) -> AsyncIterator[Core]:
    core = await app.start(config.replace(paths__content=str(content)), clock=clock)
    try:
        yield core
    finally:
        await core.close()


def rewrite_login(
    content: Path,
    version: int,
    drop: str | None = None,
    change: tuple[str, str] | None = None,
    title: str | None = None,
) -> None:
    for locale in ("vi", "en"):
        steps = [s for s in STEPS[locale] if s[0] != drop]
        if change:
            steps = [(sid, t, change[1] if sid == change[0] else text) for sid, t, text in steps]
        write_guide(
            content,
            "dvc-login",
            locales=(locale,),
            version=version,
            steps=steps,
            title=title and f"{title} {locale}",
        )


async def read_to_step_2(chat: Chat) -> None:
    await chat.say("/menu")
    await chat.tap("g:o:dvc-login")
    await chat.press("Bắt đầu")
    await chat.press("Tiếp theo")
    assert chat.text.startswith("Bước 2/3")


async def test_reload_swaps_in_the_new_content_for_every_reader(gcore, content):
    store = content_store(gcore)
    before = gcore.services["catalogue"]
    rewrite_login(content, version=2, title="Cách đăng nhập")
    result = await store.reload()
    assert result.ok and store.reloads == 1
    assert gcore.services["catalogue"] is not before
    chat = Chat(gcore)
    await chat.tap("g:c:dvc")
    assert "1. Cách đăng nhập vi" in chat.labels


async def test_a_broken_edit_keeps_the_last_good_content_and_logs_every_problem(
    gcore, content, caplog
):
    store = content_store(gcore)
    before = gcore.services["catalogue"]
    write_guide(
        content,
        "dvc-login",
        locales=("vi",),
        version=2,
        extra="author: Lan\n",
        steps=[("open-site", "Mở trang", "")],
    )
    with caplog.at_level(logging.ERROR, logger="bot.content.store"):
        result = await store.reload()
    assert not result.ok
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "unknown front matter key 'author'" in logged
    assert "step 'open-site' is empty" in logged
    assert "differs from vi.md (version 2)" in logged
    assert "kept the last good content" in logged
    assert gcore.services["catalogue"] is before
    chat = Chat(gcore)
    await chat.tap("g:o:dvc-login")
    assert "3 bước" in chat.text


async def test_reader_at_a_removed_step_starts_again_with_a_note(gcore, content):
    chat = Chat(gcore)
    await read_to_step_2(chat)
    rewrite_login(content, version=2, drop="press-login")
    assert (await content_store(gcore).reload()).ok
    await chat.press("Tiếp theo")
    assert chat.text.startswith(
        "ℹ️ Hướng dẫn này vừa được cập nhật, nên chúng ta bắt đầu "
        "lại từ bước 1.\n\nBước 1/2 · Mở trang"
    )


async def test_reader_whose_step_survives_continues_after_it(gcore, content):
    chat = Chat(gcore)
    await read_to_step_2(chat)
    rewrite_login(content, version=2, change=("scan-qr", "Mở VNeID rồi quét mã."))
    assert (await content_store(gcore).reload()).ok
    await chat.press("Tiếp theo")
    assert chat.text == "Bước 3/3 · Quét mã QR\n\nMở VNeID rồi quét mã."


async def test_continue_after_the_step_was_removed_starts_again_with_a_note(gcore, content):
    chat = Chat(gcore)
    await read_to_step_2(chat)
    rewrite_login(content, version=2, drop="press-login")
    assert (await content_store(gcore).reload()).ok
    await chat.say("/menu")
    await chat.press("Hướng dẫn")
    await chat.press("Tiếp tục")
    assert chat.text.startswith("ℹ️ Hướng dẫn này vừa được cập nhật")


async def test_derived_services_follow_the_catalogue_and_a_failing_build_keeps_the_old(
    gcore, content
):
    store = content_store(gcore)
    assert store.derive("count", lambda catalogue: len(catalogue.guides)) == 4
    write_guide(content, "dvc-pay-fees")
    assert (await store.reload()).ok and gcore.services["count"] == 6

    def broken(catalogue):
        raise RuntimeError("index failed")

    store.derive("broken", lambda c: 0)
    store._builders["broken"] = broken
    before = gcore.services["catalogue"]
    write_guide(content, "dvc-track-dossier")
    assert not (await store.reload()).ok
    assert gcore.services["catalogue"] is before and gcore.services["count"] == 6


async def test_sighup_reloads_the_running_bot(gcore, content):
    store = content_store(gcore)
    assert store.signal_installed, "the test loop runs in the main thread"
    rewrite_login(content, version=2, title="Sau khi tải lại")
    reloaded = store.next_reload()
    os.kill(os.getpid(), signal.SIGHUP)
    await asyncio.wait_for(reloaded.wait(), timeout=10)
    assert gcore.services["catalogue"].get("dvc-login", "vi").title == "Sau khi tải lại vi"


async def test_reload_command_checks_then_signals_the_bot_named_in_the_pid_file(
    gcore, content, tmp_path, monkeypatch, capsys
):
    store = content_store(gcore)
    assert store.signal_installed
    monkeypatch.setenv("TROLYSO_PATHS_CONTENT", str(content))
    monkeypatch.setenv("TROLYSO_PATHS_PID_FILE", str(tmp_path / "run" / "bot.pid"))
    args = ["--config", str(ROOT / "config.toml"), "content", "reload", "--wait", "0"]
    assert cli.main(args) == 2
    assert "the bot is not running" in capsys.readouterr().err

    with pid_file(gcore.config.replace(paths__pid_file=str(tmp_path / "run" / "bot.pid"))):
        write_guide(content, "dvc-login", locales=("vi",), version=2, extra="author: Lan\n")
        assert cli.main(args) == 1
        assert "unknown front matter key 'author'" in capsys.readouterr().out
        assert store.reloads == 0

        rewrite_login(content, version=2, title="Đã sửa")
        reloaded = store.next_reload()
        assert cli.main(args) == 0
        assert f"process {os.getpid()}" in capsys.readouterr().out
        await asyncio.wait_for(reloaded.wait(), timeout=10)
    assert gcore.services["catalogue"].get("dvc-login", "vi").title == "Đã sửa vi"
    assert not (tmp_path / "run" / "bot.pid").exists()
