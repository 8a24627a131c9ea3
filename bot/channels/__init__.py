"""Channels: each turns its platform's updates into `Incoming` and renders `Reply` back.

Only modules in this package may import a messenger library (tests/test_layering.py checks).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

from bot.errors import ConfigError, TrolysoError
from bot.types import Reply

if TYPE_CHECKING:
    from bot.config import Config
    from bot.core import Core


class Channel(Protocol):
    name: str

    async def send(self, chat_id: str, replies: list[Reply]) -> None:
        """Send replies to a chat that did not just write (reminders, broadcasts)."""


# The channels `trolyso run --channel` can serve, by name; the first with its settings filled
# is the default, and the terminal chat is always there.
NAMES = ("telegram", "zalo", "terminal")


def default_channel(config: Config) -> str:
    """Telegram when its token is set (Zalo, when configured, is served beside it), else
    Zalo when configured, else the terminal chat."""
    if config.channels.telegram.token:
        return "telegram"
    from bot.channels.zalo.serve import configured

    return "zalo" if configured(config) else "terminal"


def serve(
    config: Config,
    name: str,
    start_core: Callable[[Config], Awaitable[Core]],
    *,
    webhook: bool = False,
) -> None:
    """Build the core with `start_core` (the composition root's) and serve it on channel
    `name` until SIGINT/SIGTERM."""
    from bot.content.reload import pid_file

    if name == "terminal":
        if webhook:
            raise TrolysoError("--webhook needs a channel that takes webhooks (telegram)")
        from bot.channels.terminal import run_terminal

        with pid_file(config):
            asyncio.run(run_terminal(config, start_core))
        return
    if name == "zalo":
        from bot.channels.zalo.serve import configured, serve_alone

        if webhook:
            raise TrolysoError("--webhook is Telegram's; Zalo always uses its webhook")
        if not configured(config):
            raise ConfigError(
                "config: channels.zalo.app_id, app_secret_key and oa_secret_key must be set to "
                "run on Zalo (README, Zalo Official Account)"
            )
        with pid_file(config):
            asyncio.run(serve_alone(config, start_core))
        return
    if name != "telegram":
        raise TrolysoError(f"unknown channel {name!r}; one of: {', '.join(NAMES)}")
    if not config.channels.telegram.token:
        raise ConfigError(
            "config: channels.telegram.token is empty; set TROLYSO_CHANNELS_TELEGRAM_TOKEN to "
            "run on Telegram"
        )
    from bot.channels.telegram import run_telegram

    with pid_file(config):
        run_telegram(config, start_core, webhook=webhook)
