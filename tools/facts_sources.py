"""Write content/sources.toml from the project's facts files: every address cited there as a
source ("[GOV] https://…", "[PRESS] https://…", "[3P] …", "[CODE] …"), which is the list of
pages somebody actually read. Addresses only mentioned in a fact (a site the fact is about)
are not sources and are left out.

    .venv/bin/python tools/facts_sources.py ../shared/facts [--content content]
    .venv/bin/python tools/facts_sources.py ../shared/facts --check   # exit 1 if out of date

`official_hosts` (an app's or service's own site) is kept from the existing file: it is a
judgement, not something the facts tags say.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

TAG_KIND = {"GOV": "government", "PRESS": "press", "3P": "other", "CODE": "other"}
CITED = re.compile(r"\[(GOV|PRESS|3P|CODE)\]\s+(https?://[^\s;)\]]+)")
HEADER = """\
# The pages that were read, by kind, copied from the facts files by tools/facts_sources.py
# (do not edit those tables by hand: fix the facts, then run the tool again).
# `trolyso content check` refuses a guide source that is not here, and warns about a guide
# with no government or official source. See content/README.md, "Sources".
"""


def cited_sources(texts: list[str]) -> dict[str, str]:
    """address → kind, the first tag an address is cited with winning."""
    found: dict[str, str] = {}
    for text in texts:
        for m in CITED.finditer(text):
            found.setdefault(m[2].rstrip(".,"), TAG_KIND[m[1]])
    return found


def render(found: dict[str, str], official_hosts: list[str]) -> str:
    def quoted(items: list[str]) -> str:
        return "".join(f'  "{item}",\n' for item in items)

    out = [HEADER, "\n# An app's or service's own site (kept by hand).\n"]
    out.append(f"official_hosts = [\n{quoted(sorted(official_hosts))}]\n")
    for kind in ("government", "press", "other"):
        urls = sorted(u for u, k in found.items() if k == kind)
        out.append(f"\n{kind} = [\n{quoted(urls)}]\n")
    return "".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("facts", type=Path, help="the folder of facts files (*.md)")
    parser.add_argument("--content", type=Path, default=Path("content"))
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    args = parser.parse_args(argv)
    files = sorted(args.facts.glob("*.md"))
    if not files:
        print(f"no facts files (*.md) in {args.facts}", file=sys.stderr)
        return 2
    target = args.content / "sources.toml"
    hosts: list[str] = []
    if target.exists():
        hosts = list(tomllib.loads(target.read_text(encoding="utf-8")).get("official_hosts", []))
    text = render(cited_sources([f.read_text(encoding="utf-8") for f in files]), hosts)
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of date: run tools/facts_sources.py {args.facts}")
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"{target}: {text.count(chr(10) + '  ')} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
