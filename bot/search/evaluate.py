"""Search quality on question sets. Used by `make eval` (tools/eval.py) and by the test that
keeps the bars (tests/test_search_quality.py).

Question files (tests/data/): one question a line, TAB-separated,
`expected<TAB>locale<TAB>kind<TAB>question` (expected: a guide id, or `-` for out of scope;
kind: how it is phrased: elder, nodiacritics, relative, screen, regional, keyword, english,
outofscope); `#` starts a comment line. The first question set (questions.tsv) has no kind
column: its questions count as kind "original" (or "outofscope").

- dev  = eval_dev.tsv + questions.tsv: the engine may be tuned on it, misses are printed;
- test = eval_test.tsv: frozen; nothing is chosen from it, its misses are not printed unless
  asked for (`--show-test-misses`, for the closing note), and the bars are checked on it.

Per set and per kind: top-1 accuracy (the expected guide ranks first), top-3 recall, the
share of in-scope questions answered "none", out-of-scope rejection (answered "none"), and
open precision (of the guides opened, the right one).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.search.decide import Answer, answer
from bot.search.index import Index

OUT_OF_SCOPE = "-"
OUT_OF_SCOPE_KIND = "outofscope"
ORIGINAL_KIND = "original"
# The bars of issue 12, checked on the frozen test set.
BARS = {"top1": 0.90, "top3": 0.97, "out_of_scope_rejection": 0.90}
MAX_NONE_RATE = 0.03


@dataclass(frozen=True)
class Question:
    expected: str  # a guide id, or "-"
    locale: str
    text: str
    line: int
    kind: str = ORIGINAL_KIND
    source: str = ""  # the file's name


@dataclass
class Report:
    questions: int = 0
    in_scope: int = 0
    out_of_scope: int = 0
    top1_hits: int = 0
    top3_hits: int = 0
    opened: int = 0
    opened_right: int = 0
    rejected: int = 0
    shown_opened: int = 0  # in scope: the right guide opened
    shown_offered: int = 0  # in scope: the right guide among the few offered
    shown_none: int = 0  # in scope: "none"
    misses: list[tuple[Question, Answer]] = field(default_factory=list)

    @property
    def top1(self) -> float:
        return self.top1_hits / self.in_scope if self.in_scope else 0.0

    @property
    def top3(self) -> float:
        return self.top3_hits / self.in_scope if self.in_scope else 0.0

    @property
    def none_rate(self) -> float:
        return self.shown_none / self.in_scope if self.in_scope else 0.0

    @property
    def open_precision(self) -> float:
        return self.opened_right / self.opened if self.opened else 0.0

    @property
    def out_of_scope_rejection(self) -> float:
        return self.rejected / self.out_of_scope if self.out_of_scope else 0.0

    def below_bars(self) -> list[str]:
        failed = [
            f"{name} {getattr(self, name):.1%} < {bar:.0%}"
            for name, bar in BARS.items()
            if getattr(self, name) < bar
        ]
        if self.none_rate > MAX_NONE_RATE:
            failed.append(f'in-scope "none" {self.none_rate:.1%} > {MAX_NONE_RATE:.0%}')
        return failed

    def add(self, q: Question, a: Answer) -> None:
        self.questions += 1
        if a.decision == "open":
            self.opened += 1
            self.opened_right += a.answer == q.expected
        if q.expected == OUT_OF_SCOPE:
            self.out_of_scope += 1
            self.rejected += a.decision == "none"
            if a.decision != "none":
                self.misses.append((q, a))
            return
        self.in_scope += 1
        ranked = [r.guide for r in a.results[:3]]
        self.top1_hits += ranked[:1] == [q.expected]
        self.top3_hits += q.expected in ranked
        self.shown_opened += a.decision == "open" and a.answer == q.expected
        self.shown_offered += a.decision == "choose" and q.expected in a.choices
        self.shown_none += a.decision == "none"
        if ranked[:1] != [q.expected] or a.decision == "none":
            self.misses.append((q, a))


@dataclass
class Evaluation:
    """One question set: the whole and each kind of phrasing."""

    total: Report
    kinds: dict[str, Report]


class QuestionFileError(ValueError):
    pass


def read_questions(path: Path) -> list[Question]:
    questions = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("\t")]
        if len(parts) == 3 and all(parts):
            expected, locale, text = parts
            kind = OUT_OF_SCOPE_KIND if expected == OUT_OF_SCOPE else ORIGINAL_KIND
        elif len(parts) == 4 and all(parts):
            expected, locale, kind, text = parts
        else:
            raise QuestionFileError(
                f"{path}:{n}: expected 'id<TAB>locale<TAB>kind<TAB>question' "
                "(or 'id<TAB>locale<TAB>question')"
            )
        if (expected == OUT_OF_SCOPE) != (kind == OUT_OF_SCOPE_KIND):
            raise QuestionFileError(
                f"{path}:{n}: kind {kind!r} does not fit expected {expected!r}"
            )
        questions.append(Question(expected, locale, text, n, kind, path.name))
    return questions


def evaluate(index: Index, questions: Iterable[Question]) -> Report:
    return evaluate_by_kind(index, questions).total


def evaluate_by_kind(index: Index, questions: Iterable[Question]) -> Evaluation:
    total = Report()
    kinds: dict[str, Report] = {}
    for q in questions:
        a = answer(index, q.text, q.locale)
        total.add(q, a)
        kinds.setdefault(q.kind, Report()).add(q, a)
    return Evaluation(total, dict(sorted(kinds.items())))


def _pct(value: float, n: int) -> str:
    return f"{value:6.1%}" if n else "     -"


HEADER = f"{'':14} {'n':>4} {'top-1':>6} {'top-3':>6} {'none':>6} {'reject':>6} {'open ok':>7}"


def row(name: str, r: Report) -> str:
    """One line: questions, top-1, top-3, in-scope "none", out-of-scope rejected, open
    precision (a dash where the set has no such question)."""
    return (
        f"{name:14} {r.questions:4d} {_pct(r.top1, r.in_scope)} {_pct(r.top3, r.in_scope)} "
        f"{_pct(r.none_rate, r.in_scope)} {_pct(r.out_of_scope_rejection, r.out_of_scope)} "
        f"{_pct(r.open_precision, r.opened)}"
    )


def table(evaluations: dict[str, Evaluation]) -> str:
    """Columns side by side is too wide for a terminal: one block per evaluation, rows per kind,
    the whole set last."""
    lines = []
    for name, e in evaluations.items():
        lines.append(f"{name}")
        lines.append(HEADER)
        lines.extend(row(f"  {kind}", r) for kind, r in e.kinds.items())
        lines.append(row("  all", e.total))
        lines.append("")
    return "\n".join(lines).rstrip()


def format_misses(report: Report) -> str:
    lines = [f"misses ({len(report.misses)}):"]
    for q, a in report.misses:
        shown = ", ".join(f"{r.guide} {r.score:.2f}" for r in a.results[:3]) or "-"
        lines.append(
            f"  {q.source}:{q.line} [{q.locale} {q.kind}] {q.text!r}: expected {q.expected}, "
            f"got {a.decision} → {shown}"
        )
    return "\n".join(lines)


def format_report(report: Report) -> str:
    """The whole set in a few lines, then every miss (for dev sets and test failures of the
    question files only: never print the frozen test set's misses by default)."""
    lines = [
        f"questions: {report.questions} ({report.in_scope} in scope, "
        f"{report.out_of_scope} out of scope)",
        f"top-1 {report.top1:.1%}, top-3 {report.top3:.1%}, in-scope none "
        f"{report.none_rate:.1%}, out-of-scope rejected {report.out_of_scope_rejection:.1%}, "
        f"open precision {report.open_precision:.1%}",
    ]
    if report.misses:
        lines.append(format_misses(report))
    return "\n".join(lines)
