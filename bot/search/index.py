"""The search index: one document per guide id, made of every locale's text, so a
Vietnamese question finds an English reader's guide and the other way round (built by
build.py), and the scoring of a parsed question against it (query.py).

Terms are folded syllables/words and adjacent pairs of them ("dang ki", "khai sinh"), scored
BM25F-style with per-field weights (title and keywords high, steps low), plus a bonus for a
whole keyword phrase in the question and a small one for naming a guide's topic. Everything
is precomputed; a question touches only its terms' postings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from bot.search.accents import Marks
from bot.search.dense import Dense
from bot.search.query import TYPO_WEIGHT, UNSURE, Query, parse

# Terms in nearly every guide ("vneid" here) change no ranking but cost the most to add up:
# their postings are skipped when the query has any other term.
MIN_SCORED_IDF = 0.1
# A question naming a guide's topic ("vneid", "ihanoi", "cổng dịch vụ công") lifts that
# topic's guides a little: it decides between guides that match equally, little else.
CATEGORY_BONUS = 0.5
# A whole keyword phrase in the question (any order) adds its terms' idf once more.
PHRASE_WEIGHT = 1.0


@dataclass
class Index:
    ids: list[str]
    locales: list[frozenset[str]]
    # term → (docs, their scored contributions), two parallel tuples: the inner loop of a query
    postings: dict[str, tuple[tuple[int, ...], tuple[float, ...]]]
    strong: dict[str, frozenset[int]]  # term → docs that have it in title or keywords
    idf: dict[str, float]
    vocabulary: frozenset[str]  # unigram terms
    pairs: frozenset[str]
    df: dict[str, int]
    doc_terms: list[frozenset[str]]
    strong_idf: dict[str, float]
    forms: dict[str, tuple[Marks, ...]]  # term → the diacritics it is written with
    # topic → (the terms of its title in each language, the docs of that topic)
    categories: dict[str, tuple[tuple[frozenset[str], ...], list[int]]]
    # (doc, terms, strength: summed strong idf) of each distinct keyword
    phrases: list[tuple[int, frozenset[str], float]]
    phrase_index: dict[str, tuple[int, ...]]  # rarest term → the phrases it is rarest in
    # Tuples of strings and numbers, not lists or sets: the garbage collector stops tracking
    # them, so a large index does not slow every collection down.
    typo_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)  # delete → words
    # Words found only in keyword lists: rare and specific, so a typo correction into one
    # needs a neighbour that confirms it ("visa" is not "vỉa" in "xin visa Mỹ").
    keyword_only: frozenset[str] = frozenset()
    dense: Dense | None = None  # passage vectors (dense.py); None: lexical search only
    _by_locale: dict[str, frozenset[int] | None] = field(default_factory=dict)

    def lexical_only(self) -> Index:
        """The same index without its dense retriever (for comparison)."""
        return replace(self, dense=None, _by_locale={})

    @property
    def size(self) -> int:
        return len(self.ids)

    def in_locale(self, locale: str) -> frozenset[int] | None:
        """The docs that exist in `locale`; None when all of them do (no filter needed)."""
        if locale not in self._by_locale:
            docs = frozenset(d for d, locales in enumerate(self.locales) if locale in locales)
            self._by_locale[locale] = None if len(docs) == len(self.ids) else docs
        return self._by_locale[locale]

    @property
    def unknown_idf(self) -> float:
        return idf_of(self.size, 0)

    def query(self, text: str) -> Query:
        return parse(self, text)

    # ----- scoring -----

    def phrase_hits(self, query: Query) -> dict[int, float]:
        """Per guide, the strongest keyword all of whose words the query holds, in any order
        (summed strong idf; words only guessed or typed with other diacritics do not count)."""
        present = {t for t, w in query.terms.items() if w >= TYPO_WEIGHT}
        hits: dict[int, float] = {}
        for t in present:
            for i in self.phrase_index.get(t, ()):
                doc, terms, strength = self.phrases[i]
                if strength > hits.get(doc, 0.0) and terms <= present:
                    hits[doc] = strength
        return hits

    def score(
        self, query: Query, hits: dict[int, float], allowed: Iterable[int] | None = None
    ) -> dict[int, float]:
        acc = [0.0] * len(self.ids)
        scored = [t for t in query.terms if self.idf.get(t, 0.0) >= MIN_SCORED_IDF]
        for t in scored or query.terms:
            posting = self.postings.get(t)
            if posting is None:
                continue
            w = query.terms[t]
            if w == 1.0:
                for doc, contribution in zip(*posting, strict=True):
                    acc[doc] += contribution
            else:
                for doc, contribution in zip(*posting, strict=True):
                    acc[doc] += w * contribution
        for doc, strength in hits.items():
            acc[doc] += PHRASE_WEIGHT * strength
        if any(acc):
            named = set(query.terms)
            for titles, docs in self.categories.values():
                share = max((len(t & named) / len(t) for t in titles if t), default=0.0)
                if share >= 0.5:
                    for doc in docs:
                        acc[doc] += CATEGORY_BONUS * share
        keep = range(len(acc)) if allowed is None else sorted(allowed)
        # Every contribution is positive: a score above zero means the guide matched.
        return {d: acc[d] for d in keep if acc[d] > 0.0}

    def evidence(self, query: Query, doc: int) -> float:
        """How distinctly this guide's title or keywords name what the query asks
        (rarity counted among titles and keywords only)."""
        return sum(
            w * self.strong_idf[t] for t, w in query.terms.items() if doc in self.strong.get(t, ())
        )

    def coverage(self, query: Query, doc: int) -> float:
        """The idf-weighted share of the query's meaningful words this guide names in its
        title or keywords. A word no guide knows (or a guessed correction, or one typed with
        other diacritics than any guide uses) weighs the most, and is never named."""
        named_pairs = {p for p in query.terms if " " in p and doc in self.strong.get(p, ())}
        in_pairs = {w for p in named_pairs for w in p.split()}
        total = named = 0.0
        seen: set[str] = set()
        for w in query.content:
            if w.term in seen:
                continue
            seen.add(w.term)
            if w.kind in UNSURE:
                total += self.unknown_idf
                continue
            weight = self.idf[w.term]
            total += weight
            if doc in self.strong.get(w.term, ()) or w.term in in_pairs:
                named += weight
        return named / total if total else 0.0


def idf_of(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))
