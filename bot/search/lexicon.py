"""General knowledge of the language the search needs, not of any guide or any question:
abbreviations of administrative Vietnamese, chat shorthand, joined names, everyday words for
administrative ones ("qua mạng" = online, "bằng lái" = giấy phép lái xe), stop words (question
scaffolding in Vietnamese and English) and small talk. Telex leftovers are repaired by rule
(normalize.telex), not listed. Every entry is written in folded form (no diacritics, đ → d).

What belongs to one guide goes into that guide: its `keywords`, and its `asked_as` example
questions for whole phrasings ("chưa lập gia đình", "chưa từng phạm tội" are how people ask
for two particular guides, so they are there, not here). No entry is taken from the frozen
test questions: tests/test_search_quality.py fails when a lexicon phrase appears in them.
"""

from __future__ import annotations

# Abbreviations of administrative Vietnamese (official and press use) → the phrase they stand
# for. Both query and guide text are expanded, so "dvc" finds "dịch vụ công" and back. Left
# out on purpose: "dn" (usually "doanh nghiệp", not "đăng nhập") and "ks" ("khách sạn").
ABBREVIATIONS: dict[str, str] = {
    "dvc": "dich vu cong",
    "dvcqg": "dich vu cong quoc gia",
    "cccd": "can cuoc cong dan",
    "cmnd": "chung minh nhan dan",
    "cmt": "chung minh thu",
    "gplx": "giay phep lai xe",
    "bhyt": "bao hiem y te",
    "bhxh": "bao hiem xa hoi",
    "llttp": "ly lich tu phap",
    "tthc": "thu tuc hanh chinh",
    "ubnd": "uy ban nhan dan",
    "pakn": "phan anh kien nghi",
    "dkkd": "dang ky kinh doanh",
    "gcn": "giay chung nhan",
    "gks": "giay khai sinh",
    "ddcn": "dinh danh ca nhan",
    "csdl": "co so du lieu",
    "csgt": "canh sat giao thong",
    "hcc": "hanh chinh cong",
    "cds": "chuyen doi so",
    "nsd": "nguoi su dung",
    "sdt": "so dien thoai",
    "stk": "so tai khoan",
    "tk": "tai khoan",
    "mk": "mat khau",
    "dt": "dien thoai",
    "dthoai": "dien thoai",
    "dk": "dang ky",
    "dki": "dang ky",
    "dky": "dang ky",
    "hk": "ho khau",
    "tp": "thanh pho",
    "hn": "ha noi",
    "hs": "ho so",
    "tthn": "tinh trang hon nhan",
    "lltp": "ly lich tu phap",
}

# Chat shorthand and common misspellings that are whole words of their own.
SHORTHAND: dict[str, str] = {
    "ko": "khong",
    "k": "khong",
    "kh": "khong",
    "hok": "khong",
    "khg": "khong",
    "kg": "khong",
    "hem": "khong",
    "dc": "duoc",
    "j": "gi",
    "ji": "gi",
    "z": "vay",
    "v": "vay",
    "zay": "vay",
    "ntn": "nhu the nao",
    "lsao": "lam sao",
    "bn": "bao nhieu",
    "bnhieu": "bao nhieu",
    "bit": "biet",
    "bik": "biet",
    "pit": "biet",
    "wa": "qua",
    "ng": "nguoi",
    "nguoj": "nguoi",
    "onl": "online",
    "app": "ung dung",
    "apps": "ung dung",
    "pass": "mat khau",
    "password": "mat khau",
    "passwd": "mat khau",
    "sms": "tin nhan",
    "mail": "email",
    "license": "licence",
    "licenses": "licence",
    "licensed": "licence",
    "login": "log in",
    "logon": "log in",
    "signin": "sign in",
    "signup": "sign up",
}

# Word sequences written as one name; joined so "i hanoi" finds "iHanoi" and "vn eid" "VNeID".
COMPOUNDS: dict[tuple[str, ...], str] = {
    ("i", "hanoi"): "ihanoi",
    ("i", "ha", "noi"): "ihanoi",
    ("vn", "eid"): "vneid",
    ("vn", "id"): "vneid",
    ("v", "neid"): "vneid",
    ("e", "mail"): "email",
    ("on", "line"): "online",
    ("zalo", "oa"): "zalo",
    ("one", "touch"): "onetouch",
}

# Different words for one thing, in everyday and administrative Vietnamese (and a few English
# ones): both question and guide text are rewritten to the right-hand side, so the choice of
# form is arbitrary. These are facts of the language, not of any one guide.
SYNONYMS: dict[str, str] = {
    # people
    "nguoi gia": "nguoi cao tuoi",
    "nguoi lon tuoi": "nguoi cao tuoi",
    "elderly": "older",
    "con dau": "dau",  # daughter-in-law: "con" is not a child here
    "con re": "re",
    "con nguoi": "nguoi",
    "qua doi": "mat",
    "tu tran": "mat",
    "chet": "mat",
    # online, in all its forms
    "truc tuyen": "online",
    "qua mang": "online",
    "tren mang": "online",
    "len mang": "online",
    "mang internet": "online",
    "qua internet": "online",
    "tren internet": "online",
    "internet": "online",
    "log in": "dang nhap",
    "sign in": "dang nhap",
    "cai dat": "cai",
    "tai ve": "tai",
    # submitting: papers and dossiers
    "nop giay to": "nop ho so",
    "gui giay to": "nop ho so",
    "gui ho so": "nop ho so",
    "paperwork": "dossier",
    "papers": "dossier",
    # residence ("khẩu" is short for "hộ khẩu")
    "so ho khau": "ho khau",
    "nhap khau": "nhap ho khau",
    "chuyen khau": "chuyen ho khau",
    "tach khau": "tach ho khau",
    "cat khau": "xoa ho khau",
    "xoa khau": "xoa ho khau",
    "vao ho khau": "nhap ho khau",
    "vao khau": "nhap ho khau",
    # going up a level
    "nang len": "nang cap",
    # vehicles and papers
    "ca vet": "dang ky xe",
    "giay dang ky xe": "dang ky xe",
    "bang lai xe": "giay phep lai xe",
    "bang lai": "giay phep lai xe",
    "can cuoc cong dan": "can cuoc",
    "the can cuoc": "can cuoc",
    "chung minh thu": "chung minh nhan dan",
    "the bao hiem y te": "bao hiem y te",
    "the bao hiem": "bao hiem y te",
    "khai sanh": "khai sinh",
    "moi de": "moi sinh",
    "vua sinh": "moi sinh",
    "vua de": "moi sinh",
    # codes and passwords
    "mat ma": "mat khau",
    "ma xac nhan": "ma xac thuc",
    "ma xac minh": "ma xac thuc",
    "so bien nhan": "ma ho so",
    "ma bien nhan": "ma ho so",
    "giay bien nhan": "giay hen",
    "phieu hen": "giay hen",
    # paying
    "hoa don": "bien lai",
    "tra phi": "thanh toan phi",
    "dong phi": "thanh toan phi",
    "nop phi": "thanh toan phi",
    "tra le phi": "thanh toan le phi",
    "dong le phi": "thanh toan le phi",
    "nop le phi": "thanh toan le phi",
    "dong tien": "thanh toan",
    "tra tien": "thanh toan",
    # complaints about officials
    "hach sach": "sach nhieu",
    "gay kho de": "sach nhieu",
    "gay phien ha": "sach nhieu",
    "voi tien": "sach nhieu",
    "doi hoi lo": "sach nhieu",
    "an hoi lo": "sach nhieu",
    "tre han": "tre hen",
    "muon hen": "tre hen",
    "cham hen": "tre hen",
    "tien boi duong": "sach nhieu",
    "bribe": "harassment",
    "qua han": "tre hen",
    "qua hen": "tre hen",
    # street problems
    "ho sut": "o ga",
    "den chieu sang": "den duong",
    "ngap nuoc": "ngap ung",
    "ngap lut": "ngap ung",
    "do trom rac": "rac thai",
    "do rac": "rac thai",
    "vut rac": "rac thai",
    # scams
    "mao danh": "gia danh",
    "tu xung": "gia danh",
    "xung la": "gia danh",
    "claiming to be": "fake",
    "pretending to be": "fake",
    "posing as": "fake",
    # death benefits
    "tien mai tang": "mai tang",
    "mai tang phi": "mai tang",
    "ma chay": "mai tang",
    "tien tuat": "tu tuat",
    "che do tu tuat": "tu tuat",
    # help
    "noi ho tro": "diem ho tro",
    "to cong nghe so": "to chuyen doi so",
}

# Number words where a number is meant: "mức hai" = "mức 2", "level two" = "level 2".
NUMBER_WORDS: dict[str, str] = {
    "mot": "1",
    "hai": "2",
    "ba": "3",
    "bon": "4",
    "one": "1",
    "two": "2",
    "three": "3",
}
NUMBER_CONTEXT = frozenset({"muc", "level", "so", "no", "number", "cap", "loai"})

# Words that only frame a question. They never count as evidence and form no unigram term;
# they still join their neighbours into pairs ("báo tử", "phản ánh", "thẻ bhyt", "cho con").
# Left out on purpose because, folded, they are also content words: con (child), dang
# (đăng ký), moi (mới), cai (cài), ho (hồ sơ, hộ), bao (bảo hiểm, báo), ma (mã), be (bé),
# tai (tải, tài khoản), so (số), dan (dân), nha (nhà).
STOP_WORDS: frozenset[str] = frozenset(
    """
a ah ha ba bac chau chi chu co cu em anh ong ban oi nhe nhi ne to ta ai minh toi tui
voi di gi la de o tu den cho vao ra len xuong qua do the an can me no i tren
da bi dung nen xin mot nhung cac hay day ay kieu gio luc khong chua nay kia khi
lam muon phai duoc cach giup hoi nhu nao sao vay biet nghe nua roi se vua cua va hoac thi
my we our you your of in on for with how does did could should would
what where when which who whom why is are was were been am it its this that these those
please want need get got have has had will just there if not and or about from at by
as into some any tell show way anyone hi hello thanks thank yes also still already now yet
after before then than too very much many more most only even again own same such each
other here she he her his him they them their us
""".split()
)

# Function words that are only function words when typed with these diacritics: folded,
# they are also content words ("mà"/"mã", "cái"/"cài", "đâu"/"đầu", "bố"/"bộ").
ACCENTED_STOP_WORDS: frozenset[str] = frozenset(
    """
mà cái mấy đâu vẫn cũng mãi thấy nói bố nó họ rồi vừa đã đang sẽ chứ nhé nhá hả ạ à ơi
thôi luôn ngay giúp với
""".split()
)
# Phrases that frame a question although their words alone may carry meaning.
STOP_PHRASES: frozenset[tuple[str, ...]] = frozenset(
    tuple(p.split())
    for p in (
        "huong dan",
        "cach thuc",
        "the nao",
        "ra sao",
        "bao gio",
        "cam on",
        "vui long",
        "tat ca",
        "lam on",
        "xin chao",
        "cho toi hoi",
        "cho hoi",
        "o dau",
        "step by step",
        "how to",
    )
)

# Small talk: text made only of these words gets a friendly reply, not a search.
GREETINGS = frozenset("hi hello hey chao xin alo helo hallo hola yo good morning".split())
THANKS = frozenset("cam on thanks thank tks thx ty camon cmon".split())
ACKS = frozenset(
    """ok oke okay okie uh uhm um vang da u ua yes no khong co roi duoc
tot hay great good nice fine hihi haha hehe bye tam biet sure alright""".split()
)
# Words that may surround small talk without making it a question ("cảm ơn bạn nhiều nhé").
SMALLTALK_FILLER = frozenset(
    """ban bot em anh chi ong ba bac chau a nhe nha nhieu rat lam
you very much so lot a the ad admin tro ly so oi nhi""".split()
)
