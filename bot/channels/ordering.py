"""Per-chat order for PTB: one chat's updates strictly one after another, chats concurrently.

`ChatOrderedProcessor` is a `telegram.ext.BaseUpdateProcessor`. PTB starts one task per update
in arrival order. The first update of a chat that is not busy becomes the chat's *server*: it
takes one of `max_concurrent_updates` processing slots, handles its update, then every update
of that chat that arrived meanwhile, in arrival order, and only then lets the chat go. An update
for a busy chat is only put in the chat's queue; its own task ends at once. So an update waiting
for its chat holds no slot (one busy chat can never fill every slot and stall the others), and
waiting costs a queue entry rather than a task parked on a lock (docs/PERFORMANCE.md). PTB's own
semaphore is therefore left unbounded; `Application.stop()` still waits for every update,
because the servers are PTB's tasks.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import deque
from collections.abc import Awaitable
from typing import Any

from telegram.ext import BaseUpdateProcessor

from bot.channels.telegram_update import RawUpdate
from bot.channels.telegram_update import chat_key as raw_chat_key

log = logging.getLogger(__name__)

# PTB's semaphore is taken before ours; it must never make an update wait.
_UNBOUNDED = 1 << 30


def chat_key(update: object) -> int | None:
    """The chat whose order an update belongs to (its user when there is no chat)."""
    return raw_chat_key(update) if isinstance(update, RawUpdate) else None


def _close(coroutine: Awaitable[Any]) -> None:
    """Close a coroutine that will never run, quietly."""
    if inspect.iscoroutine(coroutine):
        coroutine.close()


class ChatOrderedProcessor(BaseUpdateProcessor):
    __slots__ = ("_busy", "_slots", "limit", "processing", "queued")

    def __init__(self, max_concurrent_updates: int):
        if max_concurrent_updates < 1:
            raise ValueError("max_concurrent_updates must be at least 1")
        super().__init__(_UNBOUNDED)
        self.limit = max_concurrent_updates
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        # Busy chats → their updates that arrived while one of theirs was being handled.
        self._busy: dict[int, deque[Awaitable[Any]]] = {}
        self.processing = 0
        self.queued = 0

    @property
    def waiting(self) -> int:
        """Updates received but not yet being processed (waiting for their chat or a slot)."""
        return self.queued + self.current_concurrent_updates - self.processing

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            try:
                async with self._slots:
                    await self._run(coroutine)
            except asyncio.CancelledError:
                _close(coroutine)  # cancelled while waiting for a slot
                raise
            return
        queue = self._busy.get(key)
        if queue is not None:  # the chat's server handles it after the ones before it
            queue.append(coroutine)
            self.queued += 1
            return
        await self._serve(key, coroutine)

    async def _serve(self, key: int, first: Awaitable[Any]) -> None:
        queue: deque[Awaitable[Any]] = deque()
        self._busy[key] = queue
        started = False
        try:
            async with self._slots:
                started = True
                await self._run(first)
                while queue:
                    coroutine = queue.popleft()
                    self.queued -= 1
                    try:
                        await self._run(coroutine)
                    except Exception:  # PTB's own handling of this update failed: go on
                        log.exception("an update of a chat failed outside its handler")
        except asyncio.CancelledError:
            if not started:
                _close(first)
            raise
        finally:
            del self._busy[key]
            while queue:  # only when cancelled: these never ran
                _close(queue.popleft())
                self.queued -= 1

    async def _run(self, coroutine: Awaitable[Any]) -> None:
        self.processing += 1
        try:
            await coroutine
        finally:
            self.processing -= 1

    async def initialize(self) -> None:
        """Nothing to set up: queues are made per chat as updates arrive."""

    async def shutdown(self) -> None:
        """Nothing to free: PTB's Application.stop() already waited for running updates."""
