"""`trolyso points list` and `trolyso points qr POINT_ID`: the support points as loaded from
content/points, and a printable QR poster for one of them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot import i18n
from bot.config import LOCALES, Config, ConfigError
from bot.errors import TrolysoError
from bot.points.loader import WEEKDAYS, load_places
from bot.points.model import Places, Point
from bot.points.qr import render_poster


def add_parser(sub: argparse._SubParsersAction) -> None:
    points = sub.add_parser("points", help="support points: list them, print QR posters")
    tasks = points.add_subparsers(dest="points_command", metavar="TASK", parser_class=type(points))
    tasks.required = True
    listing = tasks.add_parser("list", help="list the support points and their sessions")
    listing.set_defaults(func=cmd_list)
    qr = tasks.add_parser("qr", help="write a PNG poster with the QR code of a point's link")
    qr.add_argument("point_id", metavar="POINT_ID")
    qr.add_argument(
        "--out", type=Path, default=None, help="PNG file to write (default: poster-POINT_ID.png)"
    )
    qr.add_argument(
        "--bot-username",
        default=None,
        help="the bot's username (default: channels.telegram.bot_username in the config)",
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
    print(f"{len(places.points)} points in {len(places.by_unit)} of {len(places.units)} units")
    return 0


def _bot_username(args: argparse.Namespace, cfg: Config) -> str:
    name = (args.bot_username or "").strip().removeprefix("@")
    if name:
        try:
            cfg.replace(
                channels__telegram__bot_username=name
            )  # the same check as the config file's
        except ConfigError:
            raise ConfigError(
                f"--bot-username must be the bot's username from @BotFather "
                f"(5-32 letters, digits or _, ending in bot); got {name!r}"
            ) from None
        return name
    if not cfg.channels.telegram.bot_username:
        raise ConfigError(
            "config: channels.telegram.bot_username is empty; set it in config.toml (or "
            "TROLYSO_CHANNELS_TELEGRAM_BOT_USERNAME), or pass --bot-username NAME"
        )
    return cfg.channels.telegram.bot_username


def cmd_qr(args: argparse.Namespace) -> int:
    cfg, places = _load(args)
    point = places.points.get(args.point_id)
    if point is None:
        raise TrolysoError(
            f"no support point {args.point_id!r}; `trolyso points list` shows the ids"
        )
    username = _bot_username(args, cfg)
    i18n.load_catalogs(cfg.path("paths.locales"), cfg.tz)
    with i18n.use_locale(args.lang):
        poster = render_poster(point, places.unit_of(point), username)
    out = args.out or Path(f"poster-{point.id}.png")
    out.write_bytes(poster.png)
    print(f"wrote {out} ({len(poster.png) // 1024} KiB) for {poster.link}")
    if not poster.font_ok:
        print(
            "warning: no font with Vietnamese letters was found, so the poster lost its "
            "diacritics; install the fonts-dejavu-core package and run again",
            file=sys.stderr,
        )
    return 0
