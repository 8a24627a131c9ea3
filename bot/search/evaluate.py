"""Search quality on a question set (`tests/data/questions.tsv`: expected guide id or `-` for
out of scope, locale, question; `#` starts a comment line). Used by `make eval` and by the test
that keeps the bars.

- top-1 accuracy: the expected guide ranks first (in-scope questions);
- top-3 recall: the expected guide is among the first three results;
- open precision: of the questions the bot answers by opening a guide, the right guide;
- out-of-scope rejection: out-of-scope questions answered "none".
The ranking metrics do not look at the decision, so the report also says what an in-scope
asker actually gets: the right guide opened, offered among a few, or "none".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.search.decide import Answer, answer
from bot.search.index import Index

OUT_OF_SCOPE = "-"
BARS = {"top1": 0.95, "top3": 0.99, "out_of_scope_rejection": 0.90}


@dataclass(frozen=True)
class Question:
    expected: str  # a guide id, or "-"
    locale: str
    text: str
    line: int


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
    def open_precision(self) -> float:
        return self.opened_right / self.opened if self.opened else 0.0

    @property
    def out_of_scope_rejection(self) -> float:
        return self.rejected / self.out_of_scope if self.out_of_scope else 0.0

    def below_bars(self) -> list[str]:
        return [
            f"{name} {getattr(self, name):.1%} < {bar:.0%}"
            for name, bar in BARS.items()
            if getattr(self, name) < bar
        ]


class QuestionFileError(ValueError):
    pass


def read_questions(path: Path) -> list[Question]:
    questions = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise QuestionFileError(f"{path}:{n}: expected 'id<TAB>locale<TAB>question'")
        expected, locale, text = (p.strip() for p in parts)
        questions.append(Question(expected, locale, text, n))
    return questions


def evaluate(index: Index, questions: Iterable[Question]) -> Report:
    report = Report()
    for q in questions:
        a = answer(index, q.text, q.locale)
        report.questions += 1
        if a.decision == "open":
            report.opened += 1
            report.opened_right += a.answer == q.expected
        if q.expected == OUT_OF_SCOPE:
            report.out_of_scope += 1
            report.rejected += a.decision == "none"
            if a.decision != "none":
                report.misses.append((q, a))
            continue
        report.in_scope += 1
        ranked = [r.guide for r in a.results[:3]]
        report.top1_hits += ranked[:1] == [q.expected]
        report.top3_hits += q.expected in ranked
        report.shown_opened += a.decision == "open" and a.answer == q.expected
        report.shown_offered += a.decision == "choose" and q.expected in a.choices
        report.shown_none += a.decision == "none"
        if ranked[:1] != [q.expected] or a.decision == "none":
            report.misses.append((q, a))
    return report


def _share(n: int, total: int) -> str:
    return f"{n / total:.1%}" if total else "-"


def format_report(report: Report) -> str:
    lines = [
        f"questions: {report.questions} ({report.in_scope} in scope, "
        f"{report.out_of_scope} out of scope)",
        f"top-1 accuracy:         {report.top1:6.1%}  (bar {BARS['top1']:.0%})",
        f"top-3 recall:           {report.top3:6.1%}  (bar {BARS['top3']:.0%})",
        f"open precision:         {report.open_precision:6.1%}  "
        f"({report.opened_right}/{report.opened} opened guides were right)",
        f"out-of-scope rejection: {report.out_of_scope_rejection:6.1%}  "
        f"(bar {BARS['out_of_scope_rejection']:.0%})",
        f"in-scope askers get:    {_share(report.shown_opened, report.in_scope)} the right "
        f"guide opened, {_share(report.shown_offered, report.in_scope)} it among a few, "
        f'{_share(report.shown_none, report.in_scope)} "none"',
    ]
    if report.misses:
        lines.append("")
        lines.append(f"misses ({len(report.misses)}):")
        for q, a in report.misses:
            shown = ", ".join(f"{r.guide} {r.score:.1f}" for r in a.results[:3]) or "-"
            lines.append(
                f"  line {q.line} [{q.locale}] {q.text!r}: expected {q.expected}, "
                f"got {a.decision} → {shown}"
            )
    return "\n".join(lines)
