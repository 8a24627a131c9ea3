"""The main menu: the entries each feature adds, shown only when they work for this user."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.ctx import Ctx
from bot.i18n import _, current_locale
from bot.types import Button, Reply


@dataclass(frozen=True)
class MenuEntry:
    payload: str
    label: str  # msgid, translated when shown
    help: str  # msgid: one plain sentence for /help
    visible: Callable[[Ctx | None], bool] = lambda ctx: True
    order: int = 100


MENU: list[MenuEntry] = []
# Features that can offer "continue where you left off" on /start (an unfinished guide, a
# booking draft): each returns a reply or None.
RESUME_OFFERS: list[Callable[[Ctx], Awaitable[Reply | None]]] = []


def add(entry: MenuEntry) -> None:
    MENU[:] = sorted(
        [e for e in MENU if e.payload != entry.payload] + [entry], key=lambda e: e.order
    )


def add_resume_offer(offer: Callable[[Ctx], Awaitable[Reply | None]]) -> None:
    if offer not in RESUME_OFFERS:
        RESUME_OFFERS.append(offer)


async def resume_offers(ctx: Ctx) -> list[Reply]:
    replies = [await offer(ctx) for offer in RESUME_OFFERS]
    return [r for r in replies if r is not None]


def entries(ctx: Ctx | None) -> list[MenuEntry]:
    return [e for e in MENU if e.visible(ctx)]


# The menu's buttons per (locale, visible entries): built once, since /menu is the most
# frequent message and Buttons are immutable.
_BUTTONS: dict[tuple[str, tuple[MenuEntry, ...]], tuple[tuple[Button, ...], ...]] = {}


def buttons(ctx: Ctx | None) -> tuple[tuple[Button, ...], ...]:
    visible = tuple(entries(ctx))
    key = (current_locale(), visible)
    cached = _BUTTONS.get(key)
    if cached is None:
        cached = _BUTTONS[key] = tuple((Button(_(e.label), e.payload),) for e in visible)
    return cached


def menu_reply(ctx: Ctx | None, text: str | None = None, *, edit: bool = False) -> Reply:
    return Reply(
        text=text or _("What would you like to do? Choose a button below."),
        buttons=buttons(ctx),
        edit=edit,
    )
