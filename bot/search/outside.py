"""What people ask a public-services assistant about that no guide here covers: other
agencies' procedures (passports, visas, land titles, marriage, social-insurance payouts,
taxes, traffic fines, vehicle papers, schools, hospitals) and everyday life (prices, weather,
lottery, bills, banking, health), in two forms:
- topics(): the dense retriever embeds these as it embeds the guides' passages; a question
  closer to one of them than to any guide gets an honest "no guide" (decide.py), however many
  generic words ("online", "hồ sơ", "đăng ký") it shares with a guide;
- NAMES: what people call them ("hộ chiếu", "bhxh", "sổ đỏ", "phạt nguội"); a question that
  names one gets "no guide" at once, lexical or hybrid, unless what it says besides is clearly
  about a guide (decide.py). This also works without the model, and saves it the question.

Written from general knowledge of Hanoi's public services and the dev questions, in both
languages; never from the frozen test questions. A topic that gets a guide must leave this
list. Known weakness: the "online" variants pull some in-scope phrasings about the portal
towards them (30 of the guides' ~900 example questions sit closer to a topic here than to
another passage of their own guide).
"""

from __future__ import annotations

from functools import lru_cache

from bot.search import accents
from bot.search.normalize import STOP_MARK, expand, fold, segments

# Other agencies' procedures, each also as done "online": questions name the channel (the
# portal, VNeID) as often as the procedure, and the channel is what the guides are about.
PROCEDURES: tuple[str, ...] = (
    "làm hộ chiếu",
    "gia hạn, cấp đổi hộ chiếu hết hạn",
    "xin visa, gia hạn thị thực",
    "làm sổ đỏ, cấp giấy chứng nhận quyền sử dụng đất",
    "sang tên nhà đất, mua bán nhà",
    "đăng ký kết hôn",
    "ly hôn",
    "nhận con nuôi",
    "rút bảo hiểm xã hội một lần",
    "lương hưu, đổi tài khoản nhận lương hưu",
    "trợ cấp thất nghiệp",
    "trợ cấp người cao tuổi, trợ cấp xã hội hằng tháng",
    "xem quá trình đóng bảo hiểm xã hội trên VssID",
    "mua bảo hiểm y tế tự nguyện, gia hạn thẻ bảo hiểm y tế hộ gia đình",
    "làm thẻ căn cước, cấp đổi căn cước hết hạn, làm căn cước cho trẻ em",
    "nộp phạt vi phạm giao thông, tra cứu phạt nguội",
    "đăng ký xe máy ô tô, biển số xe, sang tên xe",
    "chứng thực bản sao, công chứng giấy tờ",
    "hợp pháp hóa lãnh sự bằng cấp",
    "xin giấy phép xây dựng, sửa nhà",
    "tuyển sinh lớp 1, lớp 6, lớp 10, tra cứu điểm thi",
    "đặt lịch khám bệnh viện",
    "đăng ký tiêm vắc xin",
    "đăng ký nghĩa vụ quân sự",
    "quyết toán thuế thu nhập cá nhân, mã số thuế",
    "nộp thuế đất, thuế nhà",
    "mở thẻ ngân hàng, thẻ ATM",
    "vay vốn ngân hàng",
    "đăng ký gói cước điện thoại, sim 4G",
    "thanh toán tiền điện, tiền nước",
    "giấy phép lao động cho người nước ngoài",
)
PROCEDURES_EN: tuple[str, ...] = (
    "apply for a Vietnamese passport",
    "renew a passport",
    "get or extend a visa",
    "temporary residence card for foreigners",
    "land title (red book), transfer of land or a house",
    "register a marriage",
    "divorce",
    "adopt a child",
    "social insurance one-time withdrawal",
    "pension payments",
    "unemployment benefit",
    "allowance for the elderly",
    "buy or renew health insurance",
    "get or renew a citizen ID card",
    "pay a traffic fine",
    "register a motorbike or a car",
    "certified copies and notarisation",
    "building permit",
    "school enrolment, exam results",
    "hospital appointment",
    "work permit",
    "personal income tax",
    "pay the electricity bill",
    "open a bank account, bank card",
)
# Everyday life.
EVERYDAY: tuple[str, ...] = (
    "giá vàng hôm nay",
    "giá xăng hôm nay",
    "tỷ giá đô la",
    "thời tiết ngày mai",
    "tắc đường, tình hình giao thông",
    "kết quả xổ số",
    "kết quả bóng đá",
    "bị ốm uống thuốc gì",
    "vé xe buýt, vé tàu, vé máy bay",
    "công thức nấu ăn",
    "kể chuyện cười",
    "mua cổ phiếu",
    "wifi yếu, mạng chậm",
    "tài khoản Zalo, Facebook bị khóa",
    "gold price today",
    "weather forecast",
    "traffic jams now",
    "lottery results",
    "football scores",
    "what medicine to take",
    "bus and train tickets",
    "recipes",
    "tell me a joke",
    "stocks to buy",
    "exchange rate",
)


def topics() -> list[str]:
    """Every passage the dense retriever compares questions with, besides the guides."""
    online = [f"{p} online trên cổng dịch vụ công" for p in PROCEDURES]
    online_en = [f"{p} online" for p in PROCEDURES_EN]
    return [*PROCEDURES, *online, *PROCEDURES_EN, *online_en, *EVERYDAY]


# What people call the procedures and everyday matters above, short: a question that names
# one of them is about that, not about a guide, unless it also holds one of the top guide's
# keywords whole without these words ("phiếu lý lịch tư pháp để xin visa", "xác nhận tình
# trạng hôn nhân để đăng ký kết hôn"; decide.py). Each part between "+" is a phrase, the parts
# may stand anywhere in the question; a word typed with diacritics must be typed as here ("sổ
# đỏ", not "sơ đồ"; "!thuế", not "thuê"), and a name starting with "!" is only recognised typed
# with them ("so do" may be "số đó"). Written
# from general knowledge and the dev questions, like the topics above; a topic that gets a
# guide must leave this list (a test checks no name is a guide's keyword).
NAMES: tuple[str, ...] = (
    # passports and visas
    "hộ chiếu",
    "passport",
    "visa",
    "thị thực",
    "xuất nhập cảnh",
    # social insurance, pensions, allowances
    "bảo hiểm xã hội",
    "bhxh",
    "vssid",
    "lương hưu",
    "trợ cấp thất nghiệp",
    "trợ cấp người cao tuổi",
    "trợ cấp xã hội",
    "social insurance",
    "pension",
    "unemployment benefit",
    "bảo hiểm y tế + tự nguyện",
    "bảo hiểm y tế + hộ gia đình",
    # land and houses
    "!sổ đỏ",
    "sổ hồng",
    "quyền sử dụng đất",
    "tách thửa",
    "nhà đất",
    "giấy phép xây dựng",
    "land title",
    "red book",
    "land use",
    "building permit",
    # vehicles and traffic
    "phạt nguội",
    "nộp phạt",
    "vi phạm giao thông",
    "biển số",
    "sang tên xe",
    "traffic fine",
    "speed camera",
    "number plate",
    "register + motorbike",
    "register + car",
    # the citizen card itself (the police's procedure; the guides only use it)
    "làm căn cước",
    "làm thẻ căn cước",
    "đổi căn cước",
    "đổi thẻ căn cước",
    "căn cước + hết hạn",
    "căn cước + trẻ em",
    "renew + id card",
    # family, tax, school, army, notaries
    "đăng ký kết hôn",
    "ly hôn",
    "con nuôi",
    "register + marriage",
    "divorce",
    "adopt",
    "thuế",
    "tax",
    "tuyển sinh",
    "điểm thi",
    "school enrolment",
    "nghĩa vụ quân sự",
    "nhập ngũ",
    "công chứng",
    "chứng thực",
    "hợp pháp hóa",
    "notarise",
    "notarize",
    "work permit",
    "temporary residence card",
    # prices, money, everyday life
    "giá vàng",
    "giá xăng",
    "giá điện",
    "tiền điện",
    "tỷ giá",
    "lãi suất",
    "vay vốn",
    "cổ phiếu",
    "xổ số",
    "thời tiết",
    "gold price",
    "petrol",
    "exchange rate",
    "interest rate",
    "lottery",
    "weather",
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.removeprefix(STOP_MARK) for seg in segments(text) for w in expand(seg))


@lru_cache(maxsize=1)
def _names() -> tuple[tuple[tuple[tuple[str, ...], ...], dict[str, accents.Marks], bool], ...]:
    out = []
    for name in NAMES:
        marked = name.startswith("!")
        name = name.removeprefix("!")
        parts = tuple(_words(p) for p in name.split("+"))
        typed = {fold(w): accents.marks(w) for w in accents.words(name)}
        out.append((parts, typed, marked))
    return tuple(out)


def _find(words: tuple[str, ...], part: tuple[str, ...]) -> int:
    n = len(part)
    return next((i for i in range(len(words) - n + 1) if words[i : i + n] == part), -1)


def named(text: str) -> tuple[str, ...] | None:
    """None when the text names no topic of NAMES; else its words (folded) without the
    words that name such topics: what it says besides."""
    words = _words(text)
    typed: dict[str, set[accents.Marks]] = {}
    for w in accents.words(text):
        typed.setdefault(fold(w), set()).add(accents.marks(w))
    taken: set[int] = set()
    for parts, marks, marked in _names():
        starts = [_find(words, p) for p in parts]
        if -1 in starts:
            continue
        span = [i + k for i, p in zip(starts, parts, strict=True) for k in range(len(p))]
        # Typed with diacritics, a word must be this name's word ("sơ đồ" is not "sổ đỏ").
        fits = all(
            not (f in typed and any(t.any for t in typed[f])) or m in typed[f]
            for f, m in marks.items()
        )
        if marked:
            fits = fits and all(m in typed.get(f, ()) for f, m in marks.items())
        if fits:
            taken.update(span)
    if not taken:
        return None
    return tuple(w for i, w in enumerate(words) if i not in taken)
