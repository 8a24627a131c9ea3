"""The search keeps its bars on the development question set (tests/data/questions.tsv), the
same numbers `make eval` prints: a change to the search or the guides that makes the bot find
fewer right guides, or open guides for questions it has no guide for, fails here."""

from __future__ import annotations

from pathlib import Path

from bot.search.cli import load_index
from bot.search.evaluate import BARS, evaluate, format_report, read_questions

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "questions.tsv"


def test_the_question_set_is_big_and_varied_enough():
    questions = read_questions(QUESTIONS)
    assert len(questions) >= 250
    assert sum(q.expected == "-" for q in questions) >= 30
    assert {q.locale for q in questions} == {"vi", "en"}


def test_search_meets_its_bars_on_the_question_set():
    report = evaluate(load_index(ROOT / "content"), read_questions(QUESTIONS))
    assert report.top1 >= BARS["top1"], format_report(report)
    assert report.top3 >= BARS["top3"], format_report(report)
    assert report.out_of_scope_rejection >= BARS["out_of_scope_rejection"], format_report(report)
