"""The search keeps the bars of issue 12 on the frozen test questions (tests/data/eval_test.tsv),
the same numbers `make eval` prints: a change to the search or the guides that makes the bot
find fewer right guides, say "none" to more in-scope questions, or open guides for questions
it has no guide for, fails here. The test set's individual misses are not printed (tuning on
them would make the numbers meaningless): the failure gives the aggregate numbers only.

Nothing may be chosen from the test questions; the last test checks the lexicon for it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.search import dense
from bot.search.cli import load_index
from bot.search.evaluate import (
    BARS,
    MAX_NONE_RATE,
    OUT_OF_SCOPE,
    evaluate_by_kind,
    read_questions,
    table,
)
from bot.search.lexicon import SYNONYMS
from bot.search.normalize import fold

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
TEST = DATA / "eval_test.tsv"
DEV = (DATA / "eval_dev.tsv", DATA / "eval_dev_extra.tsv", DATA / "questions.tsv")
KINDS = {"elder", "nodiacritics", "relative", "screen", "regional", "keyword", "english"}


@pytest.fixture(scope="module")
def index():
    """The lexical engine: embedding the real catalogue's passages takes minutes on a fresh
    clone (1,429 passages, 661 s at load 10.8), too long for every `make test`. `make eval`
    prints the same table for hybrid and lexical side by side."""
    dense.configure(None, enabled=False)
    try:
        return load_index(ROOT / "content")
    finally:
        dense.reset()


def test_the_question_sets_are_big_and_varied_enough():
    test = read_questions(TEST)
    dev = [q for p in DEV for q in read_questions(p)]
    for questions in (test, dev):
        assert sum(q.expected != OUT_OF_SCOPE for q in questions) >= 200
        assert sum(q.expected == OUT_OF_SCOPE for q in questions) >= 45
        assert {q.locale for q in questions} == {"vi", "en"}
    assert {q.kind for q in test} == KINDS | {"outofscope"}
    guides = {p.name for p in (ROOT / "content" / "guides").iterdir() if p.is_dir()}
    assert {q.expected for q in test} - {OUT_OF_SCOPE} == guides


# Not met when this was written; the bars stay where issue 12 set them. strict: the day the
# search meets them, this fails until the mark is removed.
@pytest.mark.xfail(
    strict=True,
    reason="issue 12's bars are not met on the frozen test set (2026-12-07, second session, "
    "lexical as run here: top-1 91.1 %, top-3 95.5 % < 97 %, in-scope none 6.7 % > 3 %, "
    "out-of-scope rejected 78.4 % < 90 %; hybrid, `make eval`: top-1 91.5 %, top-3 97.3 %, "
    "none 1.8 %, rejected 74.5 % < 90 %); the lead decides",
)
def test_search_meets_the_bars_on_the_frozen_test_questions(index):
    result = evaluate_by_kind(index, read_questions(TEST))
    # Plain numbers only: pytest prints what an assertion compares, and the report holds the
    # misses, which must not be seen.
    summary = "\n" + table({"test": result})
    top1, top3 = result.total.top1, result.total.top3
    none, rejected = result.total.none_rate, result.total.out_of_scope_rejection
    assert top1 >= BARS["top1"], summary
    assert top3 >= BARS["top3"], summary
    assert none <= MAX_NONE_RATE, summary
    assert rejected >= BARS["out_of_scope_rejection"], summary


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", fold(text))) + " "


def test_no_lexicon_phrase_comes_from_the_test_questions():
    """A synonym that a test question holds must have another reason to be there: a guide or a
    dev question that holds it too. (Its name is not printed: only that one exists.)"""
    test = [_words(q.text) for q in read_questions(TEST)]
    reasons = [_words(q.text) for p in DEV for q in read_questions(p)]
    reasons += [_words(p.read_text(encoding="utf-8")) for p in (ROOT / "content").rglob("*.md")]
    # A count, not the list: pytest would print the list's items on failure.
    suspicious = sum(
        any(f" {phrase} " in t for t in test) and not any(f" {phrase} " in r for r in reasons)
        for phrase in SYNONYMS
    )
    assert suspicious == 0, f"{suspicious} lexicon phrase(s) found only in the test questions"
