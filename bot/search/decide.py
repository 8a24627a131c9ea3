"""What the bot does with a free-text message: open one guide, offer a few, or say honestly
that no guide fits. The bot, `trolyso search` and `make eval` all call `answer()`.

A guide is only offered when its title or keywords name what the question is about:
- evidence: how distinctive the named terms are, in units of "a term found in one guide's
  title or keywords only" (so the rule holds as the catalogue grows);
- coverage: the share of the question's meaningful words the guide names (an unknown word,
  such as "xổ số" or "thời tiết", weighs the most);
- a whole keyword: every word of one of the guide's keywords is in the question, any order.
A question about the weather or gold prices fails this gate however its syllables happen to
match guide text; no topic is black-listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Literal

from bot.search.index import Index, idf_of
from bot.search.lexicon import ACKS, GREETINGS, SMALLTALK_FILLER, THANKS
from bot.search.normalize import STOP_MARK, expand, segments
from bot.search.query import Query

Decision = Literal["open", "choose", "none"]

# The gate: a guide is offered when any rule holds: (evidence in units, coverage, whole
# keyword phrase in units). Tuned on the development questions (tests/data/questions.tsv and
# the rule tests) so that at least nine out-of-scope questions in ten get "none".
GATES = (
    (0.0, 0.0, 0.8),  # the question holds one of the guide's keywords, whole
    (3.5, 0.0, 0.0),  # it names several of the guide's distinctive terms
    (3.0, 0.15, 0.0),
    (0.9, 0.8, 0.0),  # it is mostly made of what the guide names
)
# Every meaningful word of the question is named by the guide ("vneid", "dịch vụ công"): in
# scope even when the words are in every guide; usually a choice.
FULL_COVERAGE = 0.99
# A runner-up this close to the best one makes it a choice.
OPEN_MARGIN = 0.7
# Guides offered in a choice score at least this share of the best one, and pass this gate.
CHOOSE_SHARE = 0.5
CHOOSE_GATE = ((0.5, 0.25, 0.0), (0.0, 0.0, 0.8))
MAX_CHOICES = 3
MAX_RESULTS = 5
MAX_SMALLTALK_WORDS = 6


@dataclass(frozen=True, slots=True)
class Result:
    guide: str
    score: float


@dataclass(frozen=True, slots=True)
class Answer:
    query: str
    decision: Decision
    answer: str | None  # the guide to open (only for "open")
    results: tuple[Result, ...]  # best first
    # Why: "match", "choice", "no_match"; "unclear" for text with no word of any language we
    # know ("asdf qwer"); or small talk: "greeting", "thanks", "ack", "empty".
    reason: str

    @property
    def choices(self) -> list[str]:
        """The guides to offer: the one to open, or the few to choose from."""
        if self.decision == "open":
            return [self.answer] if self.answer else []
        if self.decision == "choose":
            return [r.guide for r in self.results[:MAX_CHOICES]]
        return []


def smalltalk(text: str) -> str | None:
    """ "greeting", "thanks", "ack" or "empty" when the text is not a question at all."""
    words = [w.removeprefix(STOP_MARK) for seg in segments(text) for w in expand(seg)]
    if not words:
        return "empty"
    if len(words) > MAX_SMALLTALK_WORDS:
        return None
    known = GREETINGS | THANKS | ACKS | SMALLTALK_FILLER
    if not all(w in known for w in words):
        return None
    joined = " ".join(words)
    if "cam on" in joined or any(w in THANKS - {"cam", "on"} for w in words):
        return "thanks"
    if any(w in GREETINGS for w in words):
        return "greeting"
    return "ack"


def _unclear(index: Index, query: Query) -> bool:
    """Nothing in the text is a word we know as typed: no stop word, no word of the guides, no
    known pair, only unknown words or lone guesses ("asdf qwer", "hmm")."""
    words = [w for seg in query.words for w in seg]
    return (
        bool(words)
        and not any(" " in t for t in query.terms)
        and all(
            not w.stop and w.kind in ("unknown", "guess", "telex") and not w.term.isdigit()
            for w in words
        )
    )


def answer(index: Index, text: str, locale: str) -> Answer:
    """Decide what to do with `text` from a reader of `locale`."""
    kind = smalltalk(text)
    if kind is not None:
        return Answer(text, "none", None, (), kind)
    query = index.query(text)
    if _unclear(index, query):
        return Answer(text, "none", None, (), "unclear")
    allowed = index.in_locale(locale)
    hits = index.phrase_hits(query)
    scores = index.score(query, hits, allowed)
    # Docs are numbered in id order and the sort is stable: equal scores rank by id.
    ranked = sorted(scores.items(), key=itemgetter(1), reverse=True)[:MAX_RESULTS]
    results = tuple(Result(index.ids[d], round(s, 3)) for d, s in ranked)
    unit = idf_of(index.size, 1) or 1.0

    def passes(doc: int, gates: tuple[tuple[float, float, float], ...]) -> bool:
        evidence = index.evidence(query, doc) / unit
        coverage = index.coverage(query, doc)
        phrase = hits.get(doc, 0.0) / unit
        if coverage >= FULL_COVERAGE and evidence > 0:
            return True
        return any(evidence >= e and coverage >= c and phrase >= p for e, c, p in gates)

    if not ranked or not passes(ranked[0][0], GATES):
        return Answer(text, "none", None, results, "no_match")
    best = ranked[0][1]
    choice = [
        (d, s)
        for d, s in ranked[:MAX_CHOICES]
        if s >= CHOOSE_SHARE * best and (d == ranked[0][0] or passes(d, CHOOSE_GATE))
    ]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if len(choice) == 1 or runner_up <= OPEN_MARGIN * best:
        return Answer(text, "open", index.ids[ranked[0][0]], results, "match")
    offered = tuple(Result(index.ids[d], round(s, 3)) for d, s in choice)
    rest = tuple(r for r in results if r not in offered)
    return Answer(text, "choose", None, offered + rest, "choice")
