"""The main menu as each user sees it: the entries of the menu table (`handlers.MENUS`, carried
by the core as `core.menus`) that work for this user, in the table's order."""

from __future__ import annotations

from bot.ctx import Ctx, MenuEntry, Menus
from bot.i18n import _, current_locale
from bot.types import Button, Reply

__all__ = ["MenuEntry", "buttons", "entries", "menu_reply", "resume_offers"]


def _menus(ctx: Ctx | None, menus: Menus | None) -> Menus:
    if menus is not None:
        return menus
    assert ctx is not None, "a menu without a user needs the menu table"
    return ctx.core.menus


async def resume_offers(ctx: Ctx) -> list[Reply]:
    replies = [await offer(ctx) for offer in ctx.core.menus.resume]
    return [r for r in replies if r is not None]


def entries(ctx: Ctx | None, menus: Menus | None = None) -> list[MenuEntry]:
    """The visible entries; without a user (`ctx` None: the apology) those that need none."""
    return [e for e in _menus(ctx, menus).main if e.visible(ctx)]


# The menu's buttons per (locale, visible entries): built once, since /menu is the most
# frequent message and Buttons are immutable.
_BUTTONS: dict[tuple[str, tuple[MenuEntry, ...]], tuple[tuple[Button, ...], ...]] = {}


def buttons(ctx: Ctx | None, menus: Menus | None = None) -> tuple[tuple[Button, ...], ...]:
    visible = tuple(entries(ctx, menus))
    key = (current_locale(), visible)
    cached = _BUTTONS.get(key)
    if cached is None:
        cached = _BUTTONS[key] = tuple((Button(_(e.label), e.payload),) for e in visible)
    return cached


def menu_reply(
    ctx: Ctx | None, text: str | None = None, *, edit: bool = False, menus: Menus | None = None
) -> Reply:
    return Reply(
        text=text or _("What would you like to do? Choose a button below."),
        buttons=buttons(ctx, menus),
        edit=edit,
    )
