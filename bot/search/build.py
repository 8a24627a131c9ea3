"""Building the search index from a `Catalogue`: every guide's title, keywords, summary,
topic and steps in every locale, read the way questions are read (normalize.py), with the
diacritics each word is written with (accents.py) and the question forms of titles and
keywords (intents.py). Builds in well under a second for the real catalogue.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import lru_cache

from bot.content.model import Catalogue, Guide
from bot.search import accents, dense
from bot.search.accents import Marks
from bot.search.index import Index, idf_of
from bot.search.intents import intents
from bot.search.normalize import expand, fold, is_syllable, segments, stop_flags, term
from bot.search.query import MIN_TYPO_LENGTH, deletes

# Field → (weight, length normalisation b).
FIELDS: dict[str, tuple[float, float]] = {
    "title": (3.0, 0.3),
    "keywords": (2.5, 0.2),
    "summary": (1.2, 0.5),
    "category": (0.5, 0.0),
    "step_title": (0.8, 0.5),
    "step_body": (0.3, 0.7),
}
STRONG_FIELDS = frozenset({"title", "keywords"})
INTENT_FIELDS = frozenset({"title", "keywords"})
K1 = 1.2


def analyse(text: str) -> list[list[tuple[str, bool, bool]]]:
    """Guide text → segments of (term, is a stop word, may pair)."""
    out = []
    for seg in segments(text):
        words = expand(seg)
        out.append(
            [
                (term(w), stop, pairs)
                for w, (stop, pairs) in zip(words, stop_flags(words), strict=True)
            ]
        )
    return out


def said(text: str) -> str:
    """The words of a text before stemming, segments joined by commas (for intents.py)."""
    return ", ".join(" ".join(expand(seg)) for seg in segments(text))


def field_terms(text: str) -> list[str]:
    out: list[str] = []
    for seg in analyse(text):
        out.extend(t for t, stop, _ in seg if not stop)
        out.extend(
            f"{a} {b}"
            for (a, sa, pa), (b, sb, pb) in zip(seg, seg[1:], strict=False)
            if not (sa and sb) and pa and pb
        )
    return out


def guide_texts(guide: Guide, category_title: str) -> dict[str, list[str]]:
    return {
        "title": [guide.title],
        "keywords": list(guide.keywords),
        "summary": [guide.summary],
        "category": [category_title],
        "step_title": [s.title for s in guide.steps],
        "step_body": [s.body for s in guide.steps],
    }


def build(catalogue: Catalogue, with_dense: bool = True, wait: bool = True) -> Index:
    """Index every guide of every locale; one document per guide id. With the dense
    retriever too when the model is installed (`with_dense=False`: the lexical index only).
    `wait=False`: passage vectors that are not on disk yet are embedded in the background and
    join the index when ready (the bot's start and reloads; see `build_in_background`)."""
    titles = {c.id: c.titles for c in catalogue.categories}
    by_id: dict[str, list[Guide]] = defaultdict(list)
    for (guide_id, _locale), guide in sorted(catalogue.guides.items()):
        by_id[guide_id].append(guide)
    ids = sorted(by_id)
    counts: list[dict[str, Counter[str]]] = []
    in_text: set[str] = set()  # words found outside keyword lists
    forms: dict[str, set[Marks]] = defaultdict(set)
    phrases: list[tuple[int, frozenset[str]]] = []
    for doc, guide_id in enumerate(ids):
        fields: dict[str, Counter[str]] = {f: Counter() for f in FIELDS}
        keywords: set[tuple[str, ...]] = set()
        for guide in by_id[guide_id]:
            category = titles.get(guide.category, {}).get(guide.locale, "")
            for name, texts in guide_texts(guide, category).items():
                for text in texts:
                    _collect_forms(text, forms)
                    terms = field_terms(text)
                    if name == "keywords":
                        # Writers list a phrase with and without diacritics: count it once.
                        if tuple(terms) in keywords:
                            continue
                        keywords.add(tuple(terms))
                    fields[name].update(terms)
                    if name != "keywords":
                        in_text.update(terms)
                    if name in INTENT_FIELDS:
                        fields[name].update(intents(said(text)))
        distinct = {phrase_terms(k) for guide in by_id[guide_id] for k in guide.keywords}
        phrases.extend((doc, p) for p in distinct if p)
        # A title or keyword list names a thing or not: saying it in five synonyms (and two
        # languages) must not make a guide five times as much about it.
        for name in STRONG_FIELDS:
            fields[name] = Counter(dict.fromkeys(fields[name], 1))
        counts.append(fields)
    index = _assemble(ids, [frozenset(g.locale for g in by_id[i]) for i in ids], counts, forms)
    index.keyword_only = frozenset(index.vocabulary - in_text)
    if with_dense:

        def ready(vectors: dense.Dense) -> None:
            index.dense = vectors  # one assignment: a search sees the old or the new

        index.dense = dense.build(ids, catalogue, on_ready=None if wait else ready)
    index.phrases = [
        (doc, terms, sum(index.strong_idf.get(t, 0.0) for t in terms)) for doc, terms in phrases
    ]
    by_rarest: dict[str, list[int]] = defaultdict(list)
    for i, (_doc, phrase) in enumerate(phrases):
        # A phrase can only be whole in a question that holds its rarest term.
        by_rarest[min(phrase, key=lambda t: (index.df.get(t, 0), t))].append(i)
    index.phrase_index = {t: tuple(i) for t, i in by_rarest.items()}
    for doc, gid in enumerate(ids):
        category = by_id[gid][0].category
        if category not in index.categories:
            index.categories[category] = (
                tuple(
                    frozenset(t for t in field_terms(title) if " " not in t)
                    for title in titles.get(category, {}).values()
                ),
                [],
            )
        index.categories[category][1].append(doc)
    return index


def phrase_terms(keyword: str) -> frozenset[str]:
    """What a question must hold to contain this keyword: its meaningful words, in any order.
    A keyword with only one of them also needs the pair that joins it to a word that is a
    stop word elsewhere ("báo tử" is not just "báo"; "căn cước" not just "cước")."""
    words: set[str] = set()
    pairs: set[str] = set()
    for seg in analyse(keyword):
        words.update(t for t, stop, _ in seg if not stop)
        pairs.update(
            f"{a} {b}"
            for (a, sa, pa), (b, sb, pb) in zip(seg, seg[1:], strict=False)
            if sa != sb and pa and pb
        )
    return frozenset(words | pairs) if len(words) == 1 else frozenset(words)


def _collect_forms(text: str, forms: dict[str, set[Marks]]) -> None:
    for word in accents.words(text):
        form = _form(word)
        if form is not None:
            forms[form[0]].add(form[1])


@lru_cache(maxsize=65536)
def _form(word: str) -> tuple[str, Marks] | None:
    folded = fold(word)
    return (term(folded), accents.marks(word)) if is_syllable(folded) else None


def _assemble(
    ids: list[str],
    locales: list[frozenset[str]],
    counts: list[dict[str, Counter[str]]],
    forms: dict[str, set[Marks]],
) -> Index:
    n = len(ids)
    lengths = {f: [sum(c[f].values()) for c in counts] for f in FIELDS}
    average = {f: (sum(v) / n if n else 0.0) or 1.0 for f, v in lengths.items()}
    doc_terms = [frozenset().union(*(c.keys() for c in fields.values())) for fields in counts]
    df: Counter[str] = Counter()
    for terms in doc_terms:
        df.update(terms)
    idf = {t: idf_of(n, d) for t, d in df.items()}
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    strong: dict[str, set[int]] = defaultdict(set)
    for doc, fields in enumerate(counts):
        weighted: dict[str, float] = defaultdict(float)
        for name, (weight, b) in FIELDS.items():
            norm = 1 - b + b * lengths[name][doc] / average[name]
            for t, tf in fields[name].items():
                weighted[t] += weight * tf / norm
                if name in STRONG_FIELDS:
                    strong[t].add(doc)
        for t, tfw in weighted.items():
            postings[t].append((doc, idf[t] * tfw * (K1 + 1) / (tfw + K1)))
    strong_idf = {t: idf_of(n, len(d)) for t, d in strong.items()}
    vocabulary = frozenset(t for t in df if " " not in t)
    keys: dict[str, list[str]] = defaultdict(list)
    for t in vocabulary:
        if len(t) >= MIN_TYPO_LENGTH - 1 and not t.isdigit():
            keys[t].append(t)
            for d in deletes(t):
                keys[d].append(t)
    return Index(
        ids=ids,
        locales=locales,
        postings={
            t: (tuple(d for d, _ in p), tuple(c for _, c in p)) for t, p in postings.items()
        },
        strong={t: frozenset(d) for t, d in strong.items()},
        idf=idf,
        vocabulary=vocabulary,
        pairs=frozenset(t for t in df if " " in t),
        df=dict(df),
        doc_terms=doc_terms,
        strong_idf=strong_idf,
        forms={t: tuple(f) for t, f in forms.items()},
        categories={},
        phrases=[],
        phrase_index={},
        typo_keys={k: tuple(v) for k, v in keys.items()},
    )


def build_in_background(catalogue: Catalogue) -> Index:
    """`build` for the running bot: it starts at once; the dense retriever joins when its
    vectors are ready (at once when they are on disk)."""
    return build(catalogue, wait=False)
