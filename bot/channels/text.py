"""Splitting a long text into messages a messenger accepts, at the most natural places.

Paragraphs (blank lines) are kept whole when they fit; a paragraph too long is split between
lines; a line too long is split hard. Lengths are counted the way Telegram counts them (UTF-16
code units), so an emoji never pushes a part over the limit.
"""

from __future__ import annotations


def units(text: str) -> int:
    """Length in UTF-16 code units (characters outside the BMP, like most emoji, count 2)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _hard_split(line: str, limit: int) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for ch in line:
        width = 2 if ord(ch) > 0xFFFF else 1
        if size + width > limit:
            parts.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += width
    if current:
        parts.append("".join(current))
    return parts


def _pack(pieces: list[str], sep: str, limit: int) -> list[str]:
    """Join pieces with `sep` greedily into parts of at most `limit` units."""
    parts: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{sep}{piece}" if current else piece
        if units(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        current = piece
    if current:
        parts.append(current)
    return parts


def split_text(text: str, limit: int = 4096) -> list[str]:
    """Parts of `text`, each at most `limit` UTF-16 units, cut at paragraphs, then lines."""
    if units(text) <= limit:
        return [text]
    pieces: list[str] = []
    for paragraph in text.split("\n\n"):
        if units(paragraph) <= limit:
            pieces.append(paragraph)
            continue
        lines: list[str] = []
        for line in paragraph.split("\n"):
            lines.extend([line] if units(line) <= limit else _hard_split(line, limit))
        pieces.extend(_pack(lines, "\n", limit))
    # Empty pieces (several blank lines in a row) would be empty messages; drop them.
    return [p for p in _pack(pieces, "\n\n", limit) if p.strip()]
