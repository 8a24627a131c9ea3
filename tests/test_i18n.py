"""Catalogs: every interface string is translated in every locale, placeholders agree, nothing
is fuzzy, and dates are formatted in the user's language and Hanoi time."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot import i18n
from bot.config import LOCALES

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w*)\}")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def _catalog(locale: str):
    with open(ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=locale)


def _source_msgids() -> set[str]:
    ids: set[str] = set()
    for folder in ("bot", "handlers"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            ids.add(message if isinstance(message, str) else message[0])
    # The officer web pages' templates (babel.cfg extracts them the same way).
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        ROOT / "bot" / "web" / "templates",
        method_map=[("**.html", "jinja2")],
        keywords=KEYWORDS,
        options_map={"**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}},
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("locale", LOCALES)
def test_every_source_string_is_in_the_catalog(locale):
    catalog_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(locale) if m.id}
    missing = sorted(_source_msgids() - catalog_ids)
    assert not missing, f"run `make i18n` and translate: {missing}"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated_not_fuzzy_with_the_same_placeholders(locale):
    problems = []
    for m in _catalog(locale):
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        if m.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        want = set(PLACEHOLDER.findall(ids[0]))
        for s in strings:
            if set(PLACEHOLDER.findall(s)) != want:
                problems.append(f"placeholders differ: {ids[0]!r} → {s!r}")
    assert not problems, "\n".join(problems)


def test_dates_are_formatted_in_the_users_locale_and_hanoi_time():
    i18n.load_catalogs(ROOT / "locales")
    moment = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)  # 08:30 in Hanoi
    with i18n.use_locale("vi"):
        assert "tháng 12" in i18n.format_date(moment, "long")
        assert i18n.format_time(moment) == "08:30"
    with i18n.use_locale("en"):
        assert "December" in i18n.format_date(moment, "long")
        assert "8:30" in i18n.format_time(moment)


def test_locale_hint_is_normalised_and_unknown_ones_ignored():
    assert i18n.normalize_locale("en-GB") == "en"
    assert i18n.normalize_locale("vi") == "vi"
    assert i18n.normalize_locale("fr") is None
    assert i18n.normalize_locale(None) is None


def test_a_visit_reads_time_then_day_in_vietnamese_order_through_one_function():
    i18n.load_catalogs(ROOT / "locales")
    starts = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # 9:00 in Hanoi, a Thursday
    ends = datetime(2026, 12, 3, 2, 30, tzinfo=UTC)
    with i18n.use_locale("vi"):
        assert i18n.format_when(starts, ends) == "9:00–9:30, thứ Năm, ngày 3/12/2026"
        assert i18n.format_when(starts) == "9:00, thứ Năm, ngày 3/12/2026"
        assert i18n.format_when(starts, ends, year=False) == "9:00–9:30, thứ Năm, ngày 3/12"
        assert i18n.format_day(starts, weekday=False) == "ngày 3/12/2026"
        # Late evening UTC is already the next day in Hanoi.
        assert (
            i18n.format_day(datetime(2026, 12, 2, 18, 0, tzinfo=UTC)) == "thứ Năm, ngày 3/12/2026"
        )
    with i18n.use_locale("en"):
        assert i18n.format_when(starts, ends) == "9:00–9:30, Thursday 3 December 2026"
        assert i18n.format_day(starts, weekday=False) == "3 December 2026"


# The register for older readers (content/README.md, "How the bot speaks Vietnamese"): no
# "bạn" in any Vietnamese interface string, the card is "thẻ căn cước", the menu is
# "danh mục", and "🔁 Đọc lại bước này" beside "⬅️ Quay lại". Exceptions need a reason here.
REGISTER_EXCEPTIONS: dict[str, str] = {}
_BAN = re.compile(r"(?<![\w])bạn(?![\w])", re.IGNORECASE)


def test_the_vietnamese_catalog_keeps_the_respectful_register():
    problems = []
    for m in _catalog("vi"):
        if not m.id:
            continue
        key = m.id if isinstance(m.id, str) else m.id[0]
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for s in strings:
            if _BAN.search(s or "") and key not in REGISTER_EXCEPTIONS:
                problems.append(f"'bạn' in {s!r}")
            if "CCCD" in (s or ""):
                problems.append(f"'CCCD' (say 'thẻ căn cước') in {s!r}")
            if re.search(r"(?<!/)\bmenu\b", s or "", re.IGNORECASE):
                problems.append(f"'menu' (say 'danh mục') in {s!r}")
    assert not problems, "\n".join(problems)
    vi = {m.id: m.string for m in _catalog("vi") if isinstance(m.id, str)}
    assert vi["🔁 Repeat"] == "🔁 Đọc lại bước này"


def test_the_register_check_would_catch_bạn():
    assert _BAN.search("Mời bạn chọn") and _BAN.search("Bạn muốn gì?")
    assert not _BAN.search("Nhắc lịch: bạnh") and not _BAN.search("ông/bà")
