"""One guide file: parse `content/guides/<id>/<locale>.md` into a `Guide` and report every
problem in it with its line number.

The file is YAML front matter between `---` lines, then steps as `## Title {#step-id}` sections.
A line holding only `![alt](img/name.png)` attaches that picture to its step (and needs an
`images:` record of when and where the screen was captured); a line holding only
`[[guide-id]]` gives the step a button to that guide. Phone numbers written as one long run
of digits are warned about. `asked_as` (example
questions in people's words, for search) is checked here entry by entry. Checks that need
more than one file (missing locale, vi/en agreement, `related`, categories, the lock) live in
bot/content/loader.py and bot/content/lock.py.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.content.model import Guide, Step

# A step is sent as one message ("Step k of n" + title + text). Messengers allow a few
# thousand characters of text but about 1024 for a photo's caption; 900 leaves room for the
# header.
MAX_STEP_CHARS = 900
# Button payloads carry "g:n:<guide-id>:<step-id>" and must fit the strictest channel's
# payload limit (64 bytes: bot/channels/profiles.py).
MAX_GUIDE_ID_CHARS = 24
MAX_STEP_ID_CHARS = 32

# `asked_as`: example questions in people's own words, which search matches phrasings against.
# Fifteen per language is the least that covers the ways a task is asked (with and without
# diacritics, for oneself or a parent, describing the screen); one is a question, not an essay.
MIN_ASKED_AS = 15
MAX_ASKED_AS_CHARS = 200

REQUIRED_KEYS = (
    "id",
    "category",
    "title",
    "version",
    "updated",
    "summary",
    "keywords",
    "asked_as",
    "sources",
)
OPTIONAL_KEYS = ("checked", "related", "images")
ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
HEADING_RE = re.compile(r"##(?!#)(.*)$")
STEP_HEADING_RE = re.compile(r"##\s+(?P<title>.*?)\s*\{#(?P<id>[^}]*)\}\s*$")
IMAGE_LINE_RE = re.compile(r"\s*!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]*)\)\s*$")
INLINE_IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK_RE = re.compile(r"(?<!!)\[[^\]]+\]\([^)]*\)")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
# `[[guide-id]]` alone on a line: a button from this step to another guide.
GUIDE_LINK_LINE_RE = re.compile(r"\s*\[\[(?P<id>[^\]]*)\]\]\s*$")
# A phone number written as one run of digits is hard to read aloud and to dial: "1900 0368".
UNGROUPED_DIGITS_RE = re.compile(r"(?<![\w.,])\d{8,}(?![\w])")
# …except inside “quotes”, which hold exact screen text (an SMS sender shown as “18001096”).
QUOTED_RE = re.compile(r"“[^”]*”")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when libyaml is there


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, said so an editor can find and fix it."""

    path: Path | None
    line: int | None
    message: str
    warning: bool = False

    def where(self, base: Path | None = None) -> str:
        if self.path is None:
            return "content"
        path = self.path
        if base is not None:
            try:
                path = path.relative_to(base)
            except ValueError:
                pass
        return f"{path}:{self.line}" if self.line else str(path)

    def format(self, base: Path | None = None) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.where(base)}: {kind}{self.message}"

    def __str__(self) -> str:
        return self.format()


@dataclass
class ParsedFile:
    """A guide file as read: the guide (None when it cannot be built) and where things are."""

    path: Path
    locale: str
    sha256: str
    guide: Guide | None = None
    version: int | None = None
    values: dict[str, Any] = field(default_factory=dict)  # front matter keys of the right form
    key_lines: dict[str, int] = field(default_factory=dict)
    item_lines: dict[str, list[int]] = field(default_factory=dict)  # key → its "- " item lines
    step_lines: dict[str, int] = field(default_factory=dict)
    image_lines: dict[str, int] = field(default_factory=dict)  # img/… used by steps → line
    link_lines: dict[str, dict[str, int]] = field(default_factory=dict)  # step → target → line
    problems: list[Problem] = field(default_factory=list)


def text_sha256(text: str) -> str:
    """The hash the lock keeps: of the text with Unix line ends, so a Windows checkout agrees."""
    return hashlib.sha256(text.replace("\r\n", "\n").encode()).hexdigest()


def _bytes_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def to_plain(markdown: str) -> str:
    """The markdown-light of a step as plain text for any messenger: bold markers dropped,
    list dashes turned into bullets."""
    text = markdown.replace("**", "")
    return re.sub(r"(?m)^[-*] ", "• ", text)


def parse_guide_file(path: Path, text: str | None = None) -> ParsedFile:
    """Read one guide file; every problem found is in `problems` (never raised)."""
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            parsed = ParsedFile(path=path, locale=path.stem, sha256=_bytes_sha256(path))
            _problem(parsed, None, f"not UTF-8 text (byte {e.start}); save it as UTF-8")
            return parsed
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
    parsed = ParsedFile(path=path, locale=path.stem, sha256=text_sha256(text))
    lines = text.split("\n")
    split = _split_front_matter(lines, parsed)
    if split is None:
        return parsed
    meta_lines, body_start = split
    meta = _front_matter(meta_lines, parsed)
    steps = _steps(lines, body_start, parsed)
    if meta is None:
        return parsed
    _check_id(meta, parsed)
    _image_records(meta.get("images"), parsed)
    parsed.guide = _build_guide(meta, steps, parsed)
    return parsed


def _problem(parsed: ParsedFile, line: int | None, message: str, warning: bool = False) -> None:
    parsed.problems.append(Problem(parsed.path, line, message, warning))


def _split_front_matter(lines: list[str], parsed: ParsedFile) -> tuple[list[str], int] | None:
    if not lines or lines[0].strip() != "---":
        _problem(parsed, 1, "the file must start with a '---' line opening the front matter")
        return None
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return lines[1:i], i + 1
    _problem(parsed, 1, "the front matter is not closed by a '---' line")
    return None


def _front_matter(meta_lines: list[str], parsed: ParsedFile) -> dict[str, Any] | None:
    for i, line in enumerate(meta_lines, start=2):
        m = re.match(r"([^\s#:][^:]*):", line)
        if m and not line[0].isspace():
            parsed.key_lines.setdefault(m[1].strip(), i)
    _record_item_lines(meta_lines, parsed)
    try:
        meta = yaml.load("\n".join(meta_lines), Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = mark.line + 2 if mark is not None else 1
        reason = getattr(e, "problem", None) or str(e).splitlines()[0]
        _problem(parsed, at, f"the front matter is not valid YAML: {reason}")
        return None
    except ValueError as e:  # a date-like value that is no date, e.g. 2026-13-01
        _problem(parsed, 2, f"the front matter has an impossible value: {e}")
        return None
    if not isinstance(meta, dict):
        _problem(parsed, 2, "the front matter must be 'key: value' lines")
        return None
    for key in meta:
        if key not in REQUIRED_KEYS and key not in OPTIONAL_KEYS:
            allowed = ", ".join(REQUIRED_KEYS + OPTIONAL_KEYS)
            _problem(
                parsed,
                parsed.key_lines.get(str(key)),
                f"unknown front matter key '{key}' (allowed: {allowed})",
            )
    for key in REQUIRED_KEYS:
        if meta.get(key) in (None, "", []):
            what = {
                "sources": "no sources: list the official pages the steps were checked against",
                "asked_as": f"no asked_as: list at least {MIN_ASKED_AS} example questions, "
                "in the words people use to ask for this guide",
            }.get(key, f"the required key '{key}' is missing or empty")
            _problem(parsed, parsed.key_lines.get(key), what)
    return meta


def _check_id(meta: dict[str, Any], parsed: ParsedFile) -> None:
    folder = parsed.path.parent.name
    gid = meta.get("id")
    if gid is not None and gid != folder:
        _problem(
            parsed, parsed.key_lines.get("id"), f"id '{gid}' must be the folder name '{folder}'"
        )


def _typed(meta: dict[str, Any], key: str, parsed: ParsedFile) -> Any:
    """The value of `key` if it has the right form; a problem and None otherwise."""
    value = meta.get(key)
    line = parsed.key_lines.get(key)
    if value is None:
        return None
    if key == "version":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            _problem(parsed, line, f"version must be a whole number from 1; got {value!r}")
            return None
        return value
    if key in ("updated", "checked"):
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                pass
        if not isinstance(value, date):
            _problem(parsed, line, f"{key} must be a date YYYY-MM-DD; got {value!r}")
            return None
        return value
    if key == "asked_as":
        return _asked_as(value, parsed)
    if key == "images":
        return value  # checked with the steps that use them (_image_records)
    if key in ("keywords", "related", "sources"):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            _problem(parsed, line, f"{key} must be a list of texts, like [a, b]")
            return None
        if key == "sources":
            for v in value:
                if not re.match(r"https?://\S+$", v.strip()):
                    _problem(parsed, line, f"source {v!r} must be a web address (https://...)")
        return tuple(v.strip() for v in value)
    if not isinstance(value, str) or not value.strip():
        _problem(parsed, line, f"{key} must be a text")
        return None
    return " ".join(value.split()) if key in ("title", "summary") else value.strip()


def _record_item_lines(meta_lines: list[str], parsed: ParsedFile) -> None:
    """Note the line of each `- item` under a top-level key, so a problem with one example
    question can name its own line."""
    current: str | None = None
    for i, line in enumerate(meta_lines, start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if re.match(r"\s*-(\s|$)", line):
            if current is not None:
                parsed.item_lines.setdefault(current, []).append(i)
        elif not line[0].isspace():
            m = re.match(r"([^\s#:][^:]*):", line)
            current = m[1].strip() if m else None


def asked_key(question: str) -> str:
    """What makes two example questions the same: case, spacing and closing marks aside."""
    return " ".join(question.casefold().split()).rstrip("?!.… ")


def _asked_as(value: Any, parsed: ParsedFile) -> tuple[str, ...] | None:
    """The example questions, each a non-empty text of at most MAX_ASKED_AS_CHARS, none
    repeated, at least MIN_ASKED_AS of them; every problem with its own line."""
    line = parsed.key_lines.get("asked_as")
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        _problem(parsed, line, "asked_as must be a list of example questions, one per '- ' line")
        return None
    item_lines = parsed.item_lines.get("asked_as", [])
    lines = item_lines if len(item_lines) == len(value) else [line] * len(value)
    questions: list[str] = []
    seen: dict[str, int | None] = {}
    ok = True
    for n, (entry, at) in enumerate(zip(value, lines, strict=True), start=1):
        if entry is None or (isinstance(entry, str) and not entry.strip()):
            _problem(parsed, at, f"asked_as example {n} is empty")
            ok = False
            continue
        if not isinstance(entry, str):
            _problem(
                parsed,
                at,
                f"asked_as example {n} is not a text ({entry!r}); put it in quotes "
                "(a ': ' or a lone yes/no changes its meaning in YAML)",
            )
            ok = False
            continue
        text = " ".join(entry.split())
        if len(text) > MAX_ASKED_AS_CHARS:
            _problem(
                parsed,
                at,
                f"asked_as example {n} is {len(text)} characters; at most "
                f"{MAX_ASKED_AS_CHARS}: one question, as a person would type it",
            )
            ok = False
        key = asked_key(text)
        if key in seen:
            first = seen[key]
            where = f" (first on line {first})" if first and first != at else ""
            _problem(parsed, at, f"asked_as example {n} repeats an earlier one{where}: {text!r}")
            ok = False
            continue
        seen[key] = at
        questions.append(text)
    if len(value) < MIN_ASKED_AS:
        _problem(
            parsed,
            line,
            f"asked_as has {len(value)} example question(s); at least {MIN_ASKED_AS} "
            "are needed, in the everyday words people use to ask for this guide",
        )
        ok = False
    return tuple(questions) if ok else None


def _build_guide(meta: dict[str, Any], steps: list[Step], parsed: ParsedFile) -> Guide | None:
    values = {key: _typed(meta, key, parsed) for key in REQUIRED_KEYS + OPTIONAL_KEYS}
    parsed.values = {k: v for k, v in values.items() if v is not None}
    parsed.version = values["version"]
    if values["id"] is not None and not (
        ID_RE.fullmatch(values["id"]) and len(values["id"]) <= MAX_GUIDE_ID_CHARS
    ):
        _problem(
            parsed,
            parsed.key_lines.get("id"),
            f"id must be lower-case letters, digits "
            f"and '-', at most {MAX_GUIDE_ID_CHARS} characters",
        )
    if not steps:
        _problem(parsed, None, "the guide has no steps ('## Title {#step-id}' sections)")
    if any(values[key] is None for key in REQUIRED_KEYS) or any(
        not p.warning for p in parsed.problems
    ):
        return None
    return Guide(
        id=values["id"],
        locale=parsed.locale,
        category=values["category"],
        title=values["title"],
        version=values["version"],
        updated=values["updated"],
        summary=values["summary"],
        keywords=values["keywords"],
        related=values["related"] or (),
        sources=values["sources"],
        steps=tuple(steps),
        checked=values["checked"],
        path=parsed.path,
        asked_as=values["asked_as"],
    )


def _steps(lines: list[str], start: int, parsed: ParsedFile) -> list[Step]:
    """Split the body into steps, checking headings, ids, images, emptiness and length."""
    sections: list[tuple[int, str, str, list[tuple[int, str]]]] = []
    for n, line in enumerate(lines[start:], start=start + 1):
        if HEADING_RE.match(line):
            m = STEP_HEADING_RE.match(line)
            if not m:
                _problem(parsed, n, "a step heading needs a stable id: '## Title {#step-id}'")
                sections.append((n, line[2:].strip(), "", []))
                continue
            sections.append((n, m["title"], m["id"], []))
        elif sections:
            sections[-1][3].append((n, line))
        elif line.strip():
            _problem(parsed, n, "text before the first '## ' step would never be shown")
    steps = []
    for n, title, step_id, body in sections:
        step = _step(n, title, step_id, body, parsed)
        if step is not None:
            steps.append(step)
    return steps


def _step(
    n: int, title: str, step_id: str, body: list[tuple[int, str]], parsed: ParsedFile
) -> Step | None:
    if step_id:
        if not (ID_RE.fullmatch(step_id) and len(step_id) <= MAX_STEP_ID_CHARS):
            _problem(
                parsed,
                n,
                f"step id '{step_id}' must be lower-case letters, digits and "
                f"'-', at most {MAX_STEP_ID_CHARS} characters",
            )
        elif step_id in parsed.step_lines:
            _problem(
                parsed,
                n,
                f"step id '{step_id}' is used twice (first on line {parsed.step_lines[step_id]})",
            )
        else:
            parsed.step_lines[step_id] = n
    if not title:
        _problem(parsed, n, "the step has no title")
    images, links, text_lines = [], [], []
    for line_no, line in body:
        link = GUIDE_LINK_LINE_RE.match(line)
        if link:
            target = link["id"].strip()
            if not ID_RE.fullmatch(target):
                _problem(parsed, line_no, f"'[[{target}]]' must name a guide id: [[guide-id]]")
            elif target in links:
                _problem(parsed, line_no, f"'[[{target}]]' is given twice in this step")
            else:
                links.append(target)
                parsed.link_lines.setdefault(step_id, {})[target] = line_no
            continue
        image = IMAGE_LINE_RE.match(line)
        if image:
            path = _image(line_no, image["src"], parsed)
            if path is not None:
                images.append(path)
            continue
        if INLINE_IMAGE_RE.search(line):
            _problem(parsed, line_no, "an image must be on a line of its own")
        elif LINK_RE.search(line):
            _problem(
                parsed,
                line_no,
                "links are sent as plain text: write the address itself (e.g. dichvucong.gov.vn)",
            )
        for digits in UNGROUPED_DIGITS_RE.findall(QUOTED_RE.sub("", line)):
            _problem(
                parsed,
                line_no,
                f"'{digits}': write a phone number in groups, as it is read aloud "
                "(e.g. 1900 0368, 024 1022)",
                warning=True,
            )
        text_lines.append(line)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(text_lines)).strip()
    if not text:
        _problem(parsed, n, f"step '{step_id or title}' is empty")
    size = len(title) + len(to_plain(text))
    if size > MAX_STEP_CHARS:
        _problem(
            parsed,
            n,
            f"step '{step_id or title}' is {size} characters (title and text); "
            f"at most {MAX_STEP_CHARS} fit one message: split it",
        )
    if not step_id:
        return None
    return Step(id=step_id, title=title, body=text, images=tuple(images), links=tuple(links))


def _image(line_no: int, src: str, parsed: ParsedFile) -> Path | None:
    folder = parsed.path.parent
    if not src.startswith("img/") or ".." in Path(src).parts:
        _problem(parsed, line_no, f"image '{src}' must be under img/ in the guide's folder")
        return None
    if Path(src).suffix.lower() not in IMAGE_SUFFIXES:
        _problem(parsed, line_no, f"image '{src}' must be one of: {', '.join(IMAGE_SUFFIXES)}")
        return None
    path = folder / src
    parsed.image_lines.setdefault(src, line_no)
    if not path.is_file():
        _problem(parsed, line_no, f"image '{src}' does not exist")
        return None
    return path


def _image_records(records: Any, parsed: ParsedFile) -> None:
    """A picture of a screen is shown only if someone captured the real screen: every image a
    step uses needs an `images:` entry with the date it was captured and where (the site or
    app and version, the device)."""
    line = parsed.key_lines.get("images")
    if records is None:
        records = {}
    if not isinstance(records, dict):
        _problem(parsed, line, "images must map each img/… file to its captured date and source")
        return
    for src, at in parsed.image_lines.items():
        record = records.get(src)
        if not isinstance(record, dict):
            _problem(
                parsed,
                at,
                f"image '{src}' has no record under 'images:' in the front matter: a "
                "screenshot needs the date it was captured and its source (a real capture)",
            )
            continue
        captured, source = record.get("captured"), record.get("source")
        if isinstance(captured, str):
            try:
                captured = date.fromisoformat(captured)
            except ValueError:
                pass
        if not isinstance(captured, date):
            _problem(parsed, at, f"image '{src}': 'captured' must be a date YYYY-MM-DD")
        if not isinstance(source, str) or not source.strip():
            _problem(
                parsed,
                at,
                f"image '{src}': 'source' must say where it was captured (site or app, device)",
            )
        for extra in sorted(set(record) - {"captured", "source"}):
            _problem(parsed, at, f"image '{src}': unknown key '{extra}' (captured, source)")
    for src in records:
        if src not in parsed.image_lines:
            _problem(parsed, line, f"images lists '{src}', which no step shows")
