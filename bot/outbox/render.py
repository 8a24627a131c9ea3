"""What an outbox row says: its rendered `text` + `buttons`, or its `template` rendered now
(a reminder reads the booking as it stands at send time, in the recipient's language)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.booking_models import OutboxMessage
from bot.outbox.runtime import Rendered, Skip, outbox
from bot.types import Button, ButtonKind, Reply

if TYPE_CHECKING:
    from bot.core import Core


def _button(spec: dict[str, Any]) -> Button:
    if spec.get("url"):
        return Button(str(spec["label"]), kind=ButtonKind.URL, url=str(spec["url"]))
    return Button(str(spec["label"]), str(spec["payload"]))


def stored_replies(row: OutboxMessage) -> list[Reply]:
    """The row's own text and buttons ([[{"label", "payload" | "url"}, …], …])."""
    buttons = tuple(tuple(_button(b) for b in line) for line in (row.buttons or []))
    return [Reply(text=row.text, buttons=buttons)]


def needs_session(row: OutboxMessage) -> bool:
    return row.template is not None


async def render(session: AsyncSession | None, row: OutboxMessage, core: Core) -> Rendered:
    """Raises ValueError for a row that can never be sent (unknown template, bad button)."""
    if row.template is None:
        if not row.text:
            raise ValueError("an outbox row without text or template")
        return stored_replies(row)
    make = outbox(core).templates.get(row.template)
    if make is None:
        raise ValueError(f"unknown outbox template {row.template!r}")
    assert session is not None
    rendered = await make(session, row, core)
    if isinstance(rendered, list) and not rendered:
        return Skip("nothing to say")
    return rendered
