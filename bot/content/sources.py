"""The sources guides cite: `content/sources.toml`, the list of pages that were actually read
(copied from the project's facts files by tools/facts_sources.py), and the checks
`trolyso content check` runs on every guide's `sources`.

Each cited address is classified: `government` (a .gov.vn site, or one the facts tag [GOV],
such as chinhphu.vn), `official` (an app's or service's own site, `official_hosts`), `press`
or `other` (law firms, blogs, code). A source that is not in the read list is an error: a
guide may only claim a page someone here read. A guide with no government or official source
is a warning: its steps rest on press reports alone, which the reader should not have to
guess. These checks are editorial, so they live in the check (CI) and not in the bot's own
load: a running bot never refuses content over a bibliography.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bot.content.guides import ParsedFile, Problem

SOURCES_NAME = "sources.toml"
GOVERNMENT, OFFICIAL, PRESS, OTHER = "government", "official", "press", "other"
KINDS = (GOVERNMENT, OFFICIAL, PRESS, OTHER)
READ_KINDS = (GOVERNMENT, PRESS, OTHER)  # the tables in sources.toml, from the facts tags


@dataclass(frozen=True)
class SourceList:
    """What sources.toml says: every address read, with its kind, and the official hosts."""

    read: dict[str, str] = field(default_factory=dict)  # address → government|press|other
    official_hosts: frozenset[str] = frozenset()

    def kind(self, url: str) -> str:
        host = (urlsplit(url).hostname or "").lower()
        if host in self.official_hosts:
            return OFFICIAL
        if host == "gov.vn" or host.endswith(".gov.vn"):
            return GOVERNMENT
        return self.read.get(url, OTHER)


def sources_path(content_dir: Path) -> Path:
    return content_dir / SOURCES_NAME


def read_sources(path: Path) -> tuple[SourceList | None, list[Problem]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, [
            Problem(
                path,
                None,
                "missing: the list of sources read (write it with tools/facts_sources.py)",
            )
        ]
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        return None, [Problem(path, None, f"not valid TOML: {e}")]
    problems: list[Problem] = []
    allowed = {*READ_KINDS, "official_hosts"}
    for key in sorted(set(data) - allowed):
        problems.append(
            Problem(path, None, f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")
        )
    read: dict[str, str] = {}
    for kind in READ_KINDS:
        urls = data.get(kind, [])
        if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
            problems.append(Problem(path, None, f"'{kind}' must be a list of web addresses"))
            continue
        for url in urls:
            read.setdefault(url, kind)
    hosts = data.get("official_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
        problems.append(Problem(path, None, "'official_hosts' must be a list of host names"))
        hosts = []
    if problems:
        return None, problems
    return SourceList(read, frozenset(h.lower() for h in hosts)), []


def source_problems(files: dict[tuple[str, str], ParsedFile], content_dir: Path) -> list[Problem]:
    """Every cited source must be one that was read; every guide file needs a government or
    official source among them."""
    path = sources_path(content_dir)
    sources, problems = read_sources(path)
    if sources is None:
        return problems
    for _key, parsed in sorted(files.items()):
        cited = parsed.values.get("sources", ())
        lines = parsed.item_lines.get("sources", [])
        at = lines if len(lines) == len(cited) else [parsed.key_lines.get("sources")] * len(cited)
        for url, line in zip(cited, at, strict=True):
            if url not in sources.read:
                problems.append(
                    Problem(
                        parsed.path,
                        line,
                        f"source {url} is not among the pages read ({SOURCES_NAME}): cite only "
                        "what the facts files list, or read it and add it there first",
                    )
                )
        if cited and not any(sources.kind(u) in (GOVERNMENT, OFFICIAL) for u in cited):
            problems.append(
                Problem(
                    parsed.path,
                    parsed.key_lines.get("sources"),
                    "no government or official source: the steps rest on press and other "
                    "pages only; add the official page they were checked against",
                    warning=True,
                )
            )
    return problems


def kind_counts(files: dict[tuple[str, str], ParsedFile], content_dir: Path) -> dict[str, int]:
    """How many citations of each kind (for the check's summary line)."""
    sources, _ = read_sources(sources_path(content_dir))
    counts = dict.fromkeys(KINDS, 0)
    if sources is None:
        return counts
    for parsed in files.values():
        for url in parsed.values.get("sources", ()):
            counts[sources.kind(url)] += 1
    return counts
