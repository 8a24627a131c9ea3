"""Settings: one "⚙️ Settings" menu for the user's own preferences.

Features add their settings with `add_setting(SettingEntry(...))` (reminders, quiet hours,
news from my ward...). The menu entry appears only once at least one setting exists, so the
bot never offers an empty screen. Each entry's `describe(ctx)` tells the current value in one
line; pressing its button opens the feature's own handler (registered by the feature).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.ctx import Ctx
from bot.i18n import N_, _
from bot.router import Router
from bot.types import Button, Incoming, Reply
from handlers import menu

router = Router()
OPEN = "set"


@dataclass(frozen=True)
class SettingEntry:
    payload: str  # its handler is registered by the feature (always=True: harmless to press)
    label: str  # msgid
    describe: Callable[[Ctx], Awaitable[str]]  # the current value, translated
    order: int = 100


SETTINGS: list[SettingEntry] = []


def add_setting(entry: SettingEntry) -> None:
    SETTINGS[:] = sorted(
        [e for e in SETTINGS if e.payload != entry.payload] + [entry], key=lambda e: e.order
    )


menu.add(
    menu.MenuEntry(
        OPEN,
        N_("⚙️ Settings"),
        N_("Change your settings: reminders, quiet hours, news."),
        visible=lambda ctx: bool(SETTINGS),
        order=850,
    )
)


async def settings_reply(ctx: Ctx, note: str | None = None) -> Reply:
    lines = [note] if note else []
    lines.append(_("Your settings:"))
    for entry in SETTINGS:
        lines.append(f"• {await entry.describe(ctx)}")
    buttons = [(Button(_(e.label), e.payload),) for e in SETTINGS]
    buttons.append((Button(_("🏠 Main menu"), "menu"),))
    return Reply(text="\n".join(lines), buttons=tuple(buttons))


async def show_settings(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    if not SETTINGS:
        return None
    ctx.state.clear()
    return [await settings_reply(ctx)]


router.payload(OPEN, show_settings, always=True)
router.command("settings", show_settings)
