"""One core, thin channels: nothing outside bot/channels imports a messenger library, builds
a messenger's link, or names a messenger except as data (a channel's name in a table)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MESSENGER_LIBS = {"telegram", "zalo", "aiogram"}


def test_only_channels_import_messenger_libraries():
    offenders = []
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            if "channels" in path.relative_to(ROOT).parts:
                continue
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                if any(n.split(".")[0] in MESSENGER_LIBS for n in names):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders


# Files still naming a messenger outside bot/channels (none now: the officers' account forms
# name channels only as data). Keep this list empty.
NAMING_A_MESSENGER_FOR_NOW: set[str] = set()
# Where a messenger may be named: its channel package, the config (keys and their help), the
# search's out-of-scope topics (what a citizen may ask about: "my Zalo account is locked") —
# docs and tests are not product code.
MAY_NAME_A_MESSENGER = ("bot/channels/", "bot/config.py", "bot/search/outside.py")
MESSENGER = re.compile(r"telegram|zalo|t\.me/", re.IGNORECASE)
# A channel's name as data: "telegram", an id such as "telegram:123" / "officer:telegram:1",
# or the channel's own module ("bot.channels.zalo.cli").
AS_DATA = re.compile(
    r"(?:[a-z_]+:)?(?:telegram|zalo)(?::[\w.…-]*)?|bot\.channels\.(?:telegram|zalo)[\w.]*"
)


def _named_not_as_data(text: str) -> list[int]:
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        for match in MESSENGER.finditer(line):
            start = match.start()
            quote = max(line.rfind('"', 0, start), line.rfind("'", 0, start))
            end = line.find(line[quote], match.end()) if quote >= 0 else -1
            if quote < 0 or end < 0 or not AS_DATA.fullmatch(line[quote + 1 : end]):
                lines.append(number)
                break
    return lines


def test_no_messenger_is_named_outside_the_channels_except_as_data():
    offenders = []
    for folder in ("bot", "handlers", "tools"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name.startswith(MAY_NAME_A_MESSENGER) or name in NAMING_A_MESSENGER_FOR_NOW:
                continue
            offenders += [f"{name}:{n}" for n in _named_not_as_data(path.read_text())]
    assert not offenders, f"a messenger named outside bot/channels (not as data): {offenders}"


def test_the_layering_check_tells_data_from_prose():
    assert _named_not_as_data('CHANNEL = "telegram"\nactor = "telegram:123"') == []
    assert _named_not_as_data('x = 1  # e.g. "officer:telegram:123"') == []
    assert _named_not_as_data("# Telegram allows 4096") == [1]
    assert _named_not_as_data('link = f"https://t.me/{bot}"  # telegram') == [1]
    assert _named_not_as_data('help="a Telegram user id"') == [1]
