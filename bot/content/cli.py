"""`trolyso content check|lock|reload` and `trolyso report questions|guides|comments`.

check: every problem in the content and the lock, one per line with file and line; exit 1
when there are errors, 0 when clean (warnings are printed either way).
lock: rewrite content/content.lock after a version bump (refused while `check` finds errors
other than an outdated lock).
reload: check, then signal the running bot (its PID file) to swap the new content in.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import datetime
from pathlib import Path

from bot.config import Config
from bot.content.guides import Problem
from bot.content.loader import load_catalogue
from bot.content.lock import check_content, lock_path, lock_problems, write_lock
from bot.content.reload import read_report, report_path, signal_running_bot
from bot.content.sources import kind_counts
from bot.points.loader import check_points
from bot.reports import positive_int, report_commands, since_argument, start_of, write_csv


def add_parser(sub: argparse._SubParsersAction) -> None:
    content = sub.add_parser("content", help="check, lock and reload guide content")
    tasks = content.add_subparsers(
        dest="content_command", metavar="TASK", parser_class=type(content)
    )
    tasks.required = True
    for name, func, text in (
        ("check", cmd_check, "check every guide file and content.lock (CI runs this)"),
        ("lock", cmd_lock, "rewrite content.lock after bumping guide versions"),
        ("reload", cmd_reload, "check, then make the running bot load the new content"),
    ):
        task = tasks.add_parser(name, help=text)
        task.add_argument(
            "--content",
            type=Path,
            default=None,
            metavar="DIR",
            help="content folder (default: paths.content of the config)",
        )
        if name == "reload":
            task.add_argument(
                "--wait",
                type=_seconds,
                default=30.0,
                metavar="SECONDS",
                help="how long to wait for the bot to say what changed (default 30; 0: "
                "do not wait)",
            )
        task.set_defaults(func=func)

    reports = report_commands(sub)
    for name, func, text in (
        ("questions", cmd_report_questions, "the most asked questions no guide answered"),
        ("guides", cmd_report_guides, "views, starts, completions and feedback per guide version"),
        ("comments", cmd_report_comments, "readers' comments on guides"),
    ):
        report = reports.add_parser(name, help=text)
        since_argument(report)
        if name == "questions":
            report.add_argument(
                "--limit",
                type=positive_int,
                default=100,
                help="at most this many questions (default 100)",
            )
        report.set_defaults(func=func)


def _setup(args: argparse.Namespace) -> tuple[Config, Path]:
    from bot.cli import load_config

    config = load_config(args)
    return config, args.content or config.path("paths.content")


def _print(problems: list[Problem], base: Path) -> None:
    for p in problems:
        print(p.format(base))


def _shown(path: Path) -> Path:
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def _today(config: Config):
    return datetime.now(config.tz).date()


def cmd_check(args: argparse.Namespace) -> int:
    config, content_dir = _setup(args)
    loaded = check_content(
        content_dir, today=_today(config), checked_max_age_days=config.content.checked_max_age_days
    )
    base = Path.cwd()
    _print(loaded.errors + loaded.warnings, base)
    guides = len({gid for gid, _ in loaded.files})
    print(
        f"content: {guides} guides, {len(loaded.files)} files checked; "
        f"{len(loaded.errors)} error(s), {len(loaded.warnings)} warning(s)"
    )
    kinds = kind_counts(loaded.files, content_dir)
    print("sources cited: " + ", ".join(f"{n} {kind}" for kind, n in kinds.items()))
    point_problems = check_points(content_dir)
    for problem in point_problems:
        print(f"{_shown(content_dir)}/{problem}")
    print(f"places and points: {len(point_problems)} error(s)")
    return 1 if loaded.errors or point_problems else 0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value <= 600:
        raise argparse.ArgumentTypeError(f"must be from 0 to 600 seconds: {text}")
    return value


def cmd_lock(args: argparse.Namespace) -> int:
    _config, content_dir = _setup(args)
    ok, problems = write_lock(content_dir)
    if not ok:
        _print(problems, Path.cwd())
        print(f"{_shown(lock_path(content_dir))} not written: fix the problems above first")
        return 1
    print(f"{_shown(lock_path(content_dir))} written")
    return 0


def cmd_reload(args: argparse.Namespace) -> int:
    config, content_dir = _setup(args)
    loaded = load_catalogue(
        content_dir, today=_today(config), checked_max_age_days=config.content.checked_max_age_days
    )
    base = Path.cwd()
    point_problems = check_points(content_dir)
    if loaded.errors or point_problems:
        _print(loaded.errors, base)
        for problem in point_problems:
            print(f"{_shown(content_dir)}/{problem}")
        print("not reloaded: the bot would refuse this content (it keeps the last good)")
        return 1
    # An outdated lock or an old `checked` date do not stop a reload; CI catches the lock.
    _print(loaded.warnings, base)
    for p in lock_problems(loaded):
        print(f"{p.where(base)}: warning: {p.message}")
    since = time.time()
    pid = signal_running_bot(config)
    print(f"asked the bot (process {pid}) to reload")
    deadline = time.monotonic() + args.wait
    while True:
        report = read_report(report_path(config), pid, since)
        if report is not None:
            break
        if time.monotonic() >= deadline:
            print(f"no answer from the bot within {args.wait:g} s; it logs the result")
            return 0
        time.sleep(0.2)
    if not report.get("ok"):
        print("the bot refused the new content and keeps the last good; see its log")
        return 1
    print("reloaded:")
    for line in report.get("changes", []):
        print(f"  {line}")
    return 0


def _report(args: argparse.Namespace, produce) -> int:
    from bot.cli import load_config

    config = load_config(args)
    since = start_of(args.since, config.tz)

    async def run():
        from bot.reports import open_database

        async with open_database(config) as db, db.transaction() as session:
            return await produce(session, config, since)

    header, rows = asyncio.run(run())
    write_csv(header, rows, sys.stdout)
    return 0


def cmd_report_guides(args: argparse.Namespace) -> int:
    from bot.content.reports import GUIDES_HEADER, guide_rows

    async def produce(session, config, since):
        return GUIDES_HEADER, await guide_rows(session, since)

    return _report(args, produce)


def cmd_report_questions(args: argparse.Namespace) -> int:
    from bot.content.reports import QUESTIONS_HEADER, question_rows

    async def produce(session, config, since):
        return QUESTIONS_HEADER, await question_rows(session, config.tz, since, max(args.limit, 1))

    return _report(args, produce)


def cmd_report_comments(args: argparse.Namespace) -> int:
    from bot.content.reports import COMMENTS_HEADER, comment_rows

    async def produce(session, config, since):
        return COMMENTS_HEADER, await comment_rows(session, config.tz, since)

    return _report(args, produce)
