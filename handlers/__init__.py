"""Features, wired in one visible place: which features run, in what order, and every menu.

Each feature module exposes a `router` (its commands, states, payloads, free-text handlers),
may have a `setup(core)` run once at start, and declares its menu entries as constants. This
module lists them: `FEATURES` is the order their routes are tried within each step of the
dispatch order (bot/router.py); `MENUS` is every menu in the order shown. No feature adds to
another feature's lists; a route claimed twice stops the start (`RouteConflict`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.ctx import Menus
from bot.router import Router
from handlers import (
    booking,
    broadcasts,
    guides,
    handoff,
    mybookings,
    news,
    officer,
    officer_daily,
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

if TYPE_CHECKING:
    from bot.core import Core

# questions takes any free text no other feature took, so it stays last; handoff just before
# it, so a citizen's open question gets what they write instead of the search.
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
    handoff,
    questions,
]

MENUS = Menus(
    main=(
        guides.MENU_ENTRY,
        booking.MENU_ENTRY,
        mybookings.MENU_ENTRY,
        points.MENU_ENTRY,
        handoff.MENU_ENTRY,
        officer.MENU_ENTRY,
        privacy.MENU_ENTRY,
        settings.MENU_ENTRY,
        start.HELP_ENTRY,
        start.LANGUAGE_ENTRY,
    ),
    settings=(reminders.REMINDERS_SETTING, reminders.QUIET_SETTING, news.SETTING),
    officer=(
        officer.UNITS_ENTRY,
        web.ENTRY,
        handoff.QUEUE_ENTRY,
        officer_schedule.MENU_ENTRY,
        officer_daily.TODAY_ENTRY,
        officer_daily.HOME_ENTRY,
        broadcasts.MENU_ENTRY,
        stats.MENU_ENTRY,
        officer.AUDIT_ENTRY,
        officer.LINK_ENTRY,
    ),
    guide_end=(booking.still_stuck, handoff.at_guide_end),
    resume=(guides.resume_offer,),
    after_booking=(news.offer_after_booking,),
    book_at=booking.start_booking_at,
)

__all__ = ["FEATURES", "MENUS", "build_router", "setup"]


def build_router() -> Router:
    router = Router()
    for feature in FEATURES:
        router.include(feature.router, feature.__name__)
    return router


async def setup(core: Core) -> None:
    """Give each feature the chance to load what it needs once (content, indexes)."""
    for feature in FEATURES:
        hook = getattr(feature, "setup", None)
        if hook is not None:
            await hook(core)
