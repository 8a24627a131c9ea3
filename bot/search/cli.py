"""`trolyso search`: what the bot would do with a question, from the command line.

    trolyso search "làm sao đăng ký khai sinh" --locale vi --json
    trolyso search --locale vi --json --batch questions.txt     # one question a line; - = stdin

With --json, one JSON object per question and line:
{"query": ..., "decision": "open"|"choose"|"none", "answer": id or null,
 "results": [{"guide": id, "score": float}, ...]}
`decision` and `answer` come from the same function the bot calls (bot/search/decide.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from bot.config import LOCALES
from bot.errors import ContentError, TrolysoError
from bot.search import dense
from bot.search.build import build
from bot.search.decide import Answer, answer
from bot.search.index import Index


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="show which guide the bot would give for a question")
    p.add_argument("question", nargs="?", help="the question (or use --batch)")
    p.add_argument(
        "--locale",
        choices=LOCALES,
        default=None,
        help="the asker's language (default: bot.default_locale)",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per question")
    p.add_argument(
        "--batch",
        metavar="FILE",
        default=None,
        help="questions from FILE, one a line ('-' for standard input)",
    )
    p.add_argument(
        "--content",
        type=Path,
        default=None,
        metavar="DIR",
        help="content folder (default: paths.content of the config)",
    )
    p.set_defaults(func=cmd_search)


def load_index(content_dir: Path) -> Index:
    from bot.content.loader import load_catalogue

    loaded = load_catalogue(content_dir)
    if loaded.catalogue is None:
        raise ContentError([p.format(content_dir.parent) for p in loaded.errors])
    return build(loaded.catalogue)


def as_json(a: Answer) -> str:
    return json.dumps(
        {
            "query": a.query,
            "decision": a.decision,
            "answer": a.answer,
            "results": [{"guide": r.guide, "score": r.score} for r in a.results],
        },
        ensure_ascii=False,
    )


def as_line(a: Answer) -> str:
    if a.decision == "open":
        what = f"open {a.answer}"
    elif a.decision == "choose":
        what = "choose " + ", ".join(a.choices)
    else:
        what = f"none ({a.reason.replace('_', ' ')})"
    scores = "  ".join(f"{r.guide} {r.score:.2f}" for r in a.results[:3])
    return f"{a.query} → {what}" + (f"   [{scores}]" if scores else "")


def questions(args: argparse.Namespace, stdin: TextIO) -> Iterator[str]:
    if args.batch is None:
        if not args.question or not args.question.strip():
            raise TrolysoError("search: give a question, or --batch FILE")
        yield args.question
        return
    if args.question:
        raise TrolysoError("search: give either a question or --batch, not both")
    lines: Iterable[str]
    if args.batch == "-":
        lines = stdin
    else:
        try:
            lines = Path(args.batch).read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise TrolysoError(f"search: cannot read {args.batch}: {e.strerror}") from None
        except UnicodeDecodeError:
            raise TrolysoError(f"search: {args.batch} is not UTF-8 text") from None
    for line in lines:
        if line.strip():
            yield line.rstrip("\r\n")


def cmd_search(
    args: argparse.Namespace, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    from bot.cli import load_config

    config = load_config(args)
    locale = args.locale or config.bot.default_locale
    dense.configure(config.path("paths.search_cache"))
    index = load_index(args.content or config.path("paths.content"))
    out = stdout or sys.stdout
    for q in questions(args, stdin or sys.stdin):
        a = answer(index, q, locale)
        print(as_json(a) if args.json else as_line(a), file=out, flush=args.batch == "-")
    return 0
