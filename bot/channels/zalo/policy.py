"""The Zalo channel's send policy (bot/channels/policy.py): the reply window of window.py,
fed with what the outbox knows (when the person last wrote) and what reach.py reads (messages
sent since, the booking's phone and consent).

- within the free allowance → FREE; later within the window → PROACTIVE (counted or paid);
- beyond it → a ZNS TEMPLATE to the booking's phone when a template is configured for this
  kind of message and the booker agreed; else undeliverable, with the reason;
- 22:00–06:00 → not now, `retry_at` 06:00 (the row waits).

It also words what a booking's confirmation says about reminders on Zalo (`promise`), so the
person hears what this policy will really do, and tells broadcast previews who is beyond the
window (`reachable_since`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.booking.phone import masked_phone
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
from bot.i18n import _

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

    def reachable_since(self, kind: str, now: datetime) -> datetime | None:
        # A message not about a booking has no phone for a ZNS template: beyond the window
        # only writing to the OA again makes someone reachable.
        return now - self.limits.window

    def promise(self, kind: str, phone: str | None, consent: bool) -> str | None:
        days = _days(self.settings.window_days)
        if self.settings.zns_templates.get(kind) and phone and consent:
            return _(
                "I will remind you here on Zalo if you have written to me in the last {days} "
                "days; otherwise by a Zalo message to {phone}.",
                days=days,
                phone=masked_phone(phone),
            )
        return _(
            "I can remind you here on Zalo only if you have written to me in the {days} days "
            "before the reminder. To be sure to get it, send me any message in the {days} days "
            "before your visit.",
            days=days,
        )


def _days(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
