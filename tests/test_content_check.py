"""`trolyso content check` and `lock`: each rule on a small content tree, the lock round trip,
and the real content under content/ (so `make test` fails on broken content)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot import cli
from bot.content.lock import check_content, read_lock, write_lock
from bot.content.model import Guide
from bot.content.sources import SourceList, read_sources
from tests.guide_tree import STEPS, example_questions, make_tree, write_guide
from tools import facts_sources

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 28)


@pytest.fixture
def content(tmp_path) -> Path:
    tree = make_tree(tmp_path)
    assert write_lock(tree) == (True, [])
    return tree


def errors(tree: Path) -> list[str]:
    return [p.format(tree) for p in check_content(tree, today=TODAY).errors]


def warnings(tree: Path) -> list[str]:
    return [p.format(tree) for p in check_content(tree, today=TODAY).warnings]


def vi_file(tree: Path, gid: str = "dvc-login") -> Path:
    return tree / "guides" / gid / "vi.md"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_sound_tree_has_no_problems_and_loads_every_guide(content):
    loaded = check_content(content, today=TODAY)
    assert loaded.problems == []
    guide = loaded.catalogue.get("dvc-login", "vi")
    assert isinstance(guide, Guide)
    assert [s.id for s in guide.steps] == ["open-site", "press-login", "scan-qr"]
    assert guide.steps[0].body == "Mở trang **dichvucong.gov.vn**."
    assert guide.version == 1 and guide.updated == date(2026, 11, 28)


def test_text_changed_without_a_version_bump_fails_at_the_version_line(content):
    edit(vi_file(content), "Quét mã bằng", "Hãy quét mã bằng")
    assert errors(content) == [
        "guides/dvc-login/vi.md:5: the text changed but version is "
        "still 1: bump version (in every language), then run "
        "`trolyso content lock`"
    ]


def test_a_version_bump_passes_once_the_lock_is_rewritten(content):
    for locale in ("vi", "en"):
        edit(content / "guides" / "dvc-login" / f"{locale}.md", "version: 1", "version: 2")
    assert any("version bumped from 1 to 2" in e for e in errors(content))
    assert write_lock(content) == (True, [])
    assert errors(content) == []
    entries, problems = read_lock(content / "content.lock")
    assert problems == [] and entries[("dvc-login", "en")].version == 2


def test_lock_refuses_to_record_an_unbumped_change(content):
    edit(vi_file(content), "Quét mã bằng", "Hãy quét mã bằng")
    ok, problems = write_lock(content)
    assert not ok and "version is still 1" in problems[0].message
    assert errors(content), "the lock kept the old hash"


def test_a_new_guide_needs_the_lock_and_a_removed_one_too(content):
    write_guide(content, "dvc-pay-fees")
    assert sorted(errors(content)) == [
        "guides/dvc-pay-fees/en.md: new guide file, not yet in content.lock: run `trolyso "
        "content lock`",
        "guides/dvc-pay-fees/vi.md: new guide file, not yet in content.lock: run `trolyso "
        "content lock`",
    ]
    write_lock(content)
    for f in (content / "guides" / "dvc-pay-fees").iterdir():
        f.unlink()
    (content / "guides" / "dvc-pay-fees").rmdir()
    assert any("lists dvc-pay-fees en, which is no longer there" in e for e in errors(content))


def test_a_missing_locale_is_an_error(content):
    (content / "guides" / "safety-otp" / "en.md").unlink()
    assert (
        "guides/safety-otp/en.md: the en version of 'safety-otp' is missing (every guide "
        "is in vi and en)" in errors(content)
    )


def test_vi_and_en_must_carry_the_same_version(content):
    edit(content / "guides" / "dvc-login" / "en.md", "version: 1", "version: 2")
    assert (
        "guides/dvc-login/en.md:5: version 2 differs from vi.md (version 1): every "
        "language carries the same version" in errors(content)
    )


def test_malformed_front_matter_names_the_line(content):
    edit(vi_file(content), "keywords: [dang nhap, login]", "keywords: [dang nhap, login")
    found = errors(content)
    assert any(e.startswith("guides/dvc-login/vi.md:") and "not valid YAML" in e for e in found)
    line = int(next(e for e in found if "YAML" in e).split(":")[1])
    assert 9 <= line <= 11


def test_front_matter_must_open_and_close(content):
    vi_file(content).write_text("# Đăng nhập\n\nkhông có front matter\n", encoding="utf-8")
    assert (
        "guides/dvc-login/vi.md:1: the file must start with a '---' line opening the "
        "front matter" in errors(content)
    )


def test_unknown_front_matter_key_names_key_and_line(content):
    write_guide(content, "dvc-login", extra="author: Lan\n")
    assert any(
        e.startswith("guides/dvc-login/vi.md:13: unknown front matter key 'author'")
        for e in errors(content)
    )


def test_an_impossible_date_is_a_problem_not_a_crash(content):
    edit(vi_file(content), "updated: 2026-11-28", "updated: 2026-13-01")
    assert (
        "guides/dvc-login/vi.md:2: the front matter has an impossible value: month must be "
        "in 1..12" in errors(content)
    )


def test_a_file_that_is_not_utf8_is_a_problem_not_a_crash(content):
    vi_file(content).write_bytes(b"---\nid: dvc-login\ntitle: \xd0\xe3ng nh\xe2p\n")
    assert any(e.startswith("guides/dvc-login/vi.md: not UTF-8 text") for e in errors(content))


def test_a_missing_required_key_is_named(content):
    edit(vi_file(content), "summary: Tóm tắt ngắn.\n", "")
    assert "guides/dvc-login/vi.md: the required key 'summary' is missing or empty" in errors(
        content
    )


def test_a_wrongly_typed_value_is_named(content):
    edit(vi_file(content), "updated: 2026-11-28", "updated: hôm qua")
    assert "guides/dvc-login/vi.md:6: updated must be a date YYYY-MM-DD; got 'hôm qua'" in errors(
        content
    )


def asked_as_block(tree: Path, questions: list[str], gid: str = "dvc-login") -> None:
    """Replace the vi file's one-line asked_as with a block list (key on line 13, the first
    example on line 14)."""
    path = vi_file(tree, gid)
    lines = path.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("asked_as:"))
    lines[at : at + 1] = ["asked_as:", *(f"  - {q}" for q in questions)]
    path.write_text("\n".join(lines), encoding="utf-8")


def test_asked_as_examples_load_onto_the_guide(content):
    guide = check_content(content, today=TODAY).catalogue.get("dvc-login", "vi")
    assert guide.asked_as == tuple(example_questions("dvc-login", "vi"))


def test_asked_as_in_a_block_list_loads_with_spacing_tidied(content):
    questions = example_questions("dvc-login", "vi")
    asked_as_block(content, [*questions[:-1], "bác   muốn hỏi đăng nhập dvc k dc"])
    edit(vi_file(content), "version: 1", "version: 2")
    edit(content / "guides" / "dvc-login" / "en.md", "version: 1", "version: 2")
    assert write_lock(content) == (True, [])
    guide = check_content(content, today=TODAY).catalogue.get("dvc-login", "vi")
    assert guide.asked_as[-1] == "bác muốn hỏi đăng nhập dvc k dc"


def test_fewer_than_15_asked_as_examples_is_an_error_at_the_key_line(content):
    write_guide(content, "dvc-login", locales=("en",), asked_as=["how do I log in"] * 1)
    assert (
        "guides/dvc-login/en.md:13: asked_as has 1 example question(s); at least 15 are "
        "needed, in the everyday words people use to ask for this guide" in errors(content)
    )
    asked_as_block(content, example_questions("dvc-login", "vi")[:14])
    assert any(
        e.startswith("guides/dvc-login/vi.md:13: asked_as has 14 ") for e in errors(content)
    )


def test_missing_or_empty_asked_as_is_an_error(content):
    write_guide(content, "dvc-login", locales=("vi",), asked_as=[])
    assert (
        "guides/dvc-login/vi.md:13: no asked_as: list at least 15 example questions, in the "
        "words people use to ask for this guide" in errors(content)
    )
    text = vi_file(content).read_text(encoding="utf-8")
    vi_file(content).write_text(text.replace("asked_as: []\n", ""), encoding="utf-8")
    assert (
        "guides/dvc-login/vi.md: no asked_as: list at least 15 example questions, in the "
        "words people use to ask for this guide" in errors(content)
    )


def test_an_empty_repeated_or_overlong_asked_as_example_names_its_own_line(content):
    questions = example_questions("dvc-login", "vi")
    questions[2] = '""'  # line 16
    questions[5] = "Cho tôi hỏi cách làm DVC-LOGIN số 2 ?"  # line 19, same as line 15
    questions[9] = "bác hỏi " + "rất " * 60  # line 23
    asked_as_block(content, questions)
    found = errors(content)
    assert "guides/dvc-login/vi.md:16: asked_as example 3 is empty" in found
    assert (
        "guides/dvc-login/vi.md:19: asked_as example 6 repeats an earlier one (first on "
        "line 15): 'Cho tôi hỏi cách làm DVC-LOGIN số 2 ?'" in found
    )
    assert (
        "guides/dvc-login/vi.md:23: asked_as example 10 is 247 characters; at most 200: one "
        "question, as a person would type it" in found
    )
    assert check_content(content, today=TODAY).catalogue is None


def test_an_asked_as_example_that_yaml_reads_as_no_text_is_an_error(content):
    questions = example_questions("dvc-login", "vi")
    questions[0] = "cho tôi hỏi: vào dvc thế nào"  # a mapping in YAML
    questions[1] = "no"  # a boolean in YAML
    asked_as_block(content, questions)
    found = errors(content)
    assert any(
        e.startswith("guides/dvc-login/vi.md:14: asked_as example 1 is not a text") for e in found
    )
    assert any(
        e.startswith("guides/dvc-login/vi.md:15: asked_as example 2 is not a text (False)")
        and "put it in quotes" in e
        for e in found
    )


def test_an_asked_as_example_under_two_guides_is_an_error(content):
    shared = example_questions("dvc-login", "vi")[4]
    questions = example_questions("safety-otp", "vi")
    questions[7] = shared.upper() + "?"  # line 21
    asked_as_block(content, questions, gid="safety-otp")
    assert (
        f"guides/safety-otp/vi.md:21: asked_as example {shared.upper() + '?'!r} is also under "
        "guide 'dvc-login': give each question to the one guide that answers it" in errors(content)
    )


def test_a_related_id_that_does_not_exist_is_an_error(content):
    write_guide(content, "dvc-login", related="[safety-otp, dvc-nothing]")
    found = errors(content)
    assert "guides/dvc-login/vi.md:10: related guide 'dvc-nothing' does not exist" in found
    assert not any("'safety-otp'" in e for e in found)


def test_an_image_that_does_not_exist_is_an_error_and_one_that_does_is_attached(content):
    steps = [("open-site", "Mở trang", "Mở trang.\n![Nút](img/login.png)")]
    en = [("open-site", "Open", "Open it.\n![Button](img/login.png)")]
    write_guide(content, "dvc-login", locales=("vi",), steps=steps)
    write_guide(content, "dvc-login", locales=("en",), steps=en)
    assert "guides/dvc-login/vi.md:19: image 'img/login.png' does not exist" in errors(content)
    image = content / "guides" / "dvc-login" / "img" / "login.png"
    image.parent.mkdir()
    image.write_bytes(b"\x89PNG")
    captured = CAPTURED.format(when="2026-11-20", source="dichvucong.gov.vn in Chrome")
    write_guide(content, "dvc-login", locales=("vi",), steps=steps, version=2, extra=captured)
    write_guide(content, "dvc-login", locales=("en",), steps=en, version=2, extra=captured)
    assert write_lock(content) == (True, [])
    loaded = check_content(content, today=TODAY)
    assert loaded.problems == []
    step = loaded.catalogue.get("dvc-login", "vi").steps[0]
    assert step.images == (image,) and "img/" not in step.body


CAPTURED = "images:\n  img/login.png: {{captured: {when}, source: {source}}}\n"


def with_screenshot(content: Path, extra: str) -> None:
    (content / "guides" / "dvc-login" / "img").mkdir()
    (content / "guides" / "dvc-login" / "img" / "login.png").write_bytes(b"\x89PNG")
    steps = [("open-site", "Mở trang", "Mở trang.\n![Nút](img/login.png)")]
    write_guide(content, "dvc-login", locales=("vi",), steps=steps, extra=extra)


def test_a_screenshot_without_its_capture_date_and_source_is_refused(content):
    with_screenshot(content, "")
    assert (
        "guides/dvc-login/vi.md:19: image 'img/login.png' has no record under 'images:' in "
        "the front matter: a screenshot needs the date it was captured and its source (a "
        "real capture)" in errors(content)
    )


@pytest.mark.parametrize(
    ("when", "source", "wrong"),
    [
        ("someday", "VNeID 2.1 on Android", "'captured' must be a date YYYY-MM-DD"),
        ("2026-11-20", '""', "'source' must say where it was captured (site or app, device)"),
    ],
)
def test_a_screenshot_record_needs_a_real_date_and_a_source(content, when, source, wrong):
    with_screenshot(content, CAPTURED.format(when=when, source=source))
    assert f"guides/dvc-login/vi.md:21: image 'img/login.png': {wrong}" in errors(content)


def test_a_screenshot_record_for_a_picture_no_step_shows_is_an_error(content):
    extra = (
        CAPTURED.format(when="2026-11-20", source="x") + "  img/old.png: {captured: 2026-01-01}\n"
    )
    with_screenshot(content, extra)
    assert "guides/dvc-login/vi.md:13: images lists 'img/old.png', which no step shows" in (
        errors(content)
    )


def linked(content: Path, vi_target: str, en_target: str) -> None:
    for locale, target in (("vi", vi_target), ("en", en_target)):
        title, text = STEPS[locale][0][1:]
        steps = [("open-site", title, f"{text}\n[[{target}]]"), *STEPS[locale][1:]]
        write_guide(content, "dvc-login", locales=(locale,), steps=steps, version=2)


def test_a_step_naming_another_guide_carries_a_button_to_it(content):
    linked(content, "safety-otp", "safety-otp")
    assert write_lock(content) == (True, [])
    loaded = check_content(content, today=TODAY)
    assert loaded.problems == []
    step = loaded.catalogue.get("dvc-login", "vi").steps[0]
    assert step.links == ("safety-otp",) and step.body == "Mở trang **dichvucong.gov.vn**."


def test_a_guide_button_must_lead_to_another_existing_guide(content):
    linked(content, "vneid-nowhere", "dvc-login")
    found = errors(content)
    assert "guides/dvc-login/vi.md:19: [[vneid-nowhere]]: there is no guide 'vneid-nowhere'" in (
        found
    )
    assert "guides/dvc-login/en.md:19: [[dvc-login]] links the guide to itself" in found


def test_every_language_offers_the_same_guide_buttons(content):
    write_guide(content, "vneid-level1")
    linked(content, "safety-otp", "vneid-level1")
    assert [e for e in errors(content) if "guide buttons" in e] == [
        "guides/dvc-login/en.md:16: step 'open-site' links to ['vneid-level1'] but in vi.md to "
        "['safety-otp']: every language offers the same guide buttons"
    ]


def test_a_phone_number_written_as_one_run_of_digits_is_warned_about(content):
    steps = [
        ("open-site", "Gọi", "Gọi **19000368** hoặc 024 1022, bấm phím 4."),
        ("press-login", "Gọi lại", "Gọi 1900 0368; mất 129.000.000 đồng; tin tên “18001096”."),
    ]
    write_guide(content, "dvc-login", locales=("vi",), steps=steps)
    assert [w for w in warnings(content) if "phone" in w] == [
        "guides/dvc-login/vi.md:18: warning: '19000368': write a phone number in groups, as it "
        "is read aloud (e.g. 1900 0368, 024 1022)"
    ]


def test_a_source_that_was_not_read_is_an_error(content):
    write_guide(
        content, "dvc-login", sources="\n  - https://dichvucong.gov.vn\n  - https://cafef.vn/x"
    )
    assert [e for e in errors(content) if "pages read" in e] == [
        f"guides/dvc-login/{loc}.md:13: source https://cafef.vn/x is not among the pages read "
        "(sources.toml): cite only what the facts files list, or read it and add it there first"
        for loc in ("en", "vi")
    ]


@pytest.mark.parametrize(
    ("sources", "warned"),
    [
        ("https://vnexpress.net/a-story\n  - https://s.dm/resources/VN", True),
        ("https://vnexpress.net/a-story\n  - https://thanglong.chinhphu.vn/a-page", False),
        ("https://dichvucong.gov.vn", False),
    ],
)
def test_a_guide_with_no_government_or_official_source_is_warned_about(content, sources, warned):
    write_guide(content, "dvc-login", locales=("vi",), sources=f"\n  - {sources}")
    found = [w for w in warnings(content) if "no government or official source" in w]
    assert bool(found) == warned


def test_sources_are_classified_government_official_press_or_other():
    listed = SourceList(
        read={"https://thanglong.chinhphu.vn/a": "government", "https://vnexpress.net/b": "press"},
        official_hosts=frozenset({"vneid.gov.vn"}),
    )
    assert listed.kind("https://congan.kontum.gov.vn/x") == "government"
    assert listed.kind("https://thanglong.chinhphu.vn/a") == "government"
    assert listed.kind("https://vneid.gov.vn/") == "official"
    assert listed.kind("https://vnexpress.net/b") == "press"
    assert listed.kind("https://s.dm/resources/VN") == "other"


def test_the_sources_list_is_written_from_the_facts_tags(tmp_path):
    facts = tmp_path / "facts"
    facts.mkdir()
    (facts / "a.md").write_text(
        "- Fact. [GOV] https://x.gov.vn/p ; [PRESS] https://news.vn/s.\n"
        "- Check at https://tinnhiemmang.vn/list. [3P] https://blog.com/a\n"
        "- Code. [CODE] https://github.com/o/r/issues/1\n",
        encoding="utf-8",
    )
    (tmp_path / "content").mkdir()
    assert facts_sources.main([str(facts), "--content", str(tmp_path / "content")]) == 0
    listed, problems = read_sources(tmp_path / "content" / "sources.toml")
    assert problems == []
    assert listed.read == {
        "https://x.gov.vn/p": "government",
        "https://news.vn/s": "press",
        "https://blog.com/a": "other",
        "https://github.com/o/r/issues/1": "other",
    }
    assert facts_sources.main([str(facts), "--content", str(tmp_path / "content"), "--check"]) == 0


def test_the_real_sources_list_matches_the_facts_files_when_they_are_here():
    # /work/main sits beside ../shared; a worktree under /work/wt/ two levels down.
    candidates = (ROOT.parent / "shared" / "facts", ROOT.parent.parent / "shared" / "facts")
    facts = next((c for c in candidates if c.is_dir()), None)
    if facts is None:
        pytest.skip("the facts files are not beside this checkout")
    assert facts_sources.main([str(facts), "--content", str(ROOT / "content"), "--check"]) == 0


def test_an_image_outside_img_or_inside_a_sentence_is_an_error(content):
    steps = [("open-site", "Mở trang", "Xem ![x](img/a.png) ở đây.\n![y](../secret.png)")]
    write_guide(content, "dvc-login", locales=("vi",), steps=steps)
    found = errors(content)
    assert "guides/dvc-login/vi.md:18: an image must be on a line of its own" in found
    assert (
        "guides/dvc-login/vi.md:19: image '../secret.png' must be under img/ in the "
        "guide's folder" in found
    )


def test_an_empty_step_is_an_error(content):
    steps = [("open-site", "Mở trang", ""), ("press-login", "Bấm", "Bấm nút.")]
    write_guide(content, "dvc-login", locales=("vi",), steps=steps)
    assert "guides/dvc-login/vi.md:16: step 'open-site' is empty" in errors(content)


def test_a_step_too_long_for_one_message_is_an_error(content):
    steps = [*STEPS["vi"][:2], ("scan-qr", "Quét", "Rất dài. " * 120)]
    write_guide(content, "dvc-login", locales=("vi",), steps=steps)
    assert any(
        e.startswith("guides/dvc-login/vi.md:24: step 'scan-qr' is 1083 characters")
        and "at most 900" in e
        for e in errors(content)
    )


def test_a_step_id_used_twice_is_an_error(content):
    steps = [("open-site", "Mở", "Mở."), ("open-site", "Lại", "Lại.")]
    write_guide(content, "dvc-login", locales=("vi",), steps=steps)
    assert (
        "guides/dvc-login/vi.md:20: step id 'open-site' is used twice (first on line 16)"
        in errors(content)
    )


def test_a_step_id_too_long_for_a_button_is_an_error(content):
    edit(
        vi_file(content),
        "{#scan-qr}",
        "{#" + "quet-ma-qr-bang-ung-dung-vneid-tren-dien-thoai" + "}",
    )
    assert any(
        e.startswith("guides/dvc-login/vi.md:24: step id 'quet-ma-qr-bang")
        and "at most 32 characters" in e
        for e in errors(content)
    )


def test_a_step_heading_without_an_id_is_an_error(content):
    edit(vi_file(content), "## Quét mã QR {#scan-qr}", "## Quét mã QR")
    assert (
        "guides/dvc-login/vi.md:24: a step heading needs a stable id: '## Title "
        "{#step-id}'" in errors(content)
    )


def test_step_ids_must_be_the_same_in_vi_and_en(content):
    edit(content / "guides" / "dvc-login" / "en.md", "{#scan-qr}", "{#scan-code}")
    found = errors(content)
    assert (
        "guides/dvc-login/en.md:24: step 'scan-code' is not in vi.md: step ids are the "
        "same in every language" in found
    )
    assert "guides/dvc-login/en.md: missing steps that vi has: scan-qr" in found


def test_a_guide_without_sources_is_an_error(content):
    write_guide(content, "dvc-login", sources=" []")
    assert (
        "guides/dvc-login/vi.md:11: no sources: list the official pages the steps were "
        "checked against" in errors(content)
    )


def test_a_category_not_in_categories_toml_is_an_error(content):
    write_guide(content, "dvc-login", category="vneid")
    assert (
        "guides/dvc-login/vi.md:3: category 'vneid' is not in categories.toml (dvc, "
        "safety)" in errors(content)
    )


def test_a_category_listing_an_unknown_guide_is_an_error(content):
    toml = content / "categories.toml"
    toml.write_text(toml.read_text() + 'guides = ["safety-otp", "safety-nothing"]\n')
    assert errors(content) == [
        "categories.toml: category 'safety' lists guide 'safety-nothing', which does not exist"
    ]


def test_id_must_match_the_folder(content):
    edit(vi_file(content), "id: dvc-login", "id: dvc-log-in")
    assert (
        "guides/dvc-login/vi.md:2: id 'dvc-log-in' must be the folder name 'dvc-login'"
        in errors(content)
    )


def test_an_old_checked_date_is_a_warning_not_an_error(content):
    write_guide(content, "dvc-login", checked="2026-01-02", version=2)
    assert write_lock(content) == (True, [])
    assert errors(content) == []
    assert warnings(content) == [
        f"guides/dvc-login/{loc}.md:7: warning: checked 2026-01-02 is more than 180 days ago: "
        "check the steps against the sources again, then update 'checked'"
        for loc in ("en", "vi")
    ]


def test_check_command_lists_problems_and_exits_1_then_0_when_clean(content, capsys):
    args = ["--config", str(ROOT / "config.toml"), "content", "check", "--content", str(content)]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "0 error(s)" in out
    # Each guide of the tree cites https://dichvucong.gov.vn once per language.
    assert "sources cited: 4 government, 0 official, 0 press, 0 other" in out
    edit(vi_file(content), "Quét mã bằng", "Hãy quét mã bằng")
    write_guide(content, "safety-otp", category="nowhere")
    assert cli.main(args) == 1
    out = capsys.readouterr().out
    assert "dvc-login/vi.md:5: the text changed but version is still 1" in out
    assert "safety-otp/vi.md:3: category 'nowhere' is not in categories.toml" in out


def test_lock_command_rewrites_the_lock(content, capsys):
    (content / "content.lock").unlink()
    args = ["--config", str(ROOT / "config.toml"), "content", "lock", "--content", str(content)]
    assert cli.main(args) == 0
    entries, _ = read_lock(content / "content.lock")
    assert sorted(entries) == [
        ("dvc-login", "en"),
        ("dvc-login", "vi"),
        ("safety-otp", "en"),
        ("safety-otp", "vi"),
    ]


def test_the_real_content_passes_the_check():
    loaded = check_content(ROOT / "content", today=TODAY)
    assert [p.format(ROOT) for p in loaded.errors] == []
    assert [p.format(ROOT) for p in loaded.warnings] == []
    assert len({gid for gid, _ in loaded.files}) >= 23
