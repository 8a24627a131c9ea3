"""Features, wired in one visible place.

Each feature module exposes a `router` (its commands, states, payloads, free-text handlers)
and may add entries to the main menu. The order of `FEATURES` is the order their routes are
tried within each step of the dispatch order (see bot/router.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.router import Router
from handlers import (
    booking,
    broadcasts,
    guides,
    mybookings,
    news,
    officer,
    officer_schedule,
    points,
    privacy,
    questions,
    reminders,
    settings,
    start,
    stats,
    web,
)
from handlers.menu import MENU, MenuEntry

if TYPE_CHECKING:
    from bot.core import Core

# questions takes any free text no other feature took, so it stays last.
FEATURES = [
    start,
    guides,
    points,
    booking,
    mybookings,
    privacy,
    officer,
    officer_schedule,
    broadcasts,
    news,
    stats,
    reminders,
    settings,
    web,
    questions,
]

__all__ = ["FEATURES", "MENU", "MenuEntry", "build_router", "setup"]


def build_router() -> Router:
    router = Router()
    for feature in FEATURES:
        router.include(feature.router)
    return router


async def setup(core: Core) -> None:
    """Give each feature the chance to load what it needs once (content, indexes)."""
    for feature in FEATURES:
        hook = getattr(feature, "setup", None)
        if hook is not None:
            await hook(core)
