"""Running our real Telegram bot (PTB Application, aiohttp transport, core, database) against
the fake Bot API server, for the Telegram, webhook and ordering tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot import app
from bot.channels.telegram import TelegramBot
from bot.clock import Clock
from bot.config import Config
from bot.core import Core
from bot.types import Incoming, Reply
from tests.fake_telegram import TOKEN, FakeTelegram


def bot_config(config: Config, fake: FakeTelegram, **changes: Any) -> Config:
    return config.replace(
        channels__telegram__token=TOKEN,
        channels__telegram__api_base_url=fake.base_url,
        channels__telegram__api_file_url=fake.file_url,
        **changes,
    )


class Recorder:
    """Wraps `core.handle` to keep every `Incoming` the channel produced."""

    def __init__(self, core: Core):
        self.seen: list[Incoming] = []
        self._handle = core.handle
        core.handle = self  # type: ignore[method-assign]

    async def __call__(self, msg: Incoming) -> list[Reply]:
        self.seen.append(msg)
        return await self._handle(msg)


@asynccontextmanager
async def running_bot(
    config: Config, clock: Clock, fake: FakeTelegram, *, webhook: bool = False, **changes: Any
) -> AsyncIterator[TelegramBot]:
    cfg = bot_config(config, fake, **changes)
    core = await app.start(cfg, clock=clock)
    try:
        bot = TelegramBot(cfg, core, webhook=webhook, listen_port=0 if webhook else None)
        await bot.start()
        try:
            yield bot
        finally:
            await bot.stop()
    finally:
        await core.close()
