"""After everything else in the suite: every line the bot processes logged (and the fuzzed
in-process bot) holds no phone number, no name the suite's people sent, and no token."""

from __future__ import annotations

import re

from bot import logsafe
from tests.fake_telegram import TOKEN
from tests.reliability import harness

SECRETS = (TOKEN, TOKEN.split(":")[1], "fuzz_Secret-1", "two_Processes-1")


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)[-9:]


def test_no_personal_data_or_token_in_any_log():
    files = harness.log_files()
    lines = [line for path in files for line in path.read_text("utf-8", "replace").splitlines()]
    phones = [line for line in lines if logsafe._PHONE.search(line)]
    phones += [
        line for line in lines for p in harness.PHONES if _digits(p) in re.sub(r"\D", "", line)
    ]
    names = [line for line in lines for name in harness.NAMES if name in line]
    tokens = [line for line in lines for secret in SECRETS if secret in line]
    harness.record(
        "log scan after the suite",
        "both",
        files=len(files),
        lines=len(lines),
        phones_found=len(phones),
        names_found=len(names),
        tokens_found=len(tokens),
    )
    assert lines, "the suite's bots logged nothing: the scan would prove nothing"
    assert not phones and not names and not tokens, (phones + names + tokens)[:5]
