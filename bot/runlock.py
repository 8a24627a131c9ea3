"""Which process is the bot: one instance per SQLite database, and a pid file only its owner
writes and removes.

- **One instance per SQLite database.** SQLite serves one bot process (DESIGN.md); a second
  `trolyso run` on the same file would answer the same chats twice and fight over the write
  lock. The running bot holds an exclusive `flock` on `<database>.lock` beside the database;
  a second one is refused with who holds it. The kernel drops the lock when the process dies,
  however it dies, so a crash never leaves a stale lock. PostgreSQL takes several processes.
- **The pid file** (`paths.pid_file`, for `trolyso content reload`) is written under a `flock`
  its owner holds for as long as it runs. A process that cannot take it leaves it alone (and
  never removes it); `content reload` signals the pid only while that lock is held, so a pid
  file left by a crash — whose number may by now belong to any process — is never signalled.

`flock` is advisory and per open file: it works between processes on one machine, which is
what both files are for.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.errors import TrolysoError


class AlreadyRunning(TrolysoError):
    """Another process holds the lock."""


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or "unknown"
    except OSError:
        return "unknown"


def sqlite_path(url: str) -> Path | None:
    """The database file of an SQLite URL (None for PostgreSQL or an in-memory database)."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


@contextlib.contextmanager
def one_instance(url: str) -> Iterator[Path | None]:
    """Hold the SQLite database's instance lock while the block runs; AlreadyRunning when
    another process holds it. Nothing to hold on PostgreSQL."""
    db = sqlite_path(url)
    if db is None:
        yield None
        return
    path = db.with_name(db.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(fd):
            raise AlreadyRunning(
                f"database.url: {db} is in use by another trolyso run ({_holder(path)}); "
                "stop that one first (one process per SQLite database; use PostgreSQL for "
                "several)"
            )
        os.ftruncate(fd, 0)
        started = time.strftime("%Y-%m-%d %H:%M:%S")
        os.write(fd, f"pid {os.getpid()}, started {started}: {' '.join(sys.argv[:3])}\n".encode())
        yield path
    finally:
        os.close(fd)  # closing drops the lock; the file stays (removing it would race)


@contextlib.contextmanager
def pid_file(path: Path) -> Iterator[bool]:
    """Write this process's id to `path` and hold it while the block runs. Yields False (and
    touches nothing) when another running process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(fd):
            yield False
            return
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        try:
            yield True
        finally:
            # Still ours (we hold the lock): remove it before letting go.
            with contextlib.suppress(OSError):
                path.unlink()
    finally:
        os.close(fd)


def running_pid(path: Path) -> int | None:
    """The pid in `path` when the process that wrote it is still running and holding it;
    None when the file is missing or stale (left by a process that died)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            held = True
        else:
            held = False  # nobody holds it: whoever wrote it is gone
        if not held:
            return None
        text = os.read(fd, 64).decode("ascii", "replace").strip()
    finally:
        os.close(fd)
    if not text.isascii() or not text.isdigit():
        raise TrolysoError(f"{path} does not hold a process id; remove it")
    return int(text)
