"""`make eval`: search quality on the development question set.

    python tools/eval.py [--questions tests/data/questions.tsv] [--content content]

Prints top-1 accuracy, top-3 recall, open precision and out-of-scope rejection, then every
miss. Exit 1 when a bar is not met (see bot/search/evaluate.py), 2 when a file is unusable.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.errors import ContentError  # noqa: E402
from bot.search.cli import load_index  # noqa: E402
from bot.search.evaluate import (  # noqa: E402
    QuestionFileError,
    evaluate,
    format_report,
    read_questions,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=ROOT / "tests/data/questions.tsv")
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    args = parser.parse_args(argv)
    try:
        questions = read_questions(args.questions)
        index = load_index(args.content)
    except (OSError, QuestionFileError, ContentError) as e:
        print(f"eval: {e}", file=sys.stderr)
        return 2
    report = evaluate(index, questions)
    print(format_report(report))
    failed = report.below_bars()
    if failed:
        print("\nbelow the bar: " + "; ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
