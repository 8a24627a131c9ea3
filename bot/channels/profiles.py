"""What each channel is, for the parts of the bot that must not know one messenger from
another: what it can show (`Capabilities`), how fast it may send (`per_second`,
`per_chat_per_second`), whether a message may go to a person now (`policy`,
bot/channels/policy.py), and how a link or a QR code opens the bot on it (`link`).

`profile(config, name)` is the one place a channel's name becomes its rules; the core's reply
renderer (bot/channels/adapt.py), the outbox and the posters ask it. This module imports no
messenger library, so the core can use it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.channels.policy import ALWAYS, SendPolicy
from bot.errors import ConfigError
from bot.i18n import N_

if TYPE_CHECKING:
    from bot.config import Config


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What one message of a channel can hold. None: no limit the bot needs to mind."""

    max_text: int | None = None  # characters (UTF-16 units) of one text message
    max_buttons: int | None = None  # buttons under one message
    max_buttons_per_row: int | None = None
    max_label: int | None = None  # characters of one button's label
    max_payload_bytes: int | None = None  # bytes of one button's payload (UTF-8)
    documents: bool = True  # can send a file (the booking's calendar card)
    locations: bool = True  # can send a map pin
    images: bool = True
    request_contact: bool = True  # a button that asks for the user's own phone
    request_location: bool = True  # a button that asks for the current location
    edit: bool = True  # can replace the message whose button was pressed
    presses_as_text: bool = False  # a pressed button comes back as the user's text
    inbound_photos: bool = False  # a picture the user sends reaches the bot (`Incoming.photo`)


@dataclass(frozen=True)
class Profile:
    name: str
    capabilities: Capabilities
    # The channel's own sending budget; None: not limited.
    per_second: float | None = None
    per_chat_per_second: float | None = None
    # Kinds of outbox message (e.g. "broadcast") the channel sends as paid messages, at
    # `paid_per_second` (a budget of their own), `paid_in_flight` at once.
    paid_kinds: frozenset[str] = frozenset()
    paid_per_second: float | None = None
    paid_in_flight: int = 0
    paid_stars_per_message: float = 0.0  # what the messenger charges for each one
    policy: SendPolicy = ALWAYS
    # A link that opens a chat with the bot and sends it `/start <param>`; None: none can.
    link: Callable[[str], str | None] = field(default=lambda param: None)
    # Said on a poster above this channel's code, e.g. "Open Telegram, then scan" (msgid).
    scan_hint: str = ""
    # Set up in the config (a token): served by `trolyso run` and shown on posters.
    enabled: bool = True
    # The channel's name as people know it, in officers' counts ("Zalo 900, Telegram 250").
    title: str = ""

    @property
    def label(self) -> str:
        return self.title or self.name


PAID_ROUND_TRIP_SECONDS = 0.1

# Telegram: 4096 UTF-16 units per message, 64 bytes of callback data (core.telegram.org/bots/
# api#inlinekeyboardbutton); about 100 buttons per keyboard (community-collected, kept well
# below); 30 messages/s overall and 1 per chat are the documented ceilings.
TELEGRAM = Capabilities(
    max_text=4096,
    max_buttons=100,
    max_buttons_per_row=8,
    max_label=64,
    max_payload_bytes=64,
    inbound_photos=True,
)
TERMINAL = Capabilities(edit=False)
# Zalo OA (../shared/facts/channels.md, section 4): at most 5 buttons, titles of at most 20
# characters; presses arrive as the user's text. The Zalo channel's own profile is built from
# its settings (bot/channels/zalo/capabilities.py); tests use this fixed one.
ZALO_LIKE = Capabilities(
    max_text=2000,
    max_buttons=5,
    max_buttons_per_row=1,
    max_label=20,
    max_payload_bytes=64,
    request_contact=False,
    request_location=False,
    edit=False,
    presses_as_text=True,
)


def _telegram(config: Config) -> Profile:
    tg = config.channels.telegram
    username = tg.bot_username

    def link(param: str) -> str | None:
        return f"https://t.me/{username}?start={param}" if username else None

    paid = tg.paid_broadcast
    return Profile(
        "telegram",
        TELEGRAM,
        per_second=tg.per_second,
        per_chat_per_second=tg.per_chat_per_second,
        # Telegram's paid broadcasts (allow_paid_broadcast: up to 1,000 messages/s, 0.1 Stars
        # each; ../shared/facts/channels.md), for broadcasts only. Enough sends at once to
        # fill the rate over a round trip of about 0.1 s, within half the connection pool
        # (the other half stays for replies).
        paid_kinds=frozenset({"broadcast"}) if paid else frozenset(),
        paid_per_second=tg.paid_per_second if paid else None,
        paid_in_flight=min(
            math.ceil(tg.paid_per_second * PAID_ROUND_TRIP_SECONDS),
            max(1, tg.connection_pool_size // 2),
        )
        if paid
        else 0,
        paid_stars_per_message=0.1 if paid else 0.0,
        link=link,
        scan_hint=N_("Open Telegram, then scan this code with your phone's camera."),
        enabled=bool(tg.token),
        title="Telegram",
    )


def _zalo(config: Config) -> Profile:
    from bot.channels.zalo.capabilities import capabilities
    from bot.channels.zalo.policy import ZaloPolicy
    from bot.channels.zalo.settings import from_config

    settings = from_config(config)
    return Profile(
        "zalo",
        capabilities(settings),
        per_second=settings.per_second,
        policy=ZaloPolicy(settings),
        # No link sends an OA `/start <param>`: posters show no Zalo code yet.
        enabled=settings.configured,
        title="Zalo",
    )


def _terminal(config: Config) -> Profile:
    return Profile("terminal", TERMINAL, title="Terminal")


_BUILDERS: dict[str, Callable[[Config], Profile]] = {
    "telegram": _telegram,
    "zalo": _zalo,
    "terminal": _terminal,
}


def profile(config: Config, name: str) -> Profile:
    """The channel's profile; a name no channel has (a test's made-up channel) gets one with
    no limits, that sends always."""
    build = _BUILDERS.get(name)
    return build(config) if build is not None else Profile(name, Capabilities())


def messengers(config: Config) -> list[Profile]:
    """The messenger channels (not the terminal), in the order posters show them."""
    return [build(config) for name, build in _BUILDERS.items() if name != "terminal"]


def links(config: Config, param: str) -> list[tuple[Profile, str]]:
    """Each messenger's link sending the bot `/start <param>`, for those that can build one."""
    return [(p, link) for p in messengers(config) if (link := p.link(param)) is not None]


# What to set so that `links` finds one (said by `trolyso points qr` when none can be built).
NO_LINK_HELP = (
    "config: channels.telegram.bot_username is empty; set it in config.toml (or "
    "TROLYSO_CHANNELS_TELEGRAM_BOT_USERNAME), or pass --bot-username NAME"
)


def with_bot_username(config: Config, name: str) -> Config:
    """The config with the bot's username given on the command line (`--bot-username`),
    checked as the config file's value is."""
    name = name.strip().removeprefix("@")
    try:
        return config.replace(channels__telegram__bot_username=name)
    except ConfigError:
        raise ConfigError(
            "--bot-username must be the bot's username from @BotFather "
            f"(5-32 letters, digits or _, ending in bot); got {name!r}"
        ) from None
