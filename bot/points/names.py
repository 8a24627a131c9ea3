"""Vietnamese place names: folding (no diacritics, lower case, one space) to compare them,
the ascii slug used as a unit id, alphabetical order, and a unit's name with its kind."""

from __future__ import annotations

import re
import unicodedata

from bot.i18n import _
from bot.points.model import Unit

# `đ` does not decompose under NFD, so it is folded by hand.
_BY_HAND = str.maketrans({"đ": "d", "Đ": "d"})
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """ "Phường  Hoàn Kiếm" → "phuong hoan kiem" (NFC or NFD input alike)."""
    decomposed = unicodedata.normalize("NFD", text.translate(_BY_HAND))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _NOT_WORD.sub(" ", bare).strip()


def slug(text: str) -> str:
    """ "Văn Miếu - Quốc Tử Giám" → "van-mieu-quoc-tu-giam"."""
    return fold(text).replace(" ", "-")


def sort_key(text: str) -> str:
    """Alphabetical order close to Vietnamese: accents ignored, Đ after every D."""
    # "{" sorts after every ascii letter, so "đ" → "d{" comes after "du".
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d{"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def unit_label(unit: Unit) -> str:
    """ "Phường Hoàn Kiếm" / "Xã Sóc Sơn" in Vietnamese, "Hoàn Kiếm ward" in English."""
    if unit.kind == "xa":
        return _("{name} commune", name=unit.name)
    return _("{name} ward", name=unit.name)
