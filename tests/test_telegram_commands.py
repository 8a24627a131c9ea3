"""Telegram's command menu: set with setMyCommands at start, in Vietnamese and English, listing
only commands the bot really answers."""

from __future__ import annotations

import pytest

from bot.channels.telegram_commands import COMMANDS
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import running_bot


@pytest.fixture
async def fake():
    async with FakeTelegram() as fake:
        yield fake


async def test_the_command_menu_is_set_in_both_languages_at_start(config, clock, fake):
    async with running_bot(config, clock, fake) as bot:
        handled = set(bot.channel.core.router.commands)
    assert set(fake.commands) == {"vi", "en", ""}
    vi = {c["command"]: c["description"] for c in fake.commands["vi"]}
    en = {c["command"]: c["description"] for c in fake.commands["en"]}
    assert vi["mybookings"] == "Lịch hẹn của tôi" and en["mybookings"] == "My bookings"
    assert vi["book"] != en["book"], "the Vietnamese menu is translated"
    assert fake.commands[""] == fake.commands[config.bot.default_locale]
    # No menu entry for a command nobody answers.
    assert {f"/{name}" for name, _ in COMMANDS} <= handled
