"""Canned answers per unit, from content/handoff/answers.toml: `[[all]]` for every unit and
`[[<unit-id>]]` for one unit's own. Each has a short `title` (the officer's button) and the
text in each language; the citizen gets the text in their language."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

FILE = Path("handoff") / "answers.toml"
ALL = "all"


@dataclass(frozen=True)
class Canned:
    title: str
    texts: dict[str, str]  # locale → text

    def text(self, locale: str, default: str) -> str:
        return self.texts.get(locale) or self.texts.get(default) or next(iter(self.texts.values()))


def load(content_dir: Path) -> dict[str, tuple[Canned, ...]]:
    """unit id (or "all") → its answers; an absent file means none. A malformed entry stops
    the start with the file and entry named."""
    path = content_dir / FILE
    if not path.exists():
        return {}
    with open(path, "rb") as f:
        data = tomllib.load(f)
    found: dict[str, tuple[Canned, ...]] = {}
    for unit, entries in data.items():
        answers = []
        for i, entry in enumerate(entries if isinstance(entries, list) else [], start=1):
            title = entry.get("title") if isinstance(entry, dict) else None
            texts = {
                k: v.strip()
                for k, v in (entry or {}).items()
                if k != "title" and isinstance(v, str)
            }
            if not isinstance(title, str) or not title.strip() or not texts:
                raise ValueError(f"{path}: [[{unit}]] entry {i} needs a title and a text")
            answers.append(Canned(title.strip(), texts))
        found[unit] = tuple(answers)
    return found


def for_unit(answers: dict[str, tuple[Canned, ...]], unit_id: str) -> tuple[Canned, ...]:
    return answers.get(unit_id, ()) + answers.get(ALL, ())
