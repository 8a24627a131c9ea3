"""The printable poster of a support point: its name and address, its session hours, one QR
code per messenger the bot is on (each link built by its channel, bot/channels/profiles.py,
opening that point in the bot: `/start p_<point>`) with a plain line saying which app to open
before scanning, and the point's phone line for people without a smartphone when the points
file has one. Drawn with qrcode and Pillow.

Vietnamese needs a font with its letters (ế, ữ, đ …): DejaVu Sans (Debian/Ubuntu package
fonts-dejavu-core) or Noto Sans. Without one, Pillow's own font draws the text without
diacritics and `Poster.font_ok` is False so the command can say so.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

from bot.booking.texts import weekday_names
from bot.i18n import _
from bot.points.model import Point, Unit
from bot.points.names import unit_label

FONT_CANDIDATES = (
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    ),
)
VIETNAMESE_SAMPLE = "ếữđặỗ"
# A4 portrait at 150 dpi: prints sharply on an office printer.
WIDTH, HEIGHT = 1240, 1754
MARGIN = 90
BAND_HEIGHT = 190
QR_SIZE = 700
BAND = (11, 79, 138)  # dark blue: reads well on a photocopy too
INK = (20, 20, 20)
WARN = (180, 30, 30)


GAP = 60  # between two codes side by side


@dataclass(frozen=True)
class Code:
    """One messenger's code on the poster: its link and the line above it (translated)."""

    link: str
    hint: str  # which app to open before scanning (the channel's `scan_hint`), translated


@dataclass(frozen=True)
class Poster:
    png: bytes
    links: tuple[str, ...]
    font_ok: bool  # False: the text lost its diacritics (install fonts-dejavu-core)


def start_param(point: Point) -> str:
    """What the poster's links send the bot (`/start p_<point>`: handlers/start.py)."""
    return f"p_{point.id}"


def session_lines(point: Point) -> list[str]:
    """The point's regular hours in words, e.g. "Thứ Ba, Thứ Năm: 08:00–11:00"."""
    names = weekday_names()
    return [
        f"{', '.join(names[d] for d in s.weekdays)}: {s.start:%H:%M}–{s.end:%H:%M}"
        for s in point.regular
    ]


class _Fonts:
    def __init__(self) -> None:
        paths: tuple[str | None, str | None] = next(
            ((r, b) for r, b in FONT_CANDIDATES if Path(r).exists() and Path(b).exists()),
            (None, None),
        )
        self.regular_path, self.bold_path = paths

    def get(self, size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        path = self.bold_path if bold else self.regular_path
        return ImageFont.truetype(path, size) if path else ImageFont.load_default(size)

    @property
    def ok(self) -> bool:
        return self.regular_path is not None and _has_glyphs(self.get(40), VIETNAMESE_SAMPLE)


def _drawn(font, char: str) -> bytes:
    image = Image.new("L", (80, 80))
    ImageDraw.Draw(image).text((10, 10), char, font=font, fill=255)
    return image.tobytes()


def _has_glyphs(font, chars: str) -> bool:
    missing = _drawn(font, "\uffff")  # what the font draws for a letter it lacks
    return all(_drawn(font, c) != missing for c in chars)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split(" "):  # not at no-break spaces (a phone number stays whole)
        if not word:
            continue
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def _centred(
    draw: ImageDraw.ImageDraw, y: int, text: str, font, fill, width: int, gap: int = 12
) -> int:
    """Draw `text` wrapped and centred from `y`; return the y below it."""
    for line in _wrap(draw, text, font, width):
        left, top, right, bottom = draw.textbbox((0, 0), line, font=font)
        draw.text(((WIDTH - (right - left)) // 2 - left, y - top), line, font=font, fill=fill)
        y += int(bottom - top) + gap  # whole pixels (Pillow types the box as floats)
    return y


def _qr_image(link: str, size: int) -> Image.Image:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2, box_size=10)
    code.add_data(link)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    # Whole pixels per module keep the code crisp for phone cameras.
    modules = image.width // 10
    return image.resize((size // modules * modules,) * 2, Image.Resampling.NEAREST)


def _codes(body: Image.Image, draw: ImageDraw.ImageDraw, y: int, codes: list[Code], fonts) -> int:
    """The codes side by side, each with its hint above and its link below; the y below."""
    n = len(codes)
    column = (WIDTH - 2 * MARGIN - GAP * (n - 1)) // n
    size = min(QR_SIZE if n == 1 else column, column)
    bottom = y
    for i, code in enumerate(codes):
        left = MARGIN + i * (column + GAP)
        hint_font = fonts.get(40 if n == 1 else 32, bold=True)
        cy = y
        for line in _wrap(draw, code.hint, hint_font, column):
            x0, t, r, b = draw.textbbox((0, 0), line, font=hint_font)
            draw.text(
                (left + (column - (r - x0)) // 2 - x0, cy - t), line, font=hint_font, fill=INK
            )
            cy += int(b - t) + 10
        image = _qr_image(code.link, size)
        body.paste(image, (left + (column - image.width) // 2, cy + 12))
        cy += 12 + image.height + 12
        link_font = fonts.get(30 if n == 1 else 24)
        shown = code.link.removeprefix("https://")
        x0, t, r, b = draw.textbbox((0, 0), shown, font=link_font)
        draw.text((left + (column - (r - x0)) // 2 - x0, cy - t), shown, font=link_font, fill=INK)
        bottom = max(bottom, cy + int(b - t))
    return bottom + 24


def _body(point: Point, unit: Unit, codes: list[Code], fonts: _Fonts) -> Image.Image:
    """Everything below the band, cropped to its height (so it can be centred)."""
    body = Image.new("RGB", (WIDTH, HEIGHT - BAND_HEIGHT), "white")
    draw = ImageDraw.Draw(body)
    width = WIDTH - 2 * MARGIN
    y = _centred(draw, 0, point.name, fonts.get(56, bold=True), INK, width)
    y = _centred(draw, y + 8, unit_label(unit), fonts.get(38), INK, width)
    y = _centred(draw, y + 4, point.address, fonts.get(36), INK, width)
    hours = session_lines(point)
    if hours:
        y = _centred(draw, y + 16, _("Support sessions:"), fonts.get(36, bold=True), INK, width)
        for line in hours:
            y = _centred(draw, y, line, fonts.get(36), INK, width, gap=8)
    y = _centred(
        draw,
        y + 24,
        _("Scan the code to book a support visit"),
        fonts.get(60 if len(codes) == 1 else 52, bold=True),
        BAND,
        width,
    )
    y = _codes(body, draw, y + 8, codes, fonts)
    if point.phone:
        y = _centred(
            draw,
            y,
            _("No smartphone? Call {phone} to book.", phone=point.phone.replace(" ", "\u00a0")),
            fonts.get(40, bold=True),
            INK,
            width,
        )
    if point.sample:
        y = _centred(
            draw,
            y + 28,
            _("SAMPLE — not a real support point"),
            fonts.get(40, bold=True),
            WARN,
            width,
        )
    return body.crop((0, 0, WIDTH, min(y, body.height)))


def render_poster(point: Point, unit: Unit, codes: list[Code]) -> Poster:
    """The poster as PNG bytes, in the current locale (Vietnamese for Hanoi's walls), with
    one code per messenger (at least one)."""
    if not codes:
        raise ValueError("a poster needs at least one code")
    fonts = _Fonts()
    page = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, WIDTH, BAND_HEIGHT), fill=BAND)
    _centred(
        draw, 45, _("Digital-support point"), fonts.get(64, bold=True), "white", WIDTH - 2 * MARGIN
    )
    _centred(draw, 130, "Trợ lý số", fonts.get(34), "white", WIDTH - 2 * MARGIN)
    body = _body(point, unit, codes, fonts)
    free = HEIGHT - BAND_HEIGHT - body.height
    page.paste(body, (0, BAND_HEIGHT + max(free // 2, 0)))
    out = io.BytesIO()
    page.save(out, format="PNG", optimize=True)
    return Poster(png=out.getvalue(), links=tuple(c.link for c in codes), font_ok=fonts.ok)
