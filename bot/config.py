"""Configuration: `config.toml` defaults, `TROLYSO_…` environment overrides, one validation.

Every key is declared once in `SCHEMA` with its type, check and the form it expects. A
missing or wrong value raises `ConfigError` naming the key; the file is never rewritten.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError

LOCALES = ("vi", "en")
ENV_PREFIX = "TROLYSO_"

Check = Callable[[Any], bool]


@dataclass(frozen=True)
class Setting:
    key: str  # "section.name"
    kind: type
    form: str  # the expected form, said to the operator when the value is wrong
    check: Check = lambda v: True
    secret: bool = False
    # For kind=list: the separator of items in the environment variable's one-line value.
    sep: str = ","

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.key.replace(".", "_").upper()


def _url(*schemes: str) -> Check:
    return lambda v: any(v.startswith(s + "://") for s in schemes) and len(v) > 8


def _tz(v: str) -> bool:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _between(lo: float, hi: float) -> Check:
    return lambda v: lo <= v <= hi


def _hhmm(v: str) -> bool:
    m = re.fullmatch(r"(\d\d):(\d\d)", v)
    return bool(m) and int(m[1]) < 24 and int(m[2]) < 60


_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_TELEGRAM_ID = re.compile(r"[1-9]\d{0,19}")
_UNIT_IDS = r"[a-z0-9]+(?:-[a-z0-9]+)*(?:\s*,\s*[a-z0-9]+(?:-[a-z0-9]+)*)*"
_OFFICER_ENTRY = re.compile(r"\s*[1-9]\d{0,19}\s*:\s*" + _UNIT_IDS + r"\s*")


def _all_match(pattern: re.Pattern[str]) -> Check:
    return lambda v: all(pattern.fullmatch(item) for item in v)


_BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{2,29}[Bb][Oo][Tt]")

SCHEMA: tuple[Setting, ...] = (
    Setting("bot.default_locale", str, "one of: vi, en", lambda v: v in LOCALES),
    Setting("bot.timezone", str, "an IANA time zone such as Asia/Ho_Chi_Minh", _tz),
    Setting("bot.idle_timeout_minutes", int, "whole minutes from 1 to 10080", _between(1, 10080)),
    Setting("bot.max_text_chars", int, "a whole number from 100 to 100000", _between(100, 100000)),
    Setting(
        "database.url",
        str,
        "an SQLAlchemy async URL: sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB",
        _url("sqlite+aiosqlite", "postgresql+asyncpg"),
        secret=True,
    ),
    Setting(
        "telegram.token",
        str,
        "the bot token from @BotFather (digits:letters), or empty for the terminal chat",
        lambda v: v == "" or bool(re.fullmatch(r"\d+:[\w-]{20,}", v)),
        secret=True,
    ),
    Setting(
        "telegram.bot_username",
        str,
        "the bot's username from @BotFather without the @ "
        "(5-32 letters, digits or _, ending in bot), or empty",
        lambda v: v == "" or bool(_BOT_USERNAME.fullmatch(v)),
    ),
    Setting(
        "telegram.api_base_url",
        str,
        "an http(s) URL such as https://api.telegram.org/bot",
        _url("http", "https"),
    ),
    Setting(
        "telegram.api_file_url",
        str,
        "an http(s) URL such as https://api.telegram.org/file/bot",
        _url("http", "https"),
    ),
    Setting("telegram.poll_timeout_seconds", int, "whole seconds from 0 to 600", _between(0, 600)),
    Setting(
        "telegram.max_concurrent_updates", int, "a whole number from 1 to 4096", _between(1, 4096)
    ),
    Setting(
        "telegram.connection_pool_size", int, "a whole number from 1 to 1000", _between(1, 1000)
    ),
    Setting(
        "telegram.max_document_bytes",
        int,
        "bytes from 1024 to 20971520 (Telegram lets bots download at most 20 MB)",
        _between(1024, 20971520),
    ),
    Setting("webhook.listen_host", str, "a host name or IP address to listen on", bool),
    Setting("webhook.listen_port", int, "a TCP port from 1 to 65535", _between(1, 65535)),
    Setting("webhook.path", str, "a URL path starting with /", lambda v: v.startswith("/")),
    Setting(
        "webhook.public_url",
        str,
        "the public https URL Telegram posts to, or empty to set the webhook yourself",
        lambda v: v == "" or _url("https", "http")(v),
    ),
    Setting(
        "webhook.secret_token",
        str,
        "1-256 characters of A-Z a-z 0-9 _ - (required for webhook mode)",
        lambda v: v == "" or bool(_SECRET_TOKEN.fullmatch(v)),
        secret=True,
    ),
    Setting(
        "webhook.max_body_bytes", int, "bytes from 1024 to 52428800", _between(1024, 52428800)
    ),
    Setting(
        "rate_limits.telegram_per_second",
        float,
        "messages per second, from 0.1 to 1000",
        _between(0.1, 1000),
    ),
    Setting(
        "rate_limits.telegram_per_chat_per_second",
        float,
        "messages per second to one chat, from 0.01 to 100",
        _between(0.01, 100),
    ),
    Setting(
        "rate_limits.interactive_headroom",
        float,
        "a share of telegram_per_second from 0 "
        "to 0.9 that the outbox leaves for replies to people writing now",
        _between(0.0, 0.9),
    ),
    Setting("outbox.sweep_every_seconds", float, "seconds from 0.1 to 60", _between(0.1, 60)),
    Setting("outbox.max_in_flight", int, "a whole number from 1 to 64", _between(1, 64)),
    Setting("outbox.lease_seconds", int, "whole seconds from 10 to 3600", _between(10, 3600)),
    Setting("outbox.max_attempts", int, "a whole number from 1 to 20", _between(1, 20)),
    Setting("outbox.retry_base_seconds", float, "seconds from 1 to 3600", _between(1, 3600)),
    Setting("reminders.day_before_hour", str, "a time of day HH:MM, e.g. 17:00", _hhmm),
    Setting("reminders.hours_before", float, "hours from 0.5 to 12", _between(0.5, 12)),
    Setting("reminders.quiet_hours_start", str, "a time of day HH:MM, e.g. 21:00", _hhmm),
    Setting("reminders.quiet_hours_end", str, "a time of day HH:MM, e.g. 07:00", _hhmm),
    Setting("paths.content", str, "a folder path (relative paths are from the config file)", bool),
    Setting("paths.locales", str, "a folder path (relative paths are from the config file)", bool),
    Setting("paths.pid_file", str, "a file path (relative paths are from the config file)", bool),
    Setting(
        "paths.search_cache", str, "a folder path (relative paths are from the config file)", bool
    ),
    Setting("content.checked_max_age_days", int, "whole days from 1 to 3650", _between(1, 3650)),
    Setting(
        "officers.admins",
        list,
        "a list of Telegram user ids in quotes, e.g. "
        '["123456789"]; in TROLYSO_OFFICERS_ADMINS: ids separated by commas, e.g. '
        "123456789,987654321",
        _all_match(_TELEGRAM_ID),
    ),
    Setting(
        "officers.officers",
        list,
        'a list of "TELEGRAM_USER_ID:unit-id,unit-id" strings, '
        'e.g. ["123456789:hoan-kiem,cua-nam"]; in TROLYSO_OFFICERS_OFFICERS: entries '
        "separated by semicolons, e.g. 123456789:hoan-kiem,cua-nam;987654321:ba-dinh",
        _all_match(_OFFICER_ENTRY),
        sep=";",
    ),
    Setting("booking.horizon_days", int, "whole days from 1 to 365", _between(1, 365)),
    Setting("booking.retention_days", int, "whole days from 1 to 3650", _between(1, 3650)),
    Setting(
        "broadcasts.progress_every_seconds", int, "whole seconds from 5 to 3600", _between(5, 3600)
    ),
    Setting(
        "logging.level",
        str,
        "one of: DEBUG, INFO, WARNING, ERROR",
        lambda v: v in ("DEBUG", "INFO", "WARNING", "ERROR"),
    ),
)

_BY_KEY = {s.key: s for s in SCHEMA}


class Section(Mapping[str, Any]):
    """One table of the config; values read as attributes (`config.bot.timezone`)."""

    def __init__(self, values: dict[str, Any]):
        self._values = dict(values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


class Config:
    def __init__(self, values: dict[str, Any], base_dir: Path, source: Path | None):
        self._values = values
        self.base_dir = base_dir
        self.source = source
        sections: dict[str, dict[str, Any]] = {}
        for key, value in values.items():
            section, name = key.split(".", 1)
            sections.setdefault(section, {})[name] = value
        for section, items in sections.items():
            setattr(self, section, Section(items))

    def get(self, key: str) -> Any:
        return self._values[key]

    def path(self, key: str) -> Path:
        p = Path(self._values[key])
        return p if p.is_absolute() else self.base_dir / p

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self._values["bot.timezone"])

    def replace(self, **changes: Any) -> Config:
        """A copy with some keys changed (`database__url=...`), validated again."""
        values = dict(self._values)
        for k, v in changes.items():
            values[k.replace("__", ".")] = v
        _validate(values)
        return Config(values, self.base_dir, self.source)


def _coerce(setting: Setting, raw: Any, origin: str) -> Any:
    if setting.kind is list:
        if isinstance(raw, str):  # an environment variable: items on one line
            raw = [item.strip() for item in raw.split(setting.sep) if item.strip()]
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise ConfigError(_wrong(setting, raw, origin))
        return raw
    if setting.kind is float and isinstance(raw, int) and not isinstance(raw, bool):
        raw = float(raw)
    if isinstance(raw, str) and setting.kind is not str:
        try:
            raw = setting.kind(raw.strip())
        except ValueError:
            raise ConfigError(_wrong(setting, raw, origin)) from None
    if not isinstance(raw, setting.kind) or isinstance(raw, bool):
        raise ConfigError(_wrong(setting, raw, origin))
    return raw


def _wrong(setting: Setting, raw: Any, origin: str) -> str:
    shown = "(hidden)" if setting.secret else repr(raw)
    return f"config: {setting.key} (from {origin}) must be {setting.form}; got {shown}"


def _validate(values: dict[str, Any]) -> None:
    for key, value in values.items():
        setting = _BY_KEY[key]
        if not setting.check(value):
            raise ConfigError(_wrong(setting, value, "settings"))


def default_config_path() -> Path:
    return Path(os.environ.get(ENV_PREFIX + "CONFIG", "config.toml"))


def load(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the file, apply environment overrides, validate every key."""
    path = path or default_config_path()
    environ = os.environ if environ is None else environ
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"config: file {path} not found (pass --config PATH)") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config: {path} is not valid TOML: {e}") from None

    flat: dict[str, tuple[Any, str]] = {}
    for section, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(f"config: {section} must be a [table] in {path}")
        for name, value in table.items():
            key = f"{section}.{name}"
            if key not in _BY_KEY:
                raise ConfigError(f"config: unknown key {key} in {path}")
            flat[key] = (value, str(path))
    for setting in SCHEMA:
        if setting.env in environ:
            flat[setting.key] = (environ[setting.env], setting.env)
    values: dict[str, Any] = {}
    for setting in SCHEMA:
        if setting.key not in flat:
            raise ConfigError(f"config: {setting.key} is missing; it must be {setting.form}")
        raw, origin = flat[setting.key]
        value = _coerce(setting, raw, origin)
        if not setting.check(value):
            raise ConfigError(_wrong(setting, value, origin))
        values[setting.key] = value
    return Config(values, path.resolve().parent, path)
