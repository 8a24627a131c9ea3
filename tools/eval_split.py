#!/usr/bin/env python3
"""Split questions_v2.tsv into eval_dev.tsv and eval_test.tsv, deterministically.

Rule:
  1. Group the question lines by (expected, kind, locale), keeping file order inside each group.
  2. Walk the groups in sorted order of that key. Shuffle each group with one shared
     random.Random(20261207) (one .shuffle() call per group, in that order).
  3. Keep one running counter per kind, carried across that kind's groups in the walk
     order: for each line, the kind's counter value 0, 2, 4, ... sends it to test and
     1, 3, 5, ... to dev, then the counter goes up by one.
     Inside a group the items therefore alternate test/dev, so every group of two or more
     lines lands in both splits, and every kind is halved to within one line
     (odd-sized groups give their extra line alternately to test and to dev).
  4. Each split is written in the original file order.
Run: python3 tools/eval_split.py --check   (verifies tests/data/eval_{dev,test}.tsv are exactly
what this rule gives; without --check it rewrites them)
"""

import collections
import os
import random
import sys

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data")
SRC = os.path.join(DATA, "eval_source", "questions_v2.tsv")
SEED = 20261207

COMMON = """# Format: UTF-8, tab-separated, one question per line, after this comment block.
# Lines starting with "# " are comments. Columns, in this order:
#   expected<TAB>locale<TAB>kind<TAB>question
# expected: guide id from guides.md, or "-" when no guide covers the question (out of scope).
# locale: vi or en. kind: elder | nodiacritics | relative | screen | regional | keyword | english | outofscope
# Source: questions_v2.tsv (written 2026-12-07 from guide titles and summaries only; see README.md).
# Split rule (split.py): group lines by (expected, kind, locale); walk groups in sorted key order,
#   shuffling each with one shared random.Random(20261207); one running counter per kind, carried
#   across that kind's groups, sends even counts (0, 2, 4, ...) to test and odd counts to dev.
#   Lines keep their original file order within each split.
"""
HEAD = {
    "test": "# Trợ lý số evaluation set: TEST split.\n"
    "# FROZEN. Do not edit, and do not look at it while building the engine:\n"
    "# nothing in the engine (lexicon, synonyms, weights, thresholds, guide text) may be chosen from this split.\n"
    "# Use it only to report final scores.\n",
    "dev": "# Trợ lý số evaluation set: DEV split.\n"
    "# Use this split for development and tuning; the test split is frozen and must not be used for that.\n",
}


def read(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            assert len(parts) == 4, line
            rows.append(tuple(parts))
    return rows


def main():
    rows = read(SRC)
    groups = collections.defaultdict(list)
    for i, (exp, loc, kind, _q) in enumerate(rows):
        groups[(exp, kind, loc)].append(i)
    rng = random.Random(SEED)
    split = {}
    counter = collections.Counter()  # one running counter per kind
    for key in sorted(groups):
        idx = list(groups[key])
        rng.shuffle(idx)
        kind = key[1]
        for i in idx:
            split[i] = "test" if counter[kind] % 2 == 0 else "dev"
            counter[kind] += 1
    out = {"test": [], "dev": []}
    for i, r in enumerate(rows):
        out[split[i]].append(r)
    for name, rs in out.items():
        text = HEAD[name] + COMMON + f"# Lines in this split: {len(rs)}\n"
        text += "".join("\t".join(r) + "\n" for r in rs)
        path = os.path.join(DATA, f"eval_{name}.tsv")
        if "--check" in sys.argv:
            with open(path, encoding="utf-8") as f:
                if f.read() != text:
                    sys.exit(f"{path} is not what the split rule gives")
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    # checks: every guide and every kind in both splits
    for field in (0, 2):
        a = {r[field] for r in out["test"]}
        b = {r[field] for r in out["dev"]}
        assert a == b, (field, a ^ b)
    for name, rs in out.items():
        print(
            name,
            len(rs),
            "in-scope",
            sum(r[0] != "-" for r in rs),
            "out",
            sum(r[0] == "-" for r in rs),
            "en",
            sum(r[1] == "en" for r in rs),
        )


if __name__ == "__main__":
    main()
