"""Each matching rule of the lexical search, on a small made-up catalogue: the guide a
person means is found however they typed it, and questions about something else open nothing.
(The lexical index alone: the dense retriever is tested in test_search_dense.py.)"""

from __future__ import annotations

import unicodedata

import pytest

from bot.search import answer, build
from tests.search_catalogue import catalogue


@pytest.fixture(scope="module")
def index():
    return build(catalogue(only_vi=("scams",)), with_dense=False)


def opens(index, text: str, locale: str = "vi") -> str | None:
    a = answer(index, text, locale)
    return a.answer if a.decision == "open" else None


def test_with_and_without_diacritics(index):
    assert opens(index, "làm giấy khai sinh cho con") == "birth"
    assert opens(index, "lam giay khai sinh cho con") == "birth"


def test_d_and_d_with_stroke_are_the_same_letter(index):
    assert opens(index, "ĐỔI BẰNG LÁI XE") == "licence"
    assert opens(index, "doi bang lai xe") == "licence"


def test_nfd_input_finds_the_same_guide(index):
    text = "xin phiếu lý lịch tư pháp"
    assert opens(index, unicodedata.normalize("NFD", text)) == opens(index, text) == "judicial"


def test_typos_are_forgiven(index):
    assert opens(index, "khia sinh cho con") == "birth"  # two letters swapped
    assert opens(index, "đăg ký tạm trú") == "residence"  # a letter dropped
    assert opens(index, "quen mat khau vnied") == "vneid-pass"


def test_telex_leftovers_are_understood(index):
    assert opens(index, "ddăng kys khai sinh") == "birth"
    assert opens(index, "quene maajt khaaur vneid") == "vneid-pass"


def test_abbreviations_work_both_ways(index):
    assert opens(index, "làm llttp online") == "judicial"  # the guide says "lý lịch tư pháp"
    assert opens(index, "đổi giấy phép lái xe") == "licence"  # the guide's keyword is "gplx"
    assert opens(index, "đổi gplx") == "licence"


def test_word_order_does_not_matter(index):
    assert opens(index, "khai sinh đăng ký") == "birth"
    assert opens(index, "tư pháp lý lịch phiếu") == "judicial"


def test_english_questions_find_the_english_guides(index):
    assert opens(index, "How do I renew my driving licence?", "en") == "licence"
    assert opens(index, "I forgot my VNeID password", "en") == "vneid-pass"


def test_the_other_language_finds_the_guide_too(index):
    assert opens(index, "quên mật khẩu vneid", "en") == "vneid-pass"  # vi text, en reader
    assert opens(index, "criminal record check", "vi") == "judicial"  # en text, vi reader


def test_a_guide_missing_in_the_readers_language_is_not_offered(index):
    assert opens(index, "giả danh công an lừa đảo", "vi") == "scams"
    a = answer(index, "giả danh công an lừa đảo", "en")
    assert "scams" not in [r.guide for r in a.results]


def test_keywords_count_more_than_step_text(index):
    # "nhập hộ khẩu" is a keyword of the residence guide only.
    assert opens(index, "nhập hộ khẩu") == "residence"
    # "vân tay" appears only in a step of vneid-2: found, but not as strongly as a keyword.
    a = answer(index, "lấy vân tay", "vi")
    assert a.results and a.results[0].guide == "vneid-2"


@pytest.mark.parametrize(
    "text",
    [
        "thời tiết hà nội hôm nay",
        "giá vàng hôm nay bao nhiêu",
        "kết quả bóng đá tối qua",
        "cách nấu phở bò",
        "xổ số miền bắc",
        "what's the weather tomorrow",
        "recipe for spring rolls",
    ],
)
def test_out_of_scope_questions_open_nothing(index, text):
    assert answer(index, text, "vi").decision == "none"


def test_a_word_typed_with_other_diacritics_is_another_word(index):
    # "lúa" (rice) folds like "lừa" (scam); its marks say it is not the same word.
    assert answer(index, "giá lúa gạo", "vi").decision == "none"


def test_a_broad_question_offers_at_most_three_guides(index):
    a = answer(index, "vneid", "vi")
    assert a.decision == "choose"
    assert len(a.choices) == 3
    assert set(a.choices) <= {"vneid-1", "vneid-2", "vneid-pass", "vneid-docs"}


def test_a_clear_question_opens_one_guide(index):
    a = answer(index, "nâng vneid lên mức 2", "vi")
    assert a.decision == "open" and a.answer == "vneid-2" and a.choices == ["vneid-2"]


@pytest.mark.parametrize(
    "text,kind",
    [
        ("ok", "ack"),
        ("hi", "greeting"),
        ("Xin chào", "greeting"),
        ("cảm ơn bạn nhiều nhé", "thanks"),
        ("thanks!", "thanks"),
        ("👍", "empty"),
        ("...", "empty"),
    ],
)
def test_small_talk_is_not_searched(index, text, kind):
    a = answer(index, text, "vi")
    assert (a.decision, a.reason, a.results) == ("none", kind, ())


def test_keyboard_mash_is_not_a_question(index):
    for text in ("asdf qwer", "hmm"):
        assert (answer(index, text, "vi").decision, answer(index, text, "vi").reason) == (
            "none",
            "unclear",
        )
    assert answer(index, "ddawng kys khai sinh", "vi").reason != "unclear"  # Telex is words


def test_a_question_with_a_greeting_is_still_a_question(index):
    assert opens(index, "chào bạn, cho tôi hỏi cách đổi bằng lái xe") == "licence"


def test_a_typo_becomes_a_keyword_only_word_only_next_to_its_partner(index):
    # "link" is only in a keyword list ("link lạ"): "lint" on its own stays a word of its
    # own, but next to "lạ" it is the typo it looks like.
    assert "link" in index.keyword_only

    def read(text: str) -> list[str]:
        return [w.term for seg in index.query(text).words for w in seg]

    assert "link" not in read("mua lint")
    assert "link" in read("bấm vào lint lạ")


def test_a_telex_repair_keeps_the_tone_the_keys_typed(index):
    # "visa" read as Telex is "vía"; no guide writes a word "via" with that tone.
    words = [w for seg in index.query("xin visa").words for w in seg]
    assert all(w.kind != "telex" for w in words)
    assert opens(index, "xin visa") is None


@pytest.mark.parametrize(
    "text",
    [
        "xin visa Mỹ",
        "lam ho chieu cho con o dau",
        "rút bhxh 1 lần cần giấy tờ gì",
        "làm sổ đỏ mất bao lâu",
        "thẻ căn cước của bác hết hạn rồi, đi đổi ở đâu",
        "my passport expires next month, where do I renew it",
    ],
)
def test_a_question_naming_a_matter_no_guide_covers_gets_no_guide(index, text):
    """ "đổi", "cho con", "hết hạn" are words of guides too, but the passport, the land title,
    the citizen card is what the question is about (outside.NAMES)."""
    a = answer(index, text, "en" if text.startswith("my") else "vi")
    assert (a.decision, a.reason) == ("none", "outside")


@pytest.mark.parametrize(
    ("text", "guide"),
    [
        ("xin phiếu lý lịch tư pháp để làm visa đi Nhật", "judicial"),
        ("criminal record check for my visa application", "judicial"),
        ("thuê trọ thì đăng ký tạm trú ở đâu", "residence"),  # "thuê" (rent) is not "thuế"
        ("bằng lái xe hết hạn đổi ở đâu", "licence"),
    ],
)
def test_a_guide_question_that_names_such_a_matter_still_finds_its_guide(index, text, guide):
    locale = "en" if text.startswith("criminal") else "vi"
    assert opens(index, text, locale) == guide


def test_a_name_typed_with_other_diacritics_is_another_word():
    from bot.search.outside import named

    assert named("vẽ sơ đồ nhà") is None  # "sơ đồ" (a drawing), not "sổ đỏ" (a land title)
    assert named("làm sổ đỏ") == ("lam",)
    assert named("so do") is None  # unmarked, it may be "số đó": only recognised with marks
    assert named("gia han visa") == ("gia", "han")


def test_no_outside_name_is_a_keyword_of_a_real_guide():
    """A topic that gets a guide leaves outside.NAMES: otherwise its questions would be told
    there is no guide."""
    from pathlib import Path

    from bot.content.loader import load_catalogue
    from bot.search.normalize import fold
    from bot.search.outside import NAMES

    loaded = load_catalogue(Path(__file__).resolve().parent.parent / "content")
    assert loaded.catalogue is not None
    keywords = {fold(k) for g in loaded.catalogue.guides.values() for k in g.keywords}
    names = {fold(n.removeprefix("!")) for n in NAMES if "+" not in n}
    assert names & keywords == set()
