"""content.lock: for every guide file, the version and the sha256 of its text as last reviewed.

`check_content` is `trolyso content check`: everything bot/content/loader.py finds, the
sources (bot/content/sources.py), plus the lock — a text that changed while its `version` did not is an error, as is a version that went
down, a guide file the lock does not know and a lock line for a file that is gone.
`write_lock` is `trolyso content lock`: it records bumped versions and new or removed files,
and refuses while the content has errors or a text changed without a version bump (so the
lock can never paper over an unbumped edit).

The file is plain text, one `guide-id locale version sha256` line per guide file, sorted, so
a review shows exactly which guides changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.content.guides import ParsedFile, Problem
from bot.content.loader import DEFAULT_CHECKED_MAX_AGE_DAYS, Loaded, load_catalogue
from bot.content.sources import source_problems

LOCK_NAME = "content.lock"
HEADER = """\
# content.lock — written by `trolyso content lock`, checked by `trolyso content check`.
# Changed a guide? Bump its `version` in every language, then run `trolyso content lock`.
# guide-id locale version sha256-of-the-file-text
"""
_LINE = re.compile(r"(?P<id>\S+) (?P<locale>\S+) (?P<version>\d+) (?P<sha>[0-9a-f]{64})")


@dataclass(frozen=True)
class LockEntry:
    version: int
    sha256: str
    line: int = 0


@dataclass(frozen=True)
class _Issue:
    problem: Problem
    lock_fixes_it: bool  # `trolyso content lock` resolves it (a bump, a new or removed file)


def lock_path(content_dir: Path) -> Path:
    return content_dir / LOCK_NAME


def read_lock(path: Path) -> tuple[dict[tuple[str, str], LockEntry], list[Problem]]:
    entries: dict[tuple[str, str], LockEntry] = {}
    problems: list[Problem] = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _LINE.fullmatch(" ".join(line.split()))
        if not m:
            problems.append(
                Problem(
                    path,
                    n,
                    "not a 'guide-id locale version sha256' line: run `trolyso content lock`",
                )
            )
            continue
        entries[(m["id"], m["locale"])] = LockEntry(int(m["version"]), m["sha"], n)
    return entries, problems


def render_lock(loaded: Loaded) -> str:
    lines = [
        f"{gid} {locale} {f.version} {f.sha256}"
        for (gid, locale), f in sorted(loaded.files.items())
        if f.version is not None
    ]
    return HEADER + "\n".join(lines) + "\n"


def _issues(loaded: Loaded) -> list[_Issue]:
    path = lock_path(loaded.content_dir)
    if not path.exists():
        return [_Issue(Problem(path, None, "missing: run `trolyso content lock`"), True)]
    entries, malformed = read_lock(path)
    issues = [_Issue(p, True) for p in malformed]
    for key, parsed in sorted(loaded.files.items()):
        if parsed.version is not None:
            issue = _compare(parsed, entries.get(key))
            if issue is not None:
                issues.append(issue)
    for (gid, locale), entry in sorted(entries.items()):
        if (gid, locale) not in loaded.files:
            issues.append(
                _Issue(
                    Problem(
                        path,
                        entry.line,
                        f"lists {gid} {locale}, which is no "
                        "longer there: run `trolyso content lock`",
                    ),
                    True,
                )
            )
    return issues


def _compare(parsed: ParsedFile, entry: LockEntry | None) -> _Issue | None:
    line = parsed.key_lines.get("version")
    version = parsed.version
    if entry is None:
        return _Issue(
            Problem(
                parsed.path,
                None,
                "new guide file, not yet in content.lock: run `trolyso content lock`",
            ),
            True,
        )
    if entry.sha256 == parsed.sha256 and entry.version == version:
        return None
    if entry.sha256 == parsed.sha256:
        return _Issue(
            Problem(
                parsed.path,
                line,
                f"content.lock says version {entry.version}: run `trolyso content lock`",
            ),
            True,
        )
    if version == entry.version:
        return _Issue(
            Problem(
                parsed.path,
                line,
                f"the text changed but version is still "
                f"{version}: bump version (in every language), then run "
                "`trolyso content lock`",
            ),
            False,
        )
    if version is not None and version < entry.version:
        return _Issue(
            Problem(
                parsed.path,
                line,
                f"version went down from {entry.version} to {version}: versions only go up",
            ),
            False,
        )
    return _Issue(
        Problem(
            parsed.path,
            line,
            f"version bumped from {entry.version} to "
            f"{version}: run `trolyso content lock` to record it",
        ),
        True,
    )


def check_content(
    content_dir: Path,
    *,
    today: date | None = None,
    checked_max_age_days: int = DEFAULT_CHECKED_MAX_AGE_DAYS,
) -> Loaded:
    """Everything `trolyso content check` reports: content problems and lock problems."""
    loaded = load_catalogue(content_dir, today=today, checked_max_age_days=checked_max_age_days)
    loaded.problems.extend(lock_problems(loaded))
    loaded.problems.extend(source_problems(loaded.files, content_dir))
    return loaded


def lock_problems(loaded: Loaded) -> list[Problem]:
    """Where the loaded files and content.lock disagree."""
    return [issue.problem for issue in _issues(loaded)]


def write_lock(content_dir: Path) -> tuple[bool, list[Problem]]:
    """Rewrite content.lock from the files; refused (False, the problems) while the content
    has errors or a text changed without a version bump."""
    loaded = load_catalogue(content_dir)
    blocking = loaded.errors + [i.problem for i in _issues(loaded) if not i.lock_fixes_it]
    if blocking:
        return False, blocking
    path = lock_path(content_dir)
    tmp = path.with_suffix(".lock.tmp")
    tmp.write_text(render_lock(loaded), encoding="utf-8")
    tmp.replace(path)  # a reader never sees half a lock
    return True, []
