"""Finding units and support points: by a typed name (with or without diacritics, Telex
leftovers, small typos, "phường"/"p."/"xã" prefixes) and by distance from a location."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from bot.points.model import Places, Point, Unit
from bot.points.names import fold

# Words people put before or after a unit's name; none of them starts a unit's name.
_PREFIXES = (
    "ubnd",
    "uy ban",
    "phuong",
    "p",
    "xa",
    "x",
    "thi tran",
    "tt",
    "thi xa",
    "tx",
    "quan",
    "q",
    "huyen",
    "h",
    "ward",
    "commune",
    "district",
)
_SUFFIXES = ("thanh pho ha noi", "tp ha noi", "tp hn", "ha noi", "hn")
# Below this a name is too far from what was typed to offer it.
MIN_SCORE = 0.78
# Unit names are short; a longer text is not a place name (and would be slow to compare).
MAX_QUERY_CHARS = 60
EXACT = 0.97
EARTH_RADIUS_KM = 6371.0
# Telex tone keys left in a word once diacritics are folded ("hoanf" → "hoan"); s, r and x
# are also initials, so they are only dropped after the first letter ("tr" stays).
_TELEX_TONE = re.compile(r"(?<=.)[sfrxj]|[fjwz]")


@dataclass(frozen=True, slots=True)
class UnitMatch:
    unit: Unit
    score: float  # 1.0 exact; from MIN_SCORE up for near matches


def _untelex(word: str) -> str:
    keep_r = word.startswith("tr")
    bare = word[0] + _TELEX_TONE.sub("", word[1:]) if len(word) > 1 else word
    if keep_r and not bare.startswith("tr"):
        bare = "tr" + bare[1:]
    for double in ("dd", "aa", "ee", "oo"):
        bare = bare.replace(double, double[0])
    return bare


def _strip_affixes(text: str) -> str:
    changed = True
    while changed:
        changed = False
        for word in _PREFIXES:
            if text.startswith(word + " ") and len(text) > len(word) + 1:
                text, changed = text[len(word) + 1 :], True
        for word in _SUFFIXES:
            if text.endswith(" " + word) and len(text) > len(word) + 1:
                text, changed = text[: -len(word) - 1], True
    return text


def query_forms(text: str) -> set[str]:
    """What the user may have meant, folded: as typed, and with Telex leftovers removed."""
    folded = fold(text)
    telex = " ".join(_untelex(w) for w in folded.split())
    return {f for f in (_strip_affixes(folded), _strip_affixes(telex)) if f}


def _score(query: str, name: str) -> float:
    if query == name:
        return 1.0
    q_joined, n_joined = query.replace(" ", ""), name.replace(" ", "")
    if q_joined == n_joined:
        return 0.98  # "hoankiem"
    if len(query) >= 3 and name.startswith(query):
        return 0.92  # "hoan k", "son"
    if len(query) >= 4 and f" {query} " in f" {name} ":
        return 0.88  # "quoc tu giam"
    return max(_ratio(query, name), _ratio(q_joined, n_joined))


def _ratio(a: str, b: str) -> float:
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    # The cheap upper bounds rule most names out before the full comparison.
    if matcher.real_quick_ratio() < MIN_SCORE or matcher.quick_ratio() < MIN_SCORE:
        return 0.0
    return matcher.ratio()


@lru_cache(maxsize=1024)
def _folded(name: str) -> str:
    return fold(name)


def find_units(places: Places, text: str, limit: int = 6) -> list[UnitMatch]:
    """Units whose name matches `text`, best first; only the exact ones when there are any."""
    forms = query_forms(text[:MAX_QUERY_CHARS])
    if not forms or max(len(f) for f in forms) < 2:
        return []
    # A name typed as it is written (the usual case) is the whole answer: only exact matches
    # are returned when there are any, and no near match scores 1.0. Found by a set look-up
    # instead of some 500 fuzzy comparisons (milliseconds of CPU per message).
    exact = [u for u in places.units.values() if _folded(u.name) in forms]
    if exact:
        return sorted((UnitMatch(u, 1.0) for u in exact), key=lambda m: _folded(m.unit.name))
    matches = []
    for unit in places.units.values():
        name = _folded(unit.name)
        score = max(_score(f, name) for f in forms)
        if score >= MIN_SCORE:
            matches.append(UnitMatch(unit, round(score, 3)))
    matches.sort(key=lambda m: (-m.score, _folded(m.unit.name)))
    if matches and matches[0].score >= EXACT:
        return [m for m in matches if m.score == matches[0].score]
    return matches[:limit]


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def nearest_points(
    places: Places, lat: float, lon: float, limit: int = 3
) -> list[tuple[Point, float]]:
    """The `limit` points nearest to (lat, lon), each with its distance in km."""
    ranked = sorted(
        ((p, distance_km(lat, lon, p.lat, p.lon)) for p in places.points.values()),
        key=lambda pd: (pd[1], pd[0].id),
    )
    return ranked[:limit]
