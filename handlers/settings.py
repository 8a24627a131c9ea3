"""Settings: one "⚙️ Settings" menu for the user's own preferences.

Features declare their settings as `SettingEntry` constants (reminders, quiet hours, news from
my ward...), listed in the menu table (`handlers.MENUS.settings`). The menu entry appears only
when at least one setting is listed, so the bot never offers an empty screen. Each entry's `describe(ctx)` tells the current value in one
line; pressing its button opens the feature's own handler (registered by the feature).
"""

from __future__ import annotations

from bot.ctx import Ctx, MenuEntry, SettingEntry
from bot.i18n import N_, _
from bot.router import Router
from bot.types import Button, Incoming, Reply

router = Router()
OPEN = "set"


__all__ = ["MENU_ENTRY", "SettingEntry", "router", "settings_reply"]

MENU_ENTRY = MenuEntry(
    OPEN,
    N_("⚙️ Settings"),
    N_("Change your settings: reminders, quiet hours, news."),
    # Without a user (the apology's menu) the table is not at hand; the table lists settings.
    visible=lambda ctx: ctx is None or bool(ctx.core.menus.settings),
)


async def settings_reply(ctx: Ctx, note: str | None = None) -> Reply:
    lines = [note] if note else []
    lines.append(_("Your settings:"))
    for entry in ctx.core.menus.settings:
        lines.append(f"• {await entry.describe(ctx)}")
    buttons = [(Button(_(e.label), e.payload),) for e in ctx.core.menus.settings]
    buttons.append((Button(_("🏠 Main menu"), "menu"),))
    return Reply(text="\n".join(lines), buttons=tuple(buttons))


async def show_settings(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    if not ctx.core.menus.settings:
        return None
    ctx.state.clear()
    return [await settings_reply(ctx)]


router.payload(OPEN, show_settings, always=True)
router.command("settings", show_settings)
