"""The whole content folder: categories.toml and every guide file, read into one `Catalogue`
with every problem that needs more than one file to see (a missing locale, vi and en
disagreeing, a `related` or `[[guide-id]]` target or category that does not exist, a stale
`checked` date).

`load_catalogue` never raises for bad content: it returns the problems, and a catalogue only
when there are no errors (warnings allowed). The lock is checked in bot/content/lock.py.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.config import LOCALES
from bot.content.guides import ID_RE, ParsedFile, Problem, asked_key, parse_guide_file
from bot.content.model import Catalogue, Category, Guide

DEFAULT_CHECKED_MAX_AGE_DAYS = 180


@dataclass
class Loaded:
    content_dir: Path
    categories: tuple[Category, ...] = ()
    files: dict[tuple[str, str], ParsedFile] = field(default_factory=dict)  # (id, locale)
    folders: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    catalogue: Catalogue | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.warning]


def load_catalogue(
    content_dir: Path,
    *,
    today: date | None = None,
    checked_max_age_days: int = DEFAULT_CHECKED_MAX_AGE_DAYS,
) -> Loaded:
    """Read and check everything under `content_dir`; warn about `checked` dates older than
    `checked_max_age_days` when `today` is given."""
    loaded = Loaded(content_dir=content_dir)
    loaded.categories = _categories(content_dir / "categories.toml", loaded.problems)
    _guide_files(content_dir / "guides", loaded)
    _cross_checks(loaded)
    if today is not None:
        _checked_age(loaded, today, checked_max_age_days)
    loaded.problems.sort(key=lambda p: (str(p.path or ""), p.line or 0))
    if not loaded.errors:
        guides: dict[tuple[str, str], Guide] = {
            key: f.guide for key, f in sorted(loaded.files.items()) if f.guide is not None
        }
        loaded.catalogue = Catalogue(categories=loaded.categories, guides=guides)
    return loaded


def _categories(path: Path, problems: list[Problem]) -> tuple[Category, ...]:
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        problems.append(Problem(path, None, "the category list is missing"))
        return ()
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        problems.append(Problem(path, None, f"not valid TOML: {e}"))
        return ()
    entries = data.get("category")
    if set(data) - {"category"} or not isinstance(entries, list) or not entries:
        problems.append(Problem(path, None, "expected only [[category]] tables"))
        return ()
    categories: list[Category] = []
    for n, entry in enumerate(entries, 1):
        category = _category(entry, n, path, text, problems)
        if category is None:
            continue
        if any(c.id == category.id for c in categories):
            problems.append(
                Problem(
                    path, _line_of(text, category.id), f"category '{category.id}' is listed twice"
                )
            )
            continue
        categories.append(category)
    return tuple(categories)


def _category(
    entry: object, n: int, path: Path, text: str, problems: list[Problem]
) -> Category | None:
    allowed = {"id", "guides", *LOCALES}
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        problems.append(Problem(path, None, f"category #{n} needs an id"))
        return None
    cid = entry["id"]
    line = _line_of(text, cid)
    ok = True
    if not ID_RE.fullmatch(cid):
        problems.append(
            Problem(path, line, f"category id '{cid}' must be lower-case letters, digits and '-'")
        )
        ok = False
    for key in sorted(set(entry) - allowed):
        problems.append(
            Problem(
                path,
                line,
                f"category '{cid}': unknown key '{key}' (allowed: {', '.join(sorted(allowed))})",
            )
        )
        ok = False
    for locale in LOCALES:
        if not isinstance(entry.get(locale), str) or not entry[locale].strip():
            problems.append(Problem(path, line, f"category '{cid}' needs a title in {locale}"))
            ok = False
    guides = entry.get("guides", [])
    if not isinstance(guides, list) or not all(isinstance(g, str) for g in guides):
        problems.append(Problem(path, line, f"category '{cid}': guides must be a list of ids"))
        ok = False
    if not ok:
        return None
    return Category(
        id=cid, titles={loc: entry[loc].strip() for loc in LOCALES}, guides=tuple(guides)
    )


def _line_of(text: str, cid: str) -> int | None:
    m = re.search(rf'(?m)^\s*id\s*=\s*"{re.escape(cid)}"', text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _guide_files(guides_dir: Path, loaded: Loaded) -> None:
    if not guides_dir.is_dir():
        loaded.problems.append(Problem(guides_dir, None, "the guides folder is missing"))
        return
    for folder in sorted(
        p for p in guides_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
    ):
        loaded.folders.append(folder)
        for path in sorted(folder.glob("*.md")):
            if path.stem not in LOCALES:
                loaded.problems.append(
                    Problem(
                        path,
                        None,
                        f"'{path.name}' is not a language we serve ({', '.join(LOCALES)})",
                    )
                )
                continue
            parsed = parse_guide_file(path)
            loaded.files[(folder.name, path.stem)] = parsed
        for locale in LOCALES:
            if (folder.name, locale) not in loaded.files:
                loaded.problems.append(
                    Problem(
                        folder / f"{locale}.md",
                        None,
                        f"the {locale} version of '{folder.name}' is "
                        "missing (every guide is in " + " and ".join(LOCALES) + ")",
                    )
                )


def _cross_checks(loaded: Loaded) -> None:
    ids = {f.name for f in loaded.folders}
    category_ids = {c.id for c in loaded.categories}
    for (gid, _locale), parsed in loaded.files.items():
        category = parsed.values.get("category")
        if category is not None and loaded.categories and category not in category_ids:
            parsed.problems.append(
                Problem(
                    parsed.path,
                    parsed.key_lines.get("category"),
                    f"category '{category}' is not in categories.toml "
                    f"({', '.join(sorted(category_ids))})",
                )
            )
        for rid in parsed.values.get("related", ()):
            if rid == gid:
                parsed.problems.append(
                    Problem(
                        parsed.path,
                        parsed.key_lines.get("related"),
                        "a guide cannot be related to itself",
                    )
                )
            elif rid not in ids:
                parsed.problems.append(
                    Problem(
                        parsed.path,
                        parsed.key_lines.get("related"),
                        f"related guide '{rid}' does not exist",
                    )
                )
    _links(loaded, ids)
    for gid in sorted(ids):
        _agree(loaded, gid)
    _category_orders(loaded, ids)
    _asked_once(loaded)
    for parsed in loaded.files.values():
        loaded.problems.extend(parsed.problems)


def _links(loaded: Loaded, ids: set[str]) -> None:
    """A step's `[[guide-id]]` buttons lead to guides that exist, not to the guide itself."""
    for (gid, _locale), parsed in loaded.files.items():
        for targets in parsed.link_lines.values():
            for target, line in targets.items():
                if target == gid:
                    message = f"[[{target}]] links the guide to itself"
                elif target not in ids:
                    message = f"[[{target}]]: there is no guide '{target}'"
                else:
                    continue
                parsed.problems.append(Problem(parsed.path, line, message))


def _asked_once(loaded: Loaded) -> None:
    """An example question belongs to one guide: the same one under two guides of a language
    would teach search both answers."""
    owner: dict[tuple[str, str], str] = {}  # (locale, question) → guide id
    for (gid, locale), parsed in sorted(loaded.files.items()):
        questions = parsed.values.get("asked_as", ())
        item_lines = parsed.item_lines.get("asked_as", [])
        for n, question in enumerate(questions):
            first = owner.setdefault((locale, asked_key(question)), gid)
            if first != gid:
                line = item_lines[n] if len(item_lines) == len(questions) else None
                parsed.problems.append(
                    Problem(
                        parsed.path,
                        line or parsed.key_lines.get("asked_as"),
                        f"asked_as example {question!r} is also under guide '{first}': "
                        "give each question to the one guide that answers it",
                    )
                )


def _agree(loaded: Loaded, gid: str) -> None:
    """vi and en of one guide carry the same version, category and step ids."""
    versions = {loc: loaded.files[(gid, loc)] for loc in LOCALES if (gid, loc) in loaded.files}
    if len(versions) < 2:
        return
    first_locale, first = next(iter(versions.items()))
    for _locale, other in list(versions.items())[1:]:
        vs = first.path.name
        if (
            first.version is not None
            and other.version is not None
            and first.version != other.version
        ):
            other.problems.append(
                Problem(
                    other.path,
                    other.key_lines.get("version"),
                    f"version {other.version} differs from {vs} "
                    f"(version {first.version}): every language "
                    "carries the same version",
                )
            )
        a, b = first.values.get("category"), other.values.get("category")
        if a and b and a != b:
            other.problems.append(
                Problem(
                    other.path,
                    other.key_lines.get("category"),
                    f"category '{b}' differs from {vs} ('{a}')",
                )
            )
        for step_id, targets in other.link_lines.items():
            theirs = first.link_lines.get(step_id, {})
            if step_id in first.step_lines and set(targets) != set(theirs):
                other.problems.append(
                    Problem(
                        other.path,
                        other.step_lines.get(step_id),
                        f"step '{step_id}' links to {sorted(targets)} but in {vs} to "
                        f"{sorted(theirs)}: every language offers the same guide buttons",
                    )
                )
        for step_id, theirs in first.link_lines.items():
            if step_id in other.step_lines and step_id not in other.link_lines:
                other.problems.append(
                    Problem(
                        other.path,
                        other.step_lines.get(step_id),
                        f"step '{step_id}' links to {sorted(theirs)} in {vs} but to no guide "
                        "here: every language offers the same guide buttons",
                    )
                )
        only_first = [s for s in first.step_lines if s not in other.step_lines]
        only_other = [s for s in other.step_lines if s not in first.step_lines]
        if only_first:
            other.problems.append(
                Problem(
                    other.path,
                    None,
                    f"missing steps that {first_locale} has: {', '.join(only_first)}",
                )
            )
        if only_other:
            for step_id in only_other:
                other.problems.append(
                    Problem(
                        other.path,
                        other.step_lines[step_id],
                        f"step '{step_id}' is not in {vs}: step ids "
                        "are the same in every language",
                    )
                )


def _category_orders(loaded: Loaded, ids: set[str]) -> None:
    path = loaded.content_dir / "categories.toml"
    for category in loaded.categories:
        for gid in category.guides:
            if gid not in ids:
                loaded.problems.append(
                    Problem(
                        path,
                        None,
                        f"category '{category.id}' lists guide '{gid}', which does not exist",
                    )
                )
                continue
            parsed = loaded.files.get((gid, LOCALES[0]))
            actual = parsed.values.get("category") if parsed else None
            if actual is not None and actual != category.id:
                loaded.problems.append(
                    Problem(
                        path,
                        None,
                        f"category '{category.id}' lists "
                        f"guide '{gid}', whose category is '{actual}'",
                    )
                )


def _checked_age(loaded: Loaded, today: date, max_age_days: int) -> None:
    for parsed in loaded.files.values():
        checked = parsed.values.get("checked")
        if checked is not None and (today - checked).days > max_age_days:
            loaded.problems.append(
                Problem(
                    parsed.path,
                    parsed.key_lines.get("checked"),
                    f"checked {checked.isoformat()} is more than {max_age_days} days ago: check "
                    "the steps against the sources again, then update 'checked'",
                    warning=True,
                )
            )
