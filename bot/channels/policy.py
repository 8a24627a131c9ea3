"""Send policies: whether a message may go to a person now, how, and if not, why.

Before the outbox sends a row it asks the recipient's channel (its `Profile.policy`). A
messenger that lets a bot write at any time (Telegram) answers `ALWAYS`; one with a reply
window (Zalo OA: free replies shortly after the user wrote, paid proactive messages for some
days, then only a template by phone number) answers from the person's last message. A refusal
carries a reason in plain words that the row keeps (`undeliverable: outside the reply window`)
and the officer's broadcast report counts; a `retry_at` puts the row back instead (a night
when nothing may be sent).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bot.i18n import N_

if TYPE_CHECKING:
    from bot.db import Database

# Reasons a policy gives (msgids: the broadcast report shows them in the officer's language).
NOT_NOW = N_("not allowed now")
OUTSIDE_WINDOW = N_("outside the reply window")
NO_TEMPLATE = N_("no template for this message")
NO_PHONE = N_("no phone number to send a template to")


class How(StrEnum):
    FREE = "free"  # as an ordinary message, at no cost (a reply, or a channel with no window)
    PROACTIVE = "proactive"  # an ordinary message the channel counts or charges
    TEMPLATE = "template"  # a pre-approved template, addressed by phone number


@dataclass(frozen=True, slots=True)
class Recipient:
    channel: str
    chat_id: str
    # When the person last wrote to the bot (None: unknown, e.g. no user row); loaded only
    # for a policy with `needs_history`.
    last_seen_at: datetime | None = None
    user_id: int | None = None  # users.id, when the row names one
    # The booking the message is about (a reminder, a notice), where a policy may find the
    # phone number a template is addressed to.
    booking_id: int | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    how: How | None  # None: not now
    reason: str = NOT_NOW  # why not: a msgid above (kept on the row, counted in reports)
    retry_at: datetime | None = None  # not now, but then: the row waits instead of failing
    # For How.TEMPLATE: which template, the phone number it goes to, and its values.
    template_id: str | None = None
    phone: str | None = None
    template_data: Mapping[str, str] | None = None

    @property
    def allowed(self) -> bool:
        return self.how is not None


class SendPolicy(Protocol):
    # True when `decide` reads `Recipient.last_seen_at` (the outbox then loads it, once per
    # batch).
    needs_history: bool

    async def decide(
        self, recipient: Recipient, kind: str, now: datetime, db: Database
    ) -> Decision:
        """May a message of `kind` ("reminder", "broadcast", ...) go to `recipient` now?
        `db` is there for what else a policy must read (messages sent since the person last
        wrote, a booking's phone and consent); it opens its own short transaction."""
        ...

    def reachable_since(self, kind: str, now: datetime) -> datetime | None:
        """Someone who last wrote before this cannot get a message of `kind` that is not
        about one of their bookings (a broadcast) until they write again; None: no such limit.
        For the per-channel "reachable now" counts of previews and reports."""
        ...

    def promise(self, kind: str, phone: str | None, consent: bool) -> str | None:
        """What a booking's confirmation tells the person about how messages of `kind`
        (reminders) will reach them on this channel, in the current language; None when they
        simply arrive (nothing to explain). `phone`: the booking's, E.164."""
        ...


class Always:
    needs_history = False
    _free = Decision(How.FREE)

    async def decide(
        self, recipient: Recipient, kind: str, now: datetime, db: Database
    ) -> Decision:
        return self._free

    def reachable_since(self, kind: str, now: datetime) -> datetime | None:
        return None

    def promise(self, kind: str, phone: str | None, consent: bool) -> str | None:
        return None


ALWAYS: SendPolicy = Always()
