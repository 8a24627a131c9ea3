"""Personal data out of the logs: one filter that masks phone numbers and bot tokens in every
log record, whichever library made it.

The filter sits on the handlers (a record from any logger — ours, SQLAlchemy's, aiohttp's,
PTB's — passes a handler of the root logger on its way out), so it sees the finished text: the
message with its arguments, and the traceback. Names cannot be found by a pattern; they are
kept out at the source instead (no update or row is ever logged whole, and the database
engines hide statement parameters: bot/db/__init__.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# Vietnamese mobile numbers, written as people write them: 0912345678, 0912 345 678,
# 091.234.5678, +84 912 345 678, 84912345678.
_PHONE = re.compile(r"(?<![\w+])(?:\+?84|0)[\s.-]?[35789](?:[\s.-]?\d){8}(?!\d)")
# A Bot API token (digits, a colon, 30+ URL-safe characters), alone or in a /bot<token>/ URL.
_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
PHONE_MASK = "<phone>"
TOKEN_MASK = "<token>"
# The secrets of the running program's config (set by `install`), for `mask`'s default.
_secrets: tuple[str, ...] = ()


def mask(text: str, secrets: Iterable[str] | None = None) -> str:
    """`text` with phone numbers, bot tokens and the secrets (by default those given to
    `install`) masked."""
    for secret in _secrets if secrets is None else secrets:
        if secret and secret in text:
            text = text.replace(secret, TOKEN_MASK)
    text = _TOKEN.sub(TOKEN_MASK, text)
    return _PHONE.sub(PHONE_MASK, text)


class Redactor(logging.Filter):
    """Masks every record that passes it (the message with its arguments, and the traceback);
    never drops one."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what there is, masked
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = mask(message, self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = mask(record.stack_info, self.secrets)
        return True


def install(secrets: Iterable[str] = (), logger: logging.Logger | None = None) -> Redactor:
    """Put one `Redactor` on every handler of `logger` (the root logger by default), replacing
    one installed before (so the secrets are the latest), and on Python's last-resort handler."""
    global _secrets
    logger = logger or logging.getLogger()
    redactor = Redactor(secrets)
    _secrets = redactor.secrets
    handlers = [*logger.handlers]
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    for handler in handlers:
        for old in [f for f in handler.filters if isinstance(f, Redactor)]:
            handler.removeFilter(old)
        handler.addFilter(redactor)
    return redactor
