"""Numbers that arrive from outside — button payloads, typed choices — read in one place.

A payload is the user's to forge: an id in it is taken only when it is ASCII digits (Python's
`isdigit` also says yes to '²' and '٣', which `int` then refuses or reads as another number)
and fits the database column it will be compared with (PostgreSQL's INTEGER is 32-bit: a
bigger number makes the statement fail, not just find nothing). Anything else is refused the
way a forged payload is.
"""

from __future__ import annotations

INT32_MAX = 2**31 - 1
_DIGITS = frozenset("0123456789")


def parse_id(text: str | None, *, low: int = 1, high: int = INT32_MAX) -> int | None:
    """The number `text` spells in ASCII digits when it lies in [low, high], else None."""
    if not text or len(text) > len(str(high)) + 1 or not _DIGITS.issuperset(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_ids(text: str | None, count: int, sep: str = ":") -> list[int] | None:
    """Exactly `count` ids separated by `sep`, each as `parse_id` reads it, else None."""
    parts = (text or "").split(sep)
    if len(parts) != count:
        return None
    ids = [parse_id(p) for p in parts]
    return None if None in ids else ids  # type: ignore[return-value]
