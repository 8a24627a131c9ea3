"""What a handler gets besides the message: the user, their dialog state, the database
session of this message, the clock, the settings, the long-lived services and the menu table.

The menu table's shapes live here too (`Menus`): the composition root (bot/app.py) fills
them from `handlers.MENUS`, one visible table of the main menu, the settings screen, the
officer tools, the buttons at a guide's end, the "continue where you left off" offers and the
buttons under a new booking, each in the order shown. Features declare their entries as
constants and never add to another feature's lists. The core is seen through `CoreParts`, so
this module does not import the core (no import cycle through it: tests/test_import_graph.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.clock import Clock
from bot.config import Config
from bot.db import Database
from bot.db.models import User
from bot.types import Button, Incoming, Reply

if TYPE_CHECKING:
    from bot.channels.profiles import Profile
    from bot.content.model import Guide
    from bot.db.booking_models import Booking


@dataclass
class State:
    """The user's place in a dialog: a name like "booking.phone" and a small JSON payload."""

    name: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    offered: list[str] = field(default_factory=list)

    def go(self, name: str, **data: Any) -> None:
        """Move to step `name`, keeping what was gathered so far and adding `data`."""
        self.name = name
        self.data.update(data)

    def clear(self) -> None:
        self.name = ""
        self.data = {}


class Acting(Protocol):
    """The officer an officer entry is shown to (bot.services.actor.Actor; named by what it
    offers, since bot.services imports this module)."""

    @property
    def is_admin(self) -> bool: ...


def _always(_ctx: object) -> bool:
    return True


@dataclass(frozen=True)
class MenuEntry:
    """One button of the main menu; `visible(None)` is asked for the apology's menu, which
    knows no user."""

    payload: str
    label: str  # msgid, translated when shown
    help: str  # msgid: one plain sentence for /help
    visible: Callable[[Ctx | None], bool] = _always


@dataclass(frozen=True)
class SettingEntry:
    payload: str  # its handler is registered by the feature (always=True: harmless to press)
    label: str  # msgid
    describe: Callable[[Ctx], Awaitable[str]]  # the current value, translated


@dataclass(frozen=True)
class OfficerEntry:
    payload: str  # its handler is registered by the feature, `always=True`, and guarded
    label: str  # msgid, translated when shown
    visible: Callable[[Acting], bool] = _always  # e.g. admins only


# At a guide's end: extra buttons for that guide and reader (e.g. "Still stuck? Book a visit").
GuideEnd = Callable[["Guide", "Ctx"], list[Button]]
# On /start: "continue where you left off" (an unfinished guide, a booking draft), or None.
ResumeOffer = Callable[["Ctx"], Awaitable[Reply | None]]
# Under "✅ Booked!": buttons for the new booking (e.g. "🔔 Get news from this ward").
AfterBooking = Callable[["Ctx", "Booking"], Awaitable[list[Button]]]
BookAt = Callable[[str, "Incoming", "Ctx"], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Menus:
    main: tuple[MenuEntry, ...] = ()
    settings: tuple[SettingEntry, ...] = ()
    officer: tuple[OfficerEntry, ...] = ()
    guide_end: tuple[GuideEnd, ...] = ()
    resume: tuple[ResumeOffer, ...] = ()
    after_booking: tuple[AfterBooking, ...] = ()
    # "Book a visit here" on a support point's card, when a booking feature is wired in.
    book_at: BookAt | None = None

    def __post_init__(self) -> None:
        for name in ("main", "settings", "officer"):
            payloads = [e.payload for e in getattr(self, name)]
            doubled = {p for p in payloads if payloads.count(p) > 1}
            if doubled:
                raise ValueError(f"menus.{name}: payload listed twice: {sorted(doubled)}")


class CoreParts(Protocol):
    """What of the core a handler may reach (bot/core.py's `Core` has these)."""

    config: Config
    db: Database
    clock: Clock
    services: dict[str, Any]
    menus: Menus

    def profile(self, channel: str) -> Profile:
        """The channel's profile: what it can show, its send policy."""
        ...


class Ctx:
    """`session` is an `AsyncSession` in this message's transaction. It is opened the first
    time a handler asks for it (most messages never need one), or given ready-made."""

    __slots__ = ("_open_session", "_session", "clock", "config", "core", "locale", "state", "user")

    def __init__(
        self,
        *,
        user: User,
        state: State,
        clock: Clock,
        config: Config,
        core: CoreParts,
        locale: str,
        session: AsyncSession | None = None,
        open_session: Callable[[], AsyncSession] | None = None,
    ):
        if session is None and open_session is None:
            raise TypeError("Ctx needs a session or a way to open one")
        self.user = user
        self.state = state
        self.clock = clock
        self.config = config
        self.core = core
        self.locale = locale
        self._session = session
        self._open_session = open_session

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            assert self._open_session is not None
            self._session = self._open_session()
        return self._session

    @property
    def session_opened(self) -> AsyncSession | None:
        """The session if a handler (or the core) opened it, without opening one."""
        return self._session

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def t(self):
        """The translator for this message's locale (`ctx.t("Hello {name}", name=...)`)."""
        return i18n._

    @property
    def services(self) -> dict[str, Any]:
        """Long-lived feature services (content, search, ...), set up once at start."""
        return self.core.services
