"""A small made-up catalogue for search tests, so each matching rule is tested on its own
terms and not on whatever the real guides say today."""

from __future__ import annotations

from datetime import date

from bot.content.model import Catalogue, Category, Guide, Step

# id → (category, vi title, vi keywords, vi steps, en title, en keywords, en steps)
GUIDES = {
    "birth": (
        "dvc",
        "Đăng ký khai sinh cho con",
        ["khai sinh", "giấy khai sinh", "làm giấy khai sinh cho con", "con mới sinh"],
        ["Chụp giấy chứng sinh của bệnh viện.", "Mở VNeID, chọn thủ tục khai sinh."],
        "Register a baby's birth",
        ["birth registration", "birth certificate", "newborn"],
        ["Photograph the hospital birth paper.", "Open VNeID and choose birth."],
    ),
    "judicial": (
        "dvc",
        "Xin phiếu lý lịch tư pháp",
        ["lý lịch tư pháp", "llttp", "không tiền án"],
        ["Mở VNeID, chọn lý lịch tư pháp.", "Chọn phiếu số 1 hoặc số 2."],
        "Judicial record certificate",
        ["judicial record", "criminal record check"],
        ["Open VNeID and choose judicial record.", "Choose certificate 1 or 2."],
    ),
    "licence": (
        "dvc",
        "Đổi giấy phép lái xe",
        ["gplx", "bằng lái xe", "đổi bằng lái", "bằng lái hết hạn"],
        ["Chuẩn bị giấy khám sức khỏe.", "Nộp hồ sơ đổi bằng tại công an xã."],
        "Renew a driving licence",
        ["driving licence", "renew driving licence"],
        ["Get a health check.", "Submit at the commune police."],
    ),
    "vneid-1": (
        "vneid",
        "Đăng ký tài khoản VNeID mức 1",
        ["đăng ký vneid", "tạo tài khoản vneid", "kích hoạt vneid"],
        ["Tải VNeID.", "Quét chip căn cước."],
        "Register a VNeID level 1 account",
        ["register vneid", "activate vneid"],
        ["Download VNeID.", "Scan the chip of the ID card."],
    ),
    "vneid-2": (
        "vneid",
        "Nâng VNeID lên mức 2",
        ["vneid mức 2", "định danh mức 2"],
        ["Đến công an phường.", "Lấy vân tay và chụp ảnh."],
        "Upgrade VNeID to level 2",
        ["vneid level 2", "upgrade vneid"],
        ["Go to the ward police.", "Give fingerprints and a photo."],
    ),
    "vneid-pass": (
        "vneid",
        "Quên mật khẩu VNeID",
        ["quên mật khẩu vneid", "lấy lại mật khẩu vneid"],
        ["Bấm “Quên mật khẩu”.", "Nhập mã OTP gửi về điện thoại."],
        "Forgot your VNeID password",
        ["forgot vneid password"],
        ["Press “Forgot password”.", "Enter the OTP sent to your phone."],
    ),
    "vneid-docs": (
        "vneid",
        "Đưa thẻ BHYT vào VNeID",
        ["tích hợp bhyt", "ví giấy tờ vneid"],
        ["Mở ví giấy tờ trong VNeID.", "Chọn tích hợp thông tin."],
        "Add your health insurance card to VNeID",
        ["vneid document wallet"],
        ["Open the VNeID wallet.", "Choose add information."],
    ),
    "residence": (
        "dvc",
        "Đăng ký tạm trú, thường trú",
        ["tạm trú", "thường trú", "đăng ký cư trú", "nhập hộ khẩu"],
        ["Mở VNeID, chọn cư trú.", "Điền tờ khai tạm trú."],
        "Register residence",
        ["temporary residence", "permanent residence"],
        ["Open VNeID and choose residence.", "Fill in the form."],
    ),
    "scams": (
        "safety",
        "Nhận biết lừa đảo giả danh công an",
        ["lừa đảo", "giả danh công an", "link lạ"],
        ["Công an không gọi điện bắt cập nhật VNeID.", "Báo số lạ cho 156."],
        "Spot police impersonation scams",
        ["scam", "fake police call"],
        ["Police never call to make you update VNeID.", "Report strange numbers to 156."],
    ),
}


def guide(gid: str, locale: str) -> Guide:
    category, vt, vk, vs, et, ek, es = GUIDES[gid]
    title, keywords, steps = (vt, vk, vs) if locale == "vi" else (et, ek, es)
    return Guide(
        id=gid,
        locale=locale,
        category=category,
        title=title,
        version=1,
        updated=date(2026, 11, 28),
        summary=title + ".",
        keywords=tuple(keywords),
        related=(),
        sources=("https://example.gov.vn",),
        steps=tuple(Step(f"s{i}", text.split(".")[0], text) for i, text in enumerate(steps, 1)),
    )


def catalogue(only_vi: tuple[str, ...] = ()) -> Catalogue:
    """Every guide in vi and en, except those in `only_vi` (vi only)."""
    guides = {}
    for gid in GUIDES:
        for locale in ("vi", "en"):
            if locale == "en" and gid in only_vi:
                continue
            guides[(gid, locale)] = guide(gid, locale)
    categories = tuple(Category(c, {"vi": c, "en": c}) for c in ("dvc", "vneid", "safety"))
    return Catalogue(categories=categories, guides=guides)
