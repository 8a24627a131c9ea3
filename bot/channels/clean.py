"""What a person typed, made safe to store and compare, at the channel boundary.

Every text a channel takes from a platform (message text, captions, button data, a shared
contact's name, a venue's title) passes `clean_text` before it becomes an `Incoming`: NUL and
other control characters (PostgreSQL refuses NUL in text; none of them mean anything in a
chat) and lone UTF-16 surrogates (JSON can carry them; no database can store them) are
removed, and the text is put in NFC, so "ệ" typed as one character or as e + two marks is the
same text to search, to the database and to the person reading it back.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls except tab, newline and carriage return; DEL; every surrogate code point (a
# valid pair never reaches Python as two: JSON decoding joins it into one character).
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(text: str) -> str:
    text = _UNSTORABLE.sub("", text)
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def clean_optional(value: object) -> str | None:
    """`clean_text` of a string; None for anything else."""
    return clean_text(value) if isinstance(value, str) else None
