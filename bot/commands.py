"""Sub-commands that features add to `trolyso` (content, search, points, reports, ...).

Each entry: a module exposing `add_parser(subparsers)`; kept in one list so `--help` shows
exactly what is built.
"""

from __future__ import annotations

import argparse
import importlib

MODULES: list[str] = [
    "bot.points.cli",
    "bot.content.cli",
    "bot.officers.cli",
    "bot.search.cli",
    "bot.stats.cli",
    "bot.handoff.cli",
    "bot.channels.zalo.cli",
]


def register(sub: argparse._SubParsersAction) -> None:
    for name in MODULES:
        importlib.import_module(name).add_parser(sub)
