"""What can go wrong when a channel sends, in words the rest of the bot understands.

`Channel.send` raises these instead of a messenger library's own errors, so the outbox can
decide (retry later, stop writing to someone) without importing `telegram` or a Zalo client.
"""

from __future__ import annotations


class SendError(Exception):
    """Sending failed; trying again later may work (network trouble, server error)."""


class RecipientUnreachable(SendError):
    """The person blocked the bot, deleted their account, or never started it: stop sending."""


class RateLimited(SendError):
    """The messenger asked us to slow down; wait `retry_after` seconds before the next send."""

    def __init__(self, retry_after: float, message: str = ""):
        super().__init__(message or f"rate limited; retry after {retry_after:g} s")
        self.retry_after = retry_after


class Rejected(SendError):
    """The messenger refused this message (bad request); sending it again will not help."""
