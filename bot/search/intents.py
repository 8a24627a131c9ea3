"""What kind of question it is, from its form rather than its topic: asking where something
stands ("đã xử lý chưa?", "đến đâu rồi", "any news"), asking for a person to help ("ai
giúp", "chỗ nào có người", "gọi số nào", "in person"), or asking whether something is
genuine ("có thật không", "is it real"). Guides whose title or keywords ask the
same kind of question get the same marker term, so "nộp hồ sơ rồi, giờ đến đâu rồi" prefers
the tracking guide over the submitting one. Patterns run on folded text (see normalize.py).
"""

from __future__ import annotations

import re

from bot.search.normalize import STOP_MARK

STATUS = "@status"
PERSON = "@person"
GENUINE = "@genuine"

_PATTERNS: dict[str, re.Pattern[str]] = {
    STATUS: re.compile(
        r"""
        \b(xong|duyet|xu\ ly|xu\ li|giai\ quyet|tra\ loi|ket\ qua|co\ gi|phan\ hoi)
            \b[\w\ ]{0,40}\bchua\b
        | \bnhan\ (duoc\ )?chua\b | \bda\ nhan\b
        | \bda\ [\w\ ]{1,40}\bchua\s*$
        | \b(den|toi)\ (dau|buoc\ nao|khau\ nao)\b | \bo\ khau\ nao\b
        | \bdang\ (xu\ ly|xu\ li|giai\ quyet)\b | \b(trang\ thai|theo\ doi)\b
        | \btinh\ trang\ (ho\ so|phan\ anh|xu\ ly|xu\ li)\b
        | \bxem\ lai\b | \b(chua|khong)\ (thay\ )?ai\ tra\ loi\b | \bchua\ thay\ gi\b
        | \b(progress|track|tracking|follow\ up|replied|any\ news|no\ news)\b
        | \b(check|see|know)\ (the\ )?status\b | \bstatus\ of\b
        | \b(application|dossier|report)\ status\b
        | \bhas\ [\w\ ]{0,30}\ been\b | \bhave\ they\b
        """,
        re.VERBOSE,
    ),
    PERSON: re.compile(
        r"""
        \b(ai|nguoi|can\ bo|sinh\ vien)\ (giup|huong\ dan|ho\ tro|chi)\b
        | \b(cho|noi)\ nao\ (co|ho\ tro|huong\ dan|giup)\b | \bo\ dau\ co\ nguoi\b
        | \bgoi\ (so\ nao|tong\ dai|hotline)\b | \b(tong\ dai|hotline)\b
        | \b(tan|xuong|den)\ nha\b | \btruc\ tiep\b | \bdiem\ ho\ tro\b
        | \b(o\ dau|cho\ nao|noi\ nao)\b[\w\ ]{0,30}\b(giup|ho\ tro|huong\ dan)\b
        | \b(giup|ho\ tro|huong\ dan)\b[\w\ ]{0,30}\b(o\ dau|cho\ nao|noi\ nao)\b
        | \bin[\ -]person\b | \bsomeone\ to\ help\b | \bget\ [\w\ ]{0,10}help\b
        | \bwhere\b[\w\ ]{0,40}\bhelp\b
        """,
        re.VERBOSE,
    ),
    GENUINE: re.compile(
        r"""
        \b(co|la)\ (that|that\ su)\ (khong|ko|k|chu|a)\b | \bthat\ hay\ gia\b
        | \bgia\ hay\ that\b | \bco\ phai\ (la\ )?lua\b | \b(app|ung\ dung|web|website|trang
        |link|tin\ nhan|cuoc\ goi)\b[\w\ ]{0,12}\bgia(\ mao)?\b
        | \bis\ (it|this|that)\ (real|genuine|legit|true|a\ scam|safe)\b | \bfake\b
        """,
        re.VERBOSE,
    ),
}


def intents(folded: str) -> set[str]:
    """The marker terms of a folded text (lower case, no diacritics)."""
    text = " ".join(folded.replace(STOP_MARK, "").split())
    return {name for name, pattern in _PATTERNS.items() if pattern.search(text)}
