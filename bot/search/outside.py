"""What people ask a public-services assistant about that no guide here covers: other
agencies' procedures (passports, visas, land titles, marriage, social-insurance payouts,
taxes, traffic fines, vehicle papers, schools, hospitals) and everyday life (prices, weather,
lottery, bills, banking, health). The dense retriever embeds these as it embeds the guides'
passages; a question closer to one of them than to any guide gets an honest "no guide"
(decide.py), however many generic words ("online", "hồ sơ", "đăng ký") it shares with a guide.

Written from general knowledge of Hanoi's public services and the dev questions, in both
languages; never from the frozen test questions. A topic that gets a guide must leave this
list. Known weakness: the "online" variants pull some in-scope phrasings about the portal
towards them (30 of the guides' ~900 example questions sit closer to a topic here than to
another passage of their own guide).
"""

from __future__ import annotations

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
