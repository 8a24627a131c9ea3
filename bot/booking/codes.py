"""Booking codes: six characters that cannot be misread when said aloud or copied from a small
screen (no 0/O, 1/I/L, 5/S, 2/Z, 8/B)."""

from __future__ import annotations

import secrets

ALPHABET = "ACDEFGHJKMNPQRTUVWXY3479"
LENGTH = 6


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
