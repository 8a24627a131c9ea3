"""How an operator names a channel account: `CHANNEL:ID`, e.g. "telegram:123456789", or a
bare number, which means an id of `DEFAULT_CHANNEL` (the form config.toml and the command line
took before accounts had channels).

The channel names and the form of their ids are data here, checked when config.toml is read
and by `trolyso officers …`; ids are kept as strings everywhere (some channels' ids do not
fit a 64-bit integer).
"""

from __future__ import annotations

import re

DEFAULT_CHANNEL = "telegram"  # what a bare number means

# channel → (the id's form, how to say it to an operator)
FORMS: dict[str, tuple[re.Pattern[str], str]] = {
    "telegram": (
        re.compile(r"[1-9]\d{0,19}"),
        "a user id of this messenger is a number such as 123456789 (the person can see "
        "theirs with @userinfobot)",
    ),
    "zalo": (
        re.compile(r"\d{1,32}"),
        "a user id of this messenger is the number the Official Account sees for the "
        "person, such as 6142494823000000000",
    ),
    "terminal": (
        re.compile(r"[\w.@-]{1,64}"),
        "a terminal chat's login name: 1-64 letters or digits",
    ),
}
EXAMPLES = ("telegram:123456789", "zalo:6142494823000000000")
ACCOUNT_FORM = (
    f"CHANNEL:ID such as {' or '.join(EXAMPLES)} (a bare number means a {DEFAULT_CHANNEL} user id)"
)
# One account, as config.toml's checks see it (the id form is checked per channel below).
ACCOUNT = r"(?:(?:" + "|".join(FORMS) + r"):[\w.@-]{1,64}|[1-9]\d{0,19})"


class BadAccount(ValueError):
    """Not an account name; the message says the form to use."""


def parse_account(text: str, channel: str | None = None) -> tuple[str, str]:
    """(channel, external id) of `text`; `channel` is the one given separately (the command
    line's --channel), if any."""
    typed = text.strip()
    named, sep, rest = typed.partition(":")
    if sep and named in FORMS:
        if channel is not None and channel != named:
            raise BadAccount(f"{text!r} names channel {named}, but --channel says {channel}")
        channel, external_id = named, rest.strip()
    elif sep:
        raise BadAccount(
            f"{text!r}: unknown channel {named!r} (one of: {', '.join(FORMS)}); "
            f"the form is {ACCOUNT_FORM}"
        )
    else:
        channel, external_id = channel or DEFAULT_CHANNEL, typed
    pattern, form = FORMS[channel]
    if not pattern.fullmatch(external_id):
        raise BadAccount(f"{text!r} is not a user id: {form}")
    return channel, external_id


def is_account(text: str) -> bool:
    try:
        parse_account(text)
    except BadAccount:
        return False
    return True


def account_label(channel: str, external_id: str) -> str:
    return f"{channel}:{external_id}"
