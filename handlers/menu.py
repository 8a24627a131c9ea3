"""The main menu: the entries each feature adds, shown only when they work for this user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.ctx import Ctx
from bot.i18n import _
from bot.types import Button, Reply


@dataclass(frozen=True)
class MenuEntry:
    payload: str
    label: str  # msgid, translated when shown
    help: str  # msgid: one plain sentence for /help
    visible: Callable[[Ctx | None], bool] = lambda ctx: True
    order: int = 100


MENU: list[MenuEntry] = []


def add(entry: MenuEntry) -> None:
    MENU[:] = sorted([e for e in MENU if e.payload != entry.payload] + [entry],
                     key=lambda e: e.order)


def entries(ctx: Ctx | None) -> list[MenuEntry]:
    return [e for e in MENU if e.visible(ctx)]


def buttons(ctx: Ctx | None) -> tuple[tuple[Button, ...], ...]:
    return tuple((Button(_(e.label), e.payload),) for e in entries(ctx))


def menu_reply(ctx: Ctx | None, text: str | None = None, *, edit: bool = False) -> Reply:
    return Reply(text=text or _("What would you like to do? Choose a button below."),
                 buttons=buttons(ctx), edit=edit)
