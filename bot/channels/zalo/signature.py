"""The `X-ZEvent-Signature` check: is this webhook request from Zalo?

The value is `mac=` followed by the hex SHA-256 — a plain hash, not an HMAC — of app id +
the raw body bytes + the body's `timestamp` + the OA secret key, concatenated in that order
[code: a Chatwoot-derived `zalo_events_job.rb`, a Flask app, a WordPress plugin; two write-ups
of Zalo's page — ../shared/facts/channels.md §4 "Corrections"]. Zalo's own page was not found,
so the parts and their order are a setting, and the `mac=` prefix is optional.

The body must be the bytes as received: hashing re-serialised JSON is the known cause of
mismatches in the wild.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from bot.channels.zalo.settings import ZaloSettings

PREFIX = "mac="
_HEX = re.compile(r"[0-9a-fA-F]{64}")


def expected(settings: ZaloSettings, body: bytes, timestamp: str) -> str:
    """The hex digest Zalo should have sent for this body and timestamp."""
    values = {
        "app_id": settings.app_id.encode(),
        "oa_id": settings.oa_id.encode(),
        "body": body,
        "timestamp": timestamp.encode(),
        "oa_secret_key": settings.oa_secret_key.encode(),
        "app_secret_key": settings.app_secret_key.encode(),
    }
    digest = hashlib.sha256()
    for part in settings.signature_parts:
        digest.update(values[part])
    return digest.hexdigest()


def sign(settings: ZaloSettings, body: bytes, timestamp: str) -> str:
    """The header value as Zalo sends it (our fake Zalo server signs with this)."""
    return PREFIX + expected(settings, body, timestamp)


def given_digest(header: str | None) -> str | None:
    """The hex digest in a header value, or None when the value is missing or malformed
    (including any byte outside ASCII: aiohttp hands those over as surrogate escapes)."""
    if header is None:
        return None
    value = header.strip()
    if value[: len(PREFIX)].lower() == PREFIX:
        value = value[len(PREFIX) :]
    if not value.isascii() or not _HEX.fullmatch(value):
        return None
    return value.lower()


def valid(settings: ZaloSettings, digest: str, body: bytes, timestamp: str) -> bool:
    """Constant-time comparison of a well-formed digest with the expected one."""
    return hmac.compare_digest(digest.encode(), expected(settings, body, timestamp).encode())
