"""Build small content folders for guide tests: categories.toml plus guide files written from
a few parameters, in both languages unless told otherwise."""

from __future__ import annotations

import shutil
from pathlib import Path

REAL_CONTENT = Path(__file__).resolve().parent.parent / "content"

CATEGORIES = """\
[[category]]
id = "dvc"
vi = "Cổng Dịch vụ công"
en = "Public Service Portal"

[[category]]
id = "safety"
vi = "An toàn trên mạng"
en = "Staying safe online"
"""

STEPS = {
    "vi": [
        ("open-site", "Mở trang", "Mở trang **dichvucong.gov.vn**."),
        ("press-login", "Bấm “Đăng nhập”", "Bấm nút “Đăng nhập” ở góc trên."),
        ("scan-qr", "Quét mã QR", "Quét mã bằng ứng dụng VNeID."),
    ],
    "en": [
        ("open-site", "Open the site", "Open **dichvucong.gov.vn**."),
        ("press-login", "Press “Đăng nhập”", "Press the “Đăng nhập” button at the top."),
        ("scan-qr", "Scan the QR code", "Scan the code with the VNeID app."),
    ],
}
# The sources "read" in a test tree (content/sources.toml); guide_text cites the first.
SOURCES_TOML = """\
official_hosts = ["vneid.gov.vn"]
government = ["https://dichvucong.gov.vn", "https://thanglong.chinhphu.vn/a-page"]
press = ["https://vnexpress.net/a-story"]
other = ["https://s.dm/resources/VN"]
"""

TITLES = {"vi": "Đăng nhập Dịch vụ công", "en": "Log in to the Public Service Portal"}


def example_questions(gid: str, locale: str) -> list[str]:
    """Fifteen distinct example questions for a guide (the least `content check` accepts; no two
    guides share one). guide_text writes them on one line, so step line numbers stay easy to
    count."""
    if locale == "vi":
        return [f"cho tôi hỏi cách làm {gid} số {n}" for n in range(1, 16)]
    return [f"how do I do {gid} way {n}" for n in range(1, 16)]


def guide_text(
    gid: str = "dvc-login",
    locale: str = "vi",
    *,
    version: int = 1,
    category: str = "dvc",
    title: str | None = None,
    steps: list[tuple[str, str, str]] | None = None,
    extra: str = "",
    related: str = "[]",
    checked: str = "2026-11-01",
    sources: str = "\n  - https://dichvucong.gov.vn",
    asked_as: list[str] | None = None,
) -> str:
    steps = STEPS[locale] if steps is None else steps
    title = title or f"{TITLES[locale]} ({gid})"
    asked = example_questions(gid, locale) if asked_as is None else asked_as
    body = "\n".join(f"## {t} {{#{sid}}}\n\n{text}\n" for sid, t, text in steps)
    return (
        f"---\nid: {gid}\ncategory: {category}\ntitle: {title}\nversion: {version}\n"
        f"updated: 2026-11-28\nchecked: {checked}\nsummary: Tóm tắt ngắn.\n"
        f"keywords: [dang nhap, login]\nrelated: {related}\nsources:{sources}\n"
        f"{extra}asked_as: [{', '.join(asked)}]\n---\n\n{body}"
    )


def write_guide(
    content: Path, gid: str = "dvc-login", locales: tuple[str, ...] = ("vi", "en"), **kwargs
) -> None:
    folder = content / "guides" / gid
    folder.mkdir(parents=True, exist_ok=True)
    for locale in locales:
        (folder / f"{locale}.md").write_text(guide_text(gid, locale, **kwargs), encoding="utf-8")


def make_tree(root: Path, guides: tuple[str, ...] = ("dvc-login", "safety-otp")) -> Path:
    """A content folder with these guides, and the real places and points (other features
    load them from the same folder)."""
    content = root / "content"
    (content / "guides").mkdir(parents=True, exist_ok=True)
    for other in ("places", "points"):
        if (REAL_CONTENT / other).is_dir():
            shutil.copytree(REAL_CONTENT / other, content / other)
    (content / "categories.toml").write_text(CATEGORIES, encoding="utf-8")
    (content / "sources.toml").write_text(SOURCES_TOML, encoding="utf-8")
    for gid in guides:
        write_guide(content, gid, category=gid.split("-")[0])
    return content
