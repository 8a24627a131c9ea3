"""Reloading a running bot's content from outside: the PID file the bot writes while it runs,
the SIGHUP handler that reloads, and the signal `trolyso content reload` sends.

The bot's `run` wraps its loop in `with pid_file(config): ...`; the guides feature's setup
installs the SIGHUP handler (only in the main thread's loop, where signals arrive).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from bot import runlock
from bot.config import Config
from bot.errors import TrolysoError

if TYPE_CHECKING:
    from bot.content.store import ContentStore

log = logging.getLogger(__name__)
_tasks: set[asyncio.Task] = set()  # reloads in flight, kept so they are not collected


def pid_path(config: Config) -> Path:
    return config.path("paths.pid_file")


@contextlib.contextmanager
def pid_file(config: Config) -> Iterator[Path]:
    """Write this process's id for `trolyso content reload` while the bot runs; only its
    owner writes and removes it (bot/runlock.py)."""
    path = pid_path(config)
    with runlock.pid_file(path) as ours:
        if not ours:
            log.warning(
                "%s belongs to another running bot; `trolyso content reload` signals that one",
                path,
            )
        yield path


def report_path(config: Config) -> Path:
    """Where the bot writes what its last reload did, for `trolyso content reload` to print."""
    return pid_path(config).with_suffix(".reload.json")


async def reload_and_report(store: ContentStore, report: Path | None) -> None:
    result = await store.reload()
    if report is None:
        return
    body = {
        "pid": os.getpid(),
        "at": time.time(),
        "ok": result.ok,
        "changes": result.changes,
        "errors": sum(not p.warning for p in result.problems),
    }
    try:
        report.parent.mkdir(parents=True, exist_ok=True)
        part = report.with_suffix(".part")
        part.write_text(json.dumps(body), encoding="utf-8")
        os.replace(part, report)
    except OSError as e:
        log.warning("could not write the reload report %s: %s", report, e.strerror)


def read_report(report: Path, pid: int, since: float) -> dict | None:
    """The report the bot `pid` wrote after `since` (a time.time()), or None (not yet)."""
    try:
        body = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(body, dict) or body.get("pid") != pid or body.get("at", 0) < since:
        return None
    return body


def install_sighup(store: ContentStore, report: Path | None = None) -> bool:
    """Reload on SIGHUP (and write what it did to `report`); False where signals cannot be
    handled (not the main thread, or a platform without SIGHUP)."""
    if not hasattr(signal, "SIGHUP") or threading.current_thread() is not threading.main_thread():
        return False
    loop = asyncio.get_running_loop()

    def on_hangup() -> None:
        log.info("SIGHUP: reloading content")
        task = loop.create_task(reload_and_report(store, report))
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)

    try:
        loop.add_signal_handler(signal.SIGHUP, on_hangup)
    except (NotImplementedError, RuntimeError, ValueError):
        return False
    return True


def signal_running_bot(config: Config) -> int:
    """Send SIGHUP to the bot named in the PID file; its id. Raises TrolysoError when no bot
    is running."""
    path = pid_path(config)
    # Only a pid file its writer still holds names the bot: one left by a crash may name any
    # process by now.
    pid = runlock.running_pid(path)
    if pid is None:
        raise TrolysoError(
            f"the bot is not running (no running bot holds {path}); new content is loaded "
            "when it starts"
        )
    if not hasattr(signal, "SIGHUP"):
        raise TrolysoError("this platform has no SIGHUP; restart the bot to load new content")
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise TrolysoError(
            f"the bot is not running (process {pid} from {path} is gone); new "
            "content is loaded when it starts"
        ) from None
    except PermissionError:
        raise TrolysoError(f"not allowed to signal process {pid}; run as the bot's user") from None
    return pid
