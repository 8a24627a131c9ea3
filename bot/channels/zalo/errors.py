"""Zalo's error codes in the words of bot/channels/errors.py, which the outbox understands.

Mapping (../shared/facts/channels.md §4 "Error codes" and "Corrections" [code: a
Chatwoot-derived mapping; `hoangnd25/monorepo: wip/zalo-platform-integration.md`]):
- −216 invalid / −220 expired access token → the client refreshes and resends once;
- −32 rate limit, −100 server trouble → back off and retry, then `RateLimited`;
- −213 not a follower, −217, −227 banned or inactive → `RecipientUnreachable`;
- −230 no interaction in 7 days, −232 interaction expired, −244 → `OutsideWindow`
  (the send policy decides what next: a ZNS template, or undeliverable);
- −234 no sends 22:00–06:00 → `NightBan`, a `RateLimited` that lasts until 06:00;
- anything else → `Rejected` naming the code. Never Zalo's message text: it can quote the
  user, and logs and outbox rows keep only the code.
"""

from __future__ import annotations

from bot.channels.errors import RateLimited, RecipientUnreachable, Rejected, SendError

TOKEN_CODES = frozenset({-216, -220})
RETRY_CODES = frozenset({-32, -100})
UNREACHABLE_CODES = frozenset({-213, -217, -227})
WINDOW_CODES = frozenset({-230, -232, -244})
NIGHT_CODE = -234


class ZaloError(SendError):
    """Zalo answered with an error code (kept in `code`)."""

    def __init__(self, code: int, message: str = ""):
        super().__init__(message or f"zalo error {code}")
        self.code = code


class OutsideWindow(Rejected):
    """The user's last interaction is too old for a consultation message (−230/−232/−244)."""

    def __init__(self, code: int):
        super().__init__(f"zalo error {code}: outside the reply window")
        self.code = code


class Unreachable(RecipientUnreachable):
    def __init__(self, code: int):
        super().__init__(f"zalo error {code}: recipient unreachable")
        self.code = code


class NightBan(RateLimited):
    """No sends at night (−234): wait until the ban ends."""

    def __init__(self, retry_after: float):
        super().__init__(retry_after, f"zalo error {NIGHT_CODE}: no sends at night")
        self.code = NIGHT_CODE


class Failed(Rejected):
    """Zalo refused the message for a reason that resending will not fix."""

    def __init__(self, code: int):
        super().__init__(f"zalo error {code}")
        self.code = code


class TokenUnusable(SendError):
    """No working access token: not authorised yet, or the refresh token was refused."""


class DocumentRefused(Rejected):
    """Zalo does not take this file (its type, or the upload failed for good): show the
    document's content in text instead."""

    def __init__(self, filename: str, code: int | None = None):
        reason = f"zalo error {code}" if code is not None else "type not accepted"
        super().__init__(f"document not sent ({reason})")
        self.extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        self.code = code
