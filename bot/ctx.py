"""What a handler gets besides the message: the user, their dialog state, the database
session of this message, the clock, the content, and the settings."""

from __future__ import annotations

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


@dataclass
class Ctx:
    user: User
    state: State
    session: AsyncSession
    clock: Clock
    config: Config
    core: Core
    locale: str

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
