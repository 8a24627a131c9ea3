"""aiosqlite's connection, run on the event loop's own thread instead of a worker thread.

SQLAlchemy's async SQLite dialect talks to aiosqlite, which hands every call (cursor, execute,
fetch, commit) to a worker thread and wakes the event loop when it is done. For the bot's small
indexed statements SQLite itself needs microseconds; the hand-off costs far more (a queue put,
a thread wake-up, a self-pipe write to wake the loop, and under CPU contention a wait for the
GIL each way), about ten times per message (docs/PERFORMANCE.md).

`InlineConnection` keeps aiosqlite's API (so SQLAlchemy's dialect works unchanged) but runs each
call directly. The trade-off: while SQLite waits for a lock held by *another process* the whole
event loop waits too, for at most the connection's `busy_timeout` (bot/db sets it low). A bot
on SQLite is one process, and its own statements never wait for each other: they all go
through one connection, one transaction at a time (`Database.connection`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator
from typing import Any

import aiosqlite


class _RunNow:
    """Stands in for aiosqlite's queue to the worker thread: runs each function at once.
    aiosqlite (and SQLAlchemy's dialect, for `isolation_level`) put `(future, function)`
    pairs here."""

    @staticmethod
    def put_nowait(item: tuple[Any, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as e:  # handed to the awaiting caller, like the worker does
            if future is not None and not future.done():
                future.set_exception(e)
        else:
            if future is not None and not future.done():
                future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    def __init__(self, connector: Callable[[], sqlite3.Connection]):
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # type: ignore[assignment]  # no worker thread is ever started

    def __await__(self) -> Generator[Any, None, InlineConnection]:
        yield from self._connect().__await__()  # opens the sqlite3 connection (inline)
        return self

    async def _execute(self, fn, *args, **kwargs):
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The sqlite3 connection itself, for statements run synchronously (bot/core.py)."""
        return self._conn
