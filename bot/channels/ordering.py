"""Per-chat order for PTB: one chat's updates strictly one after another, chats concurrently.

`ChatOrderedProcessor` is a `telegram.ext.BaseUpdateProcessor`. PTB starts one task per update
in arrival order; each task first takes its chat's lock (asyncio locks are first come, first
served, and taking a free lock does not yield, so the lock queue keeps arrival order), and only
then one of `max_concurrent_updates` processing slots. Taking the slot second matters: an update
waiting for its chat holds no slot, so one busy chat can never fill every slot and stall the
others. PTB's own semaphore is therefore left unbounded.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from typing import Any

from telegram.ext import BaseUpdateProcessor

from bot.channels.telegram_update import RawUpdate
from bot.channels.telegram_update import chat_key as raw_chat_key

# PTB's semaphore is taken before ours; it must never make an update wait.
_UNBOUNDED = 1 << 30


class _ChatLock:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


def chat_key(update: object) -> int | None:
    """The chat whose order an update belongs to (its user when there is no chat)."""
    return raw_chat_key(update) if isinstance(update, RawUpdate) else None


class ChatOrderedProcessor(BaseUpdateProcessor):
    __slots__ = ("_locks", "_slots", "limit", "processing")

    def __init__(self, max_concurrent_updates: int):
        if max_concurrent_updates < 1:
            raise ValueError("max_concurrent_updates must be at least 1")
        super().__init__(_UNBOUNDED)
        self.limit = max_concurrent_updates
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, _ChatLock] = {}
        self.processing = 0

    @property
    def waiting(self) -> int:
        """Updates received but not yet being processed (waiting for their chat or a slot)."""
        return self.current_concurrent_updates - self.processing

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await self._in_order(chat_key(update), coroutine)
        except asyncio.CancelledError:
            # Cancelled while waiting its turn: close the never-started coroutine quietly.
            if inspect.iscoroutine(coroutine):
                coroutine.close()
            raise

    async def _in_order(self, key: int | None, coroutine: Awaitable[Any]) -> None:
        if key is None:
            async with self._slots:
                await self._run(coroutine)
            return
        entry = self._locks.get(key)
        if entry is None:
            entry = self._locks[key] = _ChatLock()
        entry.users += 1
        try:
            async with entry.lock, self._slots:
                await self._run(coroutine)
        finally:
            entry.users -= 1
            if entry.users == 0:  # nobody else queued for this chat: forget it
                del self._locks[key]

    async def _run(self, coroutine: Awaitable[Any]) -> None:
        self.processing += 1
        try:
            await coroutine
        finally:
            self.processing -= 1

    async def initialize(self) -> None:
        """Nothing to set up: locks are made per chat as updates arrive."""

    async def shutdown(self) -> None:
        """Nothing to free: PTB's Application.stop() already waited for running updates."""
