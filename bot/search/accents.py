"""Diacritics as evidence. Folding makes "giá" (price), "giả" (fake) and "gia" one token; a
person who typed the marks told us which word they meant. Each word is reduced to its marks —
per letter the shape mark (â ă ơ đ ...) and for the syllable its tone — independent of where
the tone sits ("hoà" = "hòa"). A typed word conflicts with a guide word of the same folded
spelling when a mark it carries differs; a mark left out never conflicts ("cưu" fits "cứu").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

_WORD = re.compile(r"[^\W\d_]+")
_SHAPES = {"\u0302": "^", "\u0306": "(", "\u031b": "+"}
_TONES = {"\u0300": "`", "\u0301": "'", "\u0303": "~", "\u0309": "?", "\u0323": "."}


class Marks(NamedTuple):
    shapes: str  # one character per letter: "." for a bare letter
    tone: str  # "" when the word carries no tone mark

    @property
    def any(self) -> bool:
        return bool(self.tone) or self.shapes.strip(".") != ""

    def fits(self, other: Marks) -> bool:
        """True when `other` could be this word with the marks it left out filled in."""
        if len(self.shapes) != len(other.shapes) or self.tone not in ("", other.tone):
            return False
        return all(a in (".", b) for a, b in zip(self.shapes, other.shapes, strict=True))


@lru_cache(maxsize=65536)
def marks(word: str) -> Marks:
    """The marks of one lower-case word."""
    shapes: list[str] = []
    tone = ""
    for ch in unicodedata.normalize("NFD", word.replace("đ", "d\u0335")):
        if ch == "\u0335":
            shapes[-1] = "-"
        elif ch in _SHAPES:
            if shapes:
                shapes[-1] = _SHAPES[ch]
        elif ch in _TONES:
            tone = _TONES[ch]
        elif not unicodedata.combining(ch):
            shapes.append(".")
    return Marks("".join(shapes), tone)


def words(text: str) -> list[str]:
    """The lower-case words of a text, diacritics kept (NFC)."""
    return _WORD.findall(unicodedata.normalize("NFC", text.lower()))
