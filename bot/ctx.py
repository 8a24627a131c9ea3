"""What a handler gets besides the message: the user, their dialog state, the database
session of this message, the clock, the content, and the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.clock import Clock
from bot.config import Config
from bot.db.models import User

if TYPE_CHECKING:
    from bot.core import Core


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
        core: Core,
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
