"""Message ids of the services and how each surface renders them in its reader's language.

A service raises `Refused("session.not_found")`; the id is defined here (or by the feature's
own service module, with `define`) as a gettext msgid, or as a function of the parameters
when a parameter needs formatting (a time in the reader's locale) or a plural. `render`
gives the text in the current locale (bot/i18n.py): the chat handlers use it, and so do the
command line and the web pages, so a rule's wording lives in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.i18n import N_, _
from bot.services.errors import NOT_ADMIN, NOT_OFFICER, OUT_OF_SCOPE, ServiceError

Renderer = Callable[[Mapping[str, Any]], str]
MESSAGES: dict[str, str | Renderer] = {}


@dataclass(frozen=True)
class Text:
    """A message to show, not yet in any language: an id and its parameters (a plan's
    problems, a line of a report)."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.key not in MESSAGES:
            raise KeyError(f"undefined service message id {self.key!r}")


def text(key: str, **params: Any) -> Text:
    return Text(key, params)


def define(key: str, message: str | Renderer) -> str:
    """Define message id `key`: a msgid (marked with N_) whose `{name}` placeholders take the
    parameters, or a function of the parameters returning the translated text."""
    if key in MESSAGES and MESSAGES[key] != message:
        raise ValueError(f"service message id {key!r} defined twice")
    MESSAGES[key] = message
    return key


def _param(value: Any) -> Any:
    if isinstance(value, ServiceError | Text):
        return render(value)
    return value


def render(message: ServiceError | Text) -> str:
    """The message in the current locale."""
    definition = MESSAGES[message.key]
    params = {k: _param(v) for k, v in message.params.items()}
    if callable(definition):
        return definition(params)
    return _(definition, **params)


define(NOT_OFFICER, N_("Sorry, this is only for commune and ward officers, so I did nothing."))
define(
    OUT_OF_SCOPE, N_("Sorry, you are not an officer of that commune or ward, so I did nothing.")
)
define(NOT_ADMIN, N_("Sorry, only an administrator can do that, so I did nothing."))
