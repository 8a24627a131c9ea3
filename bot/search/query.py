"""Reading a question: its words folded, repaired and weighed, ready for the index.

A word the guides do not know is repaired in this order: a Telex leftover ("caif" → "cai"),
then a one-edit typo against the vocabulary (SymSpell-style deletes), preferring the
candidate that forms a known pair with its neighbour ("dag ky" → "dang ky"). A word typed with
diacritics no guide uses ("lúa" where guides say "lừa") counts for little. Two known words that
never stand together may hide a dropped letter ("dan ki" → "dang ki"). The question's form
adds a marker term (intents.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.search import accents
from bot.search.accents import Marks
from bot.search.intents import intents
from bot.search.normalize import (
    expand,
    fold,
    is_known_word,
    segments,
    stop_flags,
    telex,
    telex_tone,
    term,
)

if TYPE_CHECKING:
    from bot.search.index import Index

# The kind of question ("where does it stand?", "who can help me?"): see intents.py.
INTENT_WEIGHT = 3.0
TELEX_WEIGHT = 1.0
TYPO_WEIGHT = 0.75  # a correction that makes a known pair with its neighbour
GUESS_WEIGHT = 0.5  # a correction on its own: it may well be a word no guide knows
PAIR_FIX_WEIGHT = 0.6
# A word typed with diacritics that no guide uses ("lúa" where guides only say "lừa").
CONFLICT_WEIGHT = 0.3
MIN_TYPO_LENGTH = 3
# Words that are not evidence of anything: unknown, guessed, or typed as another word.
UNSURE = frozenset({"unknown", "conflict", "guess"})


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a query after repair."""

    term: str
    weight: float  # 1 for a known word, less for a repaired one, 0 for an unknown one
    stop: bool
    kind: str = "known"  # known, telex, typo, guess, conflict (other diacritics), unknown
    pairs: bool = True  # may join a neighbour into a pair (not a pure function word)


@dataclass
class Query:
    text: str
    words: list[list[Word]]  # by segment
    terms: dict[str, float]  # unigram and pair terms → weight
    content: list[Word]  # the words that carry meaning (not stop words)


def parse(index: Index, text: str) -> Query:
    """The question's words, repaired, and its terms (words, pairs, question kind) with their
    weights."""
    typed = {fold(w): m for w in accents.words(text) if (m := accents.marks(w)).any}
    words: list[list[Word]] = []
    said: list[str] = []
    for seg in segments(text):
        untelexed = [_untelex(index, t) for t in seg]
        fixed = {new for old, new in zip(seg, untelexed, strict=True) if old != new}
        expanded = expand(untelexed)
        said.append(" ".join(expanded))
        flags = stop_flags(expanded)
        repaired = [
            _resolve(index, w, flags[i], typed.get(w), expanded, i) for i, w in enumerate(expanded)
        ]
        repaired = [
            replace(w, kind="telex") if w.term in fixed and w.kind == "known" else w
            for w in repaired
        ]
        words.append(repaired)
    # The kind of question, read from the repaired words (a Telex-typed question too).
    terms: dict[str, float] = dict.fromkeys(intents(", ".join(said)), INTENT_WEIGHT)
    content: list[Word] = []
    for seg_words in words:
        for w in seg_words:
            if not w.stop:
                content.append(w)
                if w.weight > 0:
                    _keep_max(terms, w.term, w.weight)
        for a, b in zip(seg_words, seg_words[1:], strict=False):
            if (a.stop and b.stop) or not (a.pairs and b.pairs):
                continue
            pair = f"{a.term} {b.term}"
            if pair in index.pairs:
                _keep_max(terms, pair, min(_pair_weight(a), _pair_weight(b)))
            else:
                _fix_pair(index, a, b, terms)
    return Query(text, words, terms, content)


def _untelex(index: Index, token: str) -> str:
    """A token no guide and no word list knows, that is a Telex leftover of one that is
    ("caif" → "cai"), is repaired before abbreviations, synonyms and stop words apply."""
    if token in index.vocabulary or term(token) in index.vocabulary or is_known_word(token):
        return token
    fixed = telex(token)
    if fixed is None:
        return token
    if is_known_word(fixed):
        return fixed
    # The repair must be a word the guides write with the tone the keys typed: "visa" is
    # not "vía" where guides only say "vỉa".
    tone = telex_tone(token)
    forms = index.forms.get(fixed, ())
    if fixed in index.vocabulary and (not tone or any(f.tone == tone for f in forms)):
        return fixed
    return token


def _resolve(
    index: Index,
    word: str,
    flags: tuple[bool, bool],
    typed: Marks | None,
    context: list[str],
    pos: int,
) -> Word:
    stop, pairs = flags
    if stop:
        return Word(term(word), 1.0, True, pairs=pairs)
    t = term(word)
    if t in index.vocabulary:
        if typed is not None and _conflicts(index, t, typed):
            return Word(t, CONFLICT_WEIGHT, False, "conflict")
        return Word(t, 1.0, False)
    fixed = telex(word)
    neighbours = [term(context[j]) for j in (pos - 1, pos + 1) if 0 <= j < len(context)]
    tone = typed.tone if typed is not None else ""
    guess = _typo(index, t, neighbours, tone, need_context=len(t) <= MIN_TYPO_LENGTH)
    if guess is None and fixed is not None:
        guess = _typo(index, fixed, neighbours, tone, need_context=len(fixed) <= MIN_TYPO_LENGTH)
    if guess is None:
        return Word(t, 0.0, False, "unknown")
    if _pairs_with(index, guess, neighbours):
        return Word(guess, TYPO_WEIGHT, False, "typo")
    return Word(guess, GUESS_WEIGHT, False, "guess")


def _pairs_with(index: Index, t: str, neighbours: list[str]) -> int:
    return sum(f"{n} {t}" in index.pairs or f"{t} {n}" in index.pairs for n in neighbours)


def _conflicts(index: Index, t: str, typed: Marks) -> bool:
    forms = [f for f in index.forms.get(t, ()) if f.any]
    return bool(forms) and not any(typed.fits(f) for f in forms)


def _typo(
    index: Index, t: str, neighbours: list[str], tone: str, need_context: bool
) -> str | None:
    """The vocabulary word one edit away, preferring one that pairs with a neighbour.
    A tone the person typed must be one the candidate is written with."""
    if len(t) < MIN_TYPO_LENGTH or t.isdigit():
        return None
    found = {
        c
        for c in one_edit(index, t)
        if (not tone or any(f.tone == tone for f in index.forms.get(c, ())))
        and (c not in index.keyword_only or _pairs_with(index, c, neighbours))
    }
    if not found:
        return None

    def rank(c: str) -> tuple[int, int]:
        return _pairs_with(index, c, neighbours), index.df.get(c, 0)

    best = max(sorted(found), key=rank)
    if need_context and rank(best)[0] == 0:
        return None
    return best


def _fix_pair(index: Index, a: Word, b: Word, terms: dict[str, float]) -> None:
    """Two known words that never stand together: one may be a real-word typo
    ("dan ki" for "dang ki"). Add the nearest known pair, at a lower weight."""
    if a.weight == 0 or b.weight == 0 or a.stop or b.stop:
        return
    for left, right, fix_left in ((a.term, b.term, True), (b.term, a.term, False)):
        # Only a letter dropped or doubled: a swapped letter that still makes a word is
        # more often a different word than a typo ("vàng" is not "bằng").
        for c in sorted(x for x in one_edit(index, left) if len(x) != len(left)):
            pair = f"{c} {right}" if fix_left else f"{right} {c}"
            if pair in index.pairs:
                _keep_max(terms, pair, PAIR_FIX_WEIGHT)
                _keep_max(terms, c, PAIR_FIX_WEIGHT)
                return


def one_edit(index: Index, t: str) -> set[str]:
    """Vocabulary words at Damerau-Levenshtein distance 1 from `t` (SymSpell lookup)."""
    if len(t) < MIN_TYPO_LENGTH:
        return set()
    keys = {t} | deletes(t)
    found = {c for k in keys for c in index.typo_keys.get(k, ())}
    return {c for c in found if c != t and _within_one_edit(t, c)}


def _pair_weight(w: Word) -> float:
    return w.weight if w.weight else 1.0


def _keep_max(terms: dict[str, float], t: str, w: float) -> None:
    if w > terms.get(t, 0.0):
        terms[t] = w


def deletes(t: str) -> set[str]:
    return {t[:i] + t[i + 1 :] for i in range(len(t))}


def _within_one_edit(a: str, b: str) -> bool:
    """Restricted Damerau-Levenshtein distance ≤ 1, without building a matrix."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]
