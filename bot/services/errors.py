"""Typed errors of the services: a message id and its parameters, never a sentence.

`NotAllowed` says the actor may not do this (a citizen, an officer of another unit, an officer
asking for an admin action); `Refused` says the action cannot be done as asked (not found,
already cancelled, a clash). Both are raised before anything changed, or inside a savepoint
that is rolled back. The id must be defined in bot/services/messages.py (checked when the
error is made, so a typo fails the first test that reaches it).
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """`key` names a message (bot/services/messages.py); `params` fill its placeholders with
    plain values (numbers, ids, dates, other messages), formatted by the surface."""

    def __init__(self, key: str, **params: Any):
        from bot.services.messages import MESSAGES

        if key not in MESSAGES:
            raise KeyError(f"undefined service message id {key!r}")
        super().__init__(key)
        self.key = key
        self.params = params

    def __str__(self) -> str:
        """The message in the current locale (bot/i18n.py), for a reader and for tests."""
        from bot.services.messages import render

        return render(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, **{self.params!r})"


class Refused(ServiceError):
    """The action cannot be done as asked; nothing was changed."""


class NotAllowed(ServiceError):
    """The actor may not do this; nothing was changed. `key` is one of NOT_OFFICER,
    OUT_OF_SCOPE, NOT_ADMIN; `unit_id` the unit asked for, when there was one."""

    def __init__(self, key: str, unit_id: str | None = None):
        super().__init__(key)
        self.unit_id = unit_id

    @property
    def reason(self) -> str:
        return self.key


NOT_OFFICER = "not_officer"  # a citizen (or a removed officer)
OUT_OF_SCOPE = "out_of_scope"  # an officer, but not of that unit
NOT_ADMIN = "not_admin"  # an officer asking for an admin-only action
