"""What a loaded guide is. Parsing and checking live in bot/content/guides.py; search in
bot/search/. These types are shared by both and by the handlers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Step:
    id: str  # stable across edits and languages
    title: str
    body: str  # markdown-light text, without the image lines
    images: tuple[Path, ...] = ()
    # Other guides this step names (`[[guide-id]]` lines): each becomes a button to that guide.
    links: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Guide:
    id: str
    locale: str
    category: str
    title: str
    version: int
    updated: date
    summary: str
    keywords: tuple[str, ...]
    related: tuple[str, ...]
    sources: tuple[str, ...]
    steps: tuple[Step, ...]
    checked: date | None = None
    path: Path | None = None
    # Example questions in people's own words (front matter `asked_as`), for search to match
    # everyday phrasings against; never shown to the reader.
    asked_as: tuple[str, ...] = ()

    def step_index(self, step_id: str) -> int | None:
        for i, step in enumerate(self.steps):
            if step.id == step_id:
                return i
        return None


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    titles: dict[str, str] = field(hash=False)  # locale → title
    # Menu order of this category's guides (from categories.toml); others follow by id.
    guides: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    """All guides of all locales, immutable once loaded (reload swaps a whole new one)."""

    categories: tuple[Category, ...]
    guides: dict[tuple[str, str], Guide]  # (id, locale) → guide

    def get(self, guide_id: str, locale: str) -> Guide | None:
        return self.guides.get((guide_id, locale))

    def in_locale(self, locale: str) -> list[Guide]:
        return [g for (gid, loc), g in sorted(self.guides.items()) if loc == locale]

    def in_category(self, category: str, locale: str) -> list[Guide]:
        return [g for g in self.in_locale(locale) if g.category == category]
