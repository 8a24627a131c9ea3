"""The Zalo channel's send policy (bot/channels/policy.py): the reply window of window.py,
fed with what the outbox knows (when the person last wrote) and what reach.py reads (messages
sent since, the booking's phone and consent).

- within the free allowance → FREE; later within the window → PROACTIVE (counted or paid);
- beyond it → a ZNS TEMPLATE to the booking's phone when a template is configured for this
  kind of message and the booker agreed; else undeliverable, with the reason;
- 22:00–06:00 → not now, `retry_at` 06:00 (the row waits).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.channels.policy import (
    NO_PHONE,
    NOT_NOW,
    OUTSIDE_WINDOW,
    Decision,
    How,
    Recipient,
)
from bot.channels.zalo import reach, window
from bot.channels.zalo.settings import ZaloSettings

if TYPE_CHECKING:
    from bot.db import Database

_HOW = {
    window.Route.REPLY: How.FREE,
    window.Route.FREE: How.FREE,
    window.Route.COUNTED: How.PROACTIVE,
}
_REASONS = {"outside_window_no_phone": NO_PHONE}


class ZaloPolicy:
    needs_history = True

    def __init__(self, settings: ZaloSettings):
        self.settings = settings
        self.limits = window.Limits.of(settings)

    async def decide(
        self, recipient: Recipient, kind: str, now: datetime, db: Database
    ) -> Decision:
        facts = await reach.facts(
            db, recipient.chat_id, recipient.last_seen_at, recipient.booking_id, self.limits.tz
        )
        d = window.decide(
            now=now,
            limits=self.limits,
            is_reply=False,
            last_interaction=recipient.last_seen_at,
            sent_since=facts.sent_since,
            kind=kind,
            templates=self.settings.zns_templates,
            phone=facts.phone,
            consent=facts.consent,
        )
        if d.route in _HOW:
            return Decision(_HOW[d.route])
        if d.route is window.Route.TEMPLATE:
            return Decision(
                How.TEMPLATE,
                template_id=d.template_id,
                phone=facts.phone,
                template_data=facts.template_data,
            )
        if d.route is window.Route.HOLD:
            return Decision(None, NOT_NOW, retry_at=d.hold_until)
        return Decision(None, _REASONS.get(d.reason or "", OUTSIDE_WINDOW))
