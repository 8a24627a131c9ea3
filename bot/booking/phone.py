"""Vietnamese mobile numbers: what people type (0912 345 678, +84 912.345.678, 84-912-345-678)
checked and stored in one form, E.164 (+84912345678)."""

from __future__ import annotations

import re

# Separators people put inside a number; anything else makes it not a number.
_SEPARATORS = re.compile(r"[\s.\-()]+")
# Nine digits after the country code or the leading 0; mobile prefixes 3, 5, 7, 8, 9.
_NATIONAL = re.compile(r"[35789]\d{8}")


def normalise_phone(text: str) -> str | None:
    """The number in E.164 form, or None when it is not a Vietnamese mobile number."""
    raw = _SEPARATORS.sub("", text.strip())
    if raw.startswith("+84"):
        national = raw[3:]
    elif raw.startswith("84") and len(raw) == 11:
        national = raw[2:]
    elif raw.startswith("0") and len(raw) == 10:
        national = raw[1:]
    else:
        return None
    if len(national) == 10 and national.startswith("0"):
        national = national[1:]  # "+84 (0)912 345 678": the trunk 0 kept by habit
    if not _NATIONAL.fullmatch(national):
        return None
    return "+84" + national


def display_phone(e164: str) -> str:
    """+84912345678 → 0912 345 678, the way people in Vietnam write their number."""
    national = "0" + e164.removeprefix("+84")
    return f"{national[:4]} {national[4:7]} {national[7:]}"


def masked_phone(e164: str) -> str:
    """+84912345678 → 0912…678: enough for the person to recognise their number, not enough
    for someone reading over their shoulder (or a screenshot) to use it."""
    national = "0" + e164.removeprefix("+84")
    return f"{national[:4]}…{national[-3:]}"
