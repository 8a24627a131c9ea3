"""Interface strings: gettext catalogs under `locales/`, one locale per message.

The locale of the message being handled sits in a context variable, so `_()` anywhere in a
handler speaks the user's language without passing it around. Dates and times are formatted
with Babel in that locale and in Hanoi time.
"""

from __future__ import annotations

import gettext
import logging
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.config import LOCALES

log = logging.getLogger(__name__)
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("trolyso_locale", default="vi")
_catalogs: dict[str, gettext.NullTranslations] = {}
_tz: ZoneInfo = ZoneInfo("Asia/Ho_Chi_Minh")


def load_catalogs(locales_dir: Path, tz: ZoneInfo | None = None) -> None:
    """Load each locale's compiled catalog; compile from the .po in memory when the .mo is
    missing or older than its .po (a fresh checkout before `make`)."""
    global _tz
    if tz is not None:
        _tz = tz
    for locale in LOCALES:
        folder = locales_dir / locale / "LC_MESSAGES"
        po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
        if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
            with open(mo, "rb") as f:
                _catalogs[locale] = gettext.GNUTranslations(f)
        elif po.exists():
            with open(po, "rb") as f:
                catalog = read_po(f, locale=locale)
            buf = BytesIO()
            write_mo(buf, catalog)
            buf.seek(0)
            _catalogs[locale] = gettext.GNUTranslations(buf)
        else:
            log.warning("no catalog for locale %s in %s", locale, folder)
            _catalogs[locale] = gettext.NullTranslations()


def normalize_locale(code: str | None) -> str | None:
    """ "en-US" → "en"; None when we do not speak it."""
    if not code:
        return None
    lang = code.replace("_", "-").split("-", 1)[0].lower()
    return lang if lang in LOCALES else None


def current_locale() -> str:
    return _current.get()


@contextmanager
def use_locale(locale: str):
    token = _current.set(locale)
    try:
        yield
    finally:
        _current.reset(token)


def _(message: str, **params: object) -> str:
    """Translate `message` into the current locale and fill `{name}` placeholders."""
    catalog = _catalogs.get(_current.get())
    text = catalog.gettext(message) if catalog else message
    return text.format(**params) if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    catalog = _catalogs.get(_current.get())
    text = catalog.ngettext(singular, plural, n) if catalog else (singular if n == 1 else plural)
    return text.format(n=n, **params)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


def local(dt: datetime) -> datetime:
    return dt.astimezone(_tz)


def format_date(d: date | datetime, fmt: str = "full") -> str:
    if isinstance(d, datetime):
        d = local(d).date()
    return babel_dates.format_date(d, format=fmt, locale=_current.get())


def format_time(dt: datetime, fmt: str = "short") -> str:
    return babel_dates.format_time(local(dt), format=fmt, locale=_current.get(), tzinfo=_tz)


def format_datetime(dt: datetime, fmt: str = "medium") -> str:
    return babel_dates.format_datetime(dt, format=fmt, locale=_current.get(), tzinfo=_tz)


# --- the one way a day and a visit's time read to a citizen ----------------------------------
# Vietnamese order is time, weekday, then "ngày d/M/yyyy": "9:00–9:30, thứ Năm, ngày 3/12/2026";
# English keeps the same order: "9:00–9:30, Thursday 3 December 2026". Every message that
# names a visit's time goes through `format_when` (tests/test_i18n.py holds both forms).


def _clock(dt: datetime) -> str:
    return babel_dates.format_time(local(dt), format="H:mm", locale=_current.get(), tzinfo=_tz)


def format_day(d: date | datetime, *, year: bool = True, weekday: bool = True) -> str:
    """ "thứ Năm, ngày 3/12/2026" / "Thursday 3 December 2026" (Hanoi's date of a moment);
    without the weekday "ngày 3/12/2026" / "3 December 2026"."""
    if isinstance(d, datetime):
        d = local(d).date()
    locale = _current.get()
    if locale == "vi":
        day = f"ngày {d.day}/{d.month}" + (f"/{d.year}" if year else "")
        if not weekday:
            return day
        name = babel_dates.format_date(d, format="EEEE", locale=locale)
        return f"{name[:1].lower()}{name[1:]}, {day}"  # "Thứ Năm" → "thứ Năm" mid-sentence
    day = babel_dates.format_date(d, format="d MMMM y" if year else "d MMMM", locale=locale)
    if not weekday:
        return day
    return babel_dates.format_date(d, format="EEEE", locale=locale) + " " + day


def format_when(starts_at: datetime, ends_at: datetime | None = None, *, year: bool = True) -> str:
    """ "9:00–9:30, thứ Năm, ngày 3/12/2026": the time first, then the day (Hanoi time)."""
    times = _clock(starts_at) + (f"–{_clock(ends_at)}" if ends_at is not None else "")
    return f"{times}, {format_day(starts_at, year=year)}"
