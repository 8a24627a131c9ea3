"""Reloading a running bot's content from outside: the PID file the bot writes while it runs,
the SIGHUP handler that reloads, and the signal `trolyso content reload` sends.

The bot's `run` wraps its loop in `with pid_file(config): ...`; the guides feature's setup
installs the SIGHUP handler (only in the main thread's loop, where signals arrive).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
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


def install_sighup(store: ContentStore) -> bool:
    """Reload on SIGHUP; False where signals cannot be handled (not the main thread, or a
    platform without SIGHUP)."""
    if not hasattr(signal, "SIGHUP") or threading.current_thread() is not threading.main_thread():
        return False
    loop = asyncio.get_running_loop()

    def on_hangup() -> None:
        log.info("SIGHUP: reloading content")
        task = loop.create_task(store.reload())
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
