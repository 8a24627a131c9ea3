"""Telegram's command menu (the "/" button beside the text box): which commands it lists, in
each language, set with `setMyCommands` when the bot starts.

Only commands the router really handles are listed (tests/test_telegram_commands.py checks); the
descriptions are translated like every other text. The menu without a language code (what a
user whose Telegram speaks neither language sees) is in the bot's default language.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from bot.config import LOCALES
from bot.i18n import N_, _, use_locale

log = logging.getLogger(__name__)

# (command, description), in the order the menu shows them.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("menu", N_("Main menu")),
    ("book", N_("Book a visit to a support point")),
    ("mybookings", N_("My bookings")),
    ("help", N_("What this bot can do")),
    ("settings", N_("Settings")),
    ("language", N_("Language / Ngôn ngữ")),
    ("privacy", N_("My data and privacy")),
    ("cancel", N_("Stop what I am doing")),
    ("start", N_("Start again")),
)


def commands_in(locale: str) -> list[BotCommand]:
    with use_locale(locale):
        return [BotCommand(name, _(text)) for name, text in COMMANDS]


async def set_commands(bot: Bot, default_locale: str) -> None:
    """Publish the menu in every language; a refusal is logged, never fatal (the commands still
    work when typed)."""
    try:
        for locale in LOCALES:
            await bot.set_my_commands(commands_in(locale), language_code=locale)
        await bot.set_my_commands(commands_in(default_locale))
    except TelegramError as e:
        log.warning("Telegram refused the command menu (setMyCommands): %s", e)
