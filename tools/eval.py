"""`make eval`: search quality on the dev and the frozen test question sets, per kind of
phrasing, hybrid (lexical + dense) beside lexical only.

    python tools/eval.py [--dev-only] [--fusion weighted|rrf] [--misses] [--show-test-misses]

dev  = tests/data/eval_dev.tsv + eval_dev_extra.tsv + questions.tsv (tuning is allowed on it);
test = tests/data/eval_test.tsv (frozen: nothing is chosen from it). Aggregate numbers are
printed for both; individual misses only for dev (`--misses`), and for test only with
`--show-test-misses` (for the closing note, never while tuning). Exit 1 when the test set
misses a bar (bot/search/evaluate.py), 2 when a file is unusable.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.errors import ContentError  # noqa: E402
from bot.search import decide, dense  # noqa: E402
from bot.search.cli import load_index  # noqa: E402
from bot.search.evaluate import (  # noqa: E402
    Evaluation,
    Question,
    QuestionFileError,
    evaluate_by_kind,
    format_misses,
    read_questions,
    table,
)

DATA = ROOT / "tests" / "data"
DEV = (DATA / "eval_dev.tsv", DATA / "eval_dev_extra.tsv", DATA / "questions.tsv")
TEST = DATA / "eval_test.tsv"


def read_all(paths: tuple[Path, ...]) -> list[Question]:
    return [q for p in paths if p.exists() for q in read_questions(p)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--dev-only", action="store_true", help="leave the test set alone")
    parser.add_argument(
        "--fusion", choices=sorted(decide.FUSIONS), default=decide.FUSION, help="score fusion"
    )
    parser.add_argument("--misses", action="store_true", help="print every dev miss")
    parser.add_argument(
        "--show-test-misses",
        action="store_true",
        help="print the test set's misses too (only for the closing note: never tune on them)",
    )
    args = parser.parse_args(argv)
    decide.FUSION = args.fusion
    dense.configure(ROOT / "var" / "search")
    try:
        sets = {"dev": read_all(DEV)}
        if not args.dev_only and TEST.exists():
            sets["test"] = read_questions(TEST)
        hybrid = load_index(args.content)
    except (OSError, QuestionFileError, ContentError) as e:
        print(f"eval: {e}", file=sys.stderr)
        return 2
    indexes = {"hybrid": hybrid, "lexical": hybrid.lexical_only()}
    if hybrid.dense is None:
        print("eval: the embedding model is not installed: lexical search only\n")
        indexes = {"lexical": hybrid}
    results: dict[str, Evaluation] = {}
    for set_name, questions in sets.items():
        for mode, index in indexes.items():
            results[_key(set_name, mode, args)] = evaluate_by_kind(index, questions)
    print(table(results))
    best = next(iter(indexes))
    if args.misses:
        print("\ndev, " + best + ": " + format_misses(results[_key("dev", best, args)].total))
    if "test" in sets:
        test = results[_key("test", best, args)].total
        if args.show_test_misses:
            print("\ntest, " + best + ": " + format_misses(test))
        failed = test.below_bars()
        if failed:
            print("\ntest set below the bar: " + "; ".join(failed))
            return 1
    return 0


def _key(set_name: str, mode: str, args: argparse.Namespace) -> str:
    return (
        f"{set_name} · {mode} ({args.fusion} fusion)"
        if mode == "hybrid"
        else f"{set_name} · {mode}"
    )


if __name__ == "__main__":
    sys.exit(main())
