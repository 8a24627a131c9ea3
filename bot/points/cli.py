"""`trolyso points list` and `trolyso points qr POINT_ID`: the support points as loaded from
content/points, and a printable QR poster for one of them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot import i18n
from bot.channels import profiles
from bot.config import LOCALES, Config, ConfigError
from bot.errors import TrolysoError
from bot.i18n import _, ngettext
from bot.points.loader import WEEKDAYS, load_places
from bot.points.model import Places, Point
from bot.points.qr import Code, render_poster, start_param


def add_parser(sub: argparse._SubParsersAction) -> None:
    points = sub.add_parser("points", help="support points: list them, print QR posters")
    tasks = points.add_subparsers(dest="points_command", metavar="TASK", parser_class=type(points))
    tasks.required = True
    listing = tasks.add_parser("list", help="list the support points and their sessions")
    listing.set_defaults(func=cmd_list)
    qr = tasks.add_parser("qr", help="write a PNG poster with the QR code of a point's link")
    qr.add_argument("point_id", metavar="POINT_ID")
    qr.add_argument(
        "--out",
        type=Path,
        default=None,
        help="PNG file to write (default: var/posters/poster-POINT_ID.png)",
    )
    qr.add_argument(
        "--bot-username",
        default=None,
        help="the bot's username on the messenger (default: from the config)",
    )
    qr.add_argument(
        "--lang", choices=LOCALES, default="vi", help="language of the poster (default: vi)"
    )
    qr.set_defaults(func=cmd_qr)


def _load(args: argparse.Namespace) -> tuple[Config, Places]:
    from bot.cli import load_config

    cfg = load_config(args)
    return cfg, load_places(cfg.path("paths.content"))


def _schedule(point: Point) -> str:
    parts = [
        ",".join(WEEKDAYS[d] for d in s.weekdays) + f" {s.start:%H:%M}-{s.end:%H:%M}"
        for s in point.regular
    ]
    if point.one_off:
        parts.append(f"+{len(point.one_off)} one-off")
    return "; ".join(parts) or "no sessions"


def cmd_list(args: argparse.Namespace) -> int:
    _cfg, places = _load(args)
    for point in sorted(places.points.values(), key=lambda p: (p.unit, p.id)):
        unit = places.unit_of(point)
        flag = "  [sample]" if point.sample else ""
        print(f"{point.id:<24} {unit.kind:<6} {unit.name:<22} {_schedule(point)}{flag}")
    with i18n.use_locale("en"):  # the command line speaks English, with proper plurals
        units = ngettext("{n} unit", "{n} units", len(places.units))
        points = ngettext("{n} point", "{n} points", len(places.points))
    print(f"{points} in {len(places.by_unit)} of {units}")
    return 0


def cmd_qr(args: argparse.Namespace) -> int:
    cfg, places = _load(args)
    point = places.points.get(args.point_id)
    if point is None:
        raise TrolysoError(
            f"no support point {args.point_id!r}; `trolyso points list` shows the ids"
        )
    if args.bot_username:
        cfg = profiles.with_bot_username(cfg, args.bot_username)
    found = profiles.links(cfg, start_param(point))
    if not found:
        raise ConfigError(profiles.NO_LINK_HELP)
    i18n.load_catalogs(cfg.path("paths.locales"), cfg.tz)
    with i18n.use_locale(args.lang):
        codes = [Code(link, _(p.scan_hint)) for p, link in found]
        poster = render_poster(point, places.unit_of(point), codes)
    out = args.out or cfg.base_dir / "var" / "posters" / f"poster-{point.id}.png"
    if args.out is None:
        out.parent.mkdir(parents=True, exist_ok=True)
    try:
        out.write_bytes(poster.png)
    except OSError as e:
        raise TrolysoError(f"cannot write {out}: {e.strerror or e}") from None
    print(f"wrote {out} ({len(poster.png) // 1024} KiB) for {', '.join(poster.links)}")
    if not poster.font_ok:
        print(
            "warning: no font with Vietnamese letters was found, so the poster lost its "
            "diacritics; install the fonts-dejavu-core package and run again",
            file=sys.stderr,
        )
    return 0
