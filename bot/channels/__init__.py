"""Channels: each turns its platform's updates into `Incoming` and renders `Reply` back.

Only modules in this package may import a messenger library (tests/test_layering.py checks).
"""

from __future__ import annotations

from typing import Protocol

from bot.types import Reply


class Channel(Protocol):
    name: str

    async def send(self, chat_id: str, replies: list[Reply]) -> None:
        """Send replies to a chat that did not just write (reminders, broadcasts)."""
