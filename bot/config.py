"""Configuration: `config.toml` defaults, `TROLYSO_…` environment overrides, one validation.

Every key is declared once in `SCHEMA` with its type, check and the form it expects, and read
through typed, frozen sections (`config.bot.timezone` is a `str`, `config.channels.telegram`
a `TelegramSettings`). A missing or wrong value raises `ConfigError` naming the key; the file
is never rewritten. Each messenger has its table under `[channels]`; the keys of earlier
releases (`[telegram]`, `rate_limits.telegram_*`) still work, each with a warning naming its
new key (`Config.deprecations`, logged at start).
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError
from bot.officers.accounts import is_account

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
    # Used when neither the file nor the environment gives the key (a key added after
    # deployments' config files were written); None: the key is required.
    default: Any = None

    @property
    def env(self) -> str:
        return env_name(self.key)


def _url(*schemes: str) -> Check:
    return lambda v: any(v.startswith(s + "://") for s in schemes) and len(v) > 8


def _tz(v: str) -> bool:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _network(text: str) -> bool:
    try:
        ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return False
    return True


def _between(lo: float, hi: float) -> Check:
    return lambda v: lo <= v <= hi


def _hhmm(v: str) -> bool:
    m = re.fullmatch(r"(\d\d):(\d\d)", v)
    return m is not None and int(m[1]) < 24 and int(m[2]) < 60


_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_UNIT_IDS = r"[a-z0-9]+(?:-[a-z0-9]+)*(?:\s*,\s*[a-z0-9]+(?:-[a-z0-9]+)*)*"
_OFFICER_UNITS = re.compile(r"\s*" + _UNIT_IDS + r"\s*")


def _officer_accounts(v: list[Any]) -> bool:
    return all(isinstance(item, str) and is_account(item) for item in v)


def _officer_entries(v: list[Any]) -> bool:
    """Each "ACCOUNT:unit-id,unit-id": the units after the last colon."""
    for item in v:
        account, sep, units = str(item).rpartition(":")
        if not (isinstance(item, str) and sep and is_account(account)):
            return False
        if not _OFFICER_UNITS.fullmatch(units):
            return False
    return True


def _all_match(pattern: re.Pattern[str]) -> Check:
    return lambda v: all(pattern.fullmatch(item) for item in v)


_BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{2,29}[Bb][Oo][Tt]")
_ZALO_SIGNATURE_PARTS = {"app_id", "oa_id", "body", "timestamp", "oa_secret_key", "app_secret_key"}


def _zalo_id(v: str) -> bool:
    return v == "" or bool(re.fullmatch(r"\d{1,32}", v))


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
        "channels.telegram.token",
        str,
        "the bot token from @BotFather (digits:letters), or empty for the terminal chat",
        lambda v: v == "" or bool(re.fullmatch(r"\d+:[\w-]{20,}", v)),
        secret=True,
    ),
    Setting(
        "channels.telegram.bot_username",
        str,
        "the bot's username from @BotFather without the @ "
        "(5-32 letters, digits or _, ending in bot), or empty",
        lambda v: v == "" or bool(_BOT_USERNAME.fullmatch(v)),
    ),
    Setting(
        "channels.telegram.api_base_url",
        str,
        "an http(s) URL such as https://api.telegram.org/bot",
        _url("http", "https"),
    ),
    Setting(
        "channels.telegram.api_file_url",
        str,
        "an http(s) URL such as https://api.telegram.org/file/bot",
        _url("http", "https"),
    ),
    Setting(
        "channels.telegram.poll_timeout_seconds",
        int,
        "whole seconds from 0 to 600",
        _between(0, 600),
    ),
    Setting(
        "channels.telegram.max_concurrent_updates",
        int,
        "a whole number from 1 to 4096",
        _between(1, 4096),
    ),
    Setting(
        "channels.telegram.connection_pool_size",
        int,
        "a whole number from 1 to 1000",
        _between(1, 1000),
    ),
    Setting(
        "channels.telegram.max_document_bytes",
        int,
        "bytes from 1024 to 20971520 (Telegram lets bots download at most 20 MB)",
        _between(1024, 20971520),
    ),
    # Zalo Official Account (README "Zalo Official Account"; bot/channels/zalo/settings.py
    # says which of these facts are unconfirmed and why they are settings).
    Setting("channels.zalo.app_id", str, "the Zalo app's id (digits), or empty", _zalo_id),
    Setting(
        "channels.zalo.app_secret_key",
        str,
        "the Zalo app's secret key, or empty",
        lambda v: len(v) <= 256,
        secret=True,
    ),
    Setting(
        "channels.zalo.oa_secret_key",
        str,
        "the OA secret key from the app's Webhook page, or empty",
        lambda v: len(v) <= 256,
        secret=True,
    ),
    Setting("channels.zalo.oa_id", str, "the Official Account's id (digits), or empty", _zalo_id),
    Setting(
        "channels.zalo.redirect_uri",
        str,
        "the https redirect URI registered for OA authorisation, or empty",
        lambda v: v == "" or _url("https", "http")(v),
    ),
    Setting(
        "channels.zalo.api_base_url",
        str,
        "an http(s) URL such as https://openapi.zalo.me",
        _url("http", "https"),
    ),
    Setting(
        "channels.zalo.oauth_base_url",
        str,
        "an http(s) URL such as https://oauth.zaloapp.com",
        _url("http", "https"),
    ),
    Setting(
        "channels.zalo.zns_base_url",
        str,
        "an http(s) URL such as https://business.openapi.zalo.me",
        _url("http", "https"),
    ),
    Setting(
        "channels.zalo.webhook_path",
        str,
        "a URL path starting with /, other than webhook.path",
        lambda v: v.startswith("/"),
    ),
    Setting(
        "channels.zalo.signature_parts",
        list,
        "the parts the webhook signature hashes, in order, from: app_id, oa_id, body, "
        'timestamp, oa_secret_key, app_secret_key (e.g. ["app_id", "body", "timestamp", '
        '"oa_secret_key"])',
        lambda v: bool(v) and set(v) <= _ZALO_SIGNATURE_PARTS,
    ),
    Setting(
        "channels.zalo.signature_timestamp_from",
        str,
        "body or header",
        lambda v: v in ("body", "header"),
    ),
    Setting(
        "channels.zalo.max_text_chars",
        int,
        "a whole number from 100 to 10000",
        _between(100, 10000),
    ),
    Setting(
        "channels.zalo.file_extensions",
        list,
        'file extensions Zalo takes as files, e.g. ["pdf", "doc", "docx"]',
        lambda v: all(re.fullmatch(r"[a-z0-9]{1,8}", x) for x in v),
    ),
    Setting("channels.zalo.free_window_hours", float, "hours from 1 to 720", _between(1, 720)),
    Setting("channels.zalo.free_messages", int, "a whole number from 0 to 100", _between(0, 100)),
    Setting("channels.zalo.window_days", float, "days from 0 to 30", _between(0, 30)),
    Setting("channels.zalo.quiet_start", str, "a time of day HH:MM, e.g. 22:00", _hhmm),
    Setting("channels.zalo.quiet_end", str, "a time of day HH:MM, e.g. 06:00", _hhmm),
    Setting(
        "channels.zalo.zns_templates",
        list,
        'a list of "KIND=TEMPLATE_ID" strings, e.g. ["reminder=123456"]; in '
        "TROLYSO_CHANNELS_ZALO_ZNS_TEMPLATES: entries separated by commas",
        lambda v: all(re.fullmatch(r"[a-z_]{1,32}=[\w-]{1,64}", x) for x in v),
    ),
    Setting(
        "channels.zalo.per_second",
        float,
        "messages per second, from 0.1 to 1000",
        _between(0.1, 1000),
    ),
    Setting(
        "channels.zalo.info_form_image_url",
        str,
        "empty, or an https URL of the picture on the phone-number form",
        lambda v: not v or v.startswith("https://"),
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
    Setting("web.listen_host", str, "a host name or IP address to listen on", bool),
    Setting(
        "web.listen_port", int, "a TCP port from 0 to 65535 (0: any free port)", _between(0, 65535)
    ),
    Setting(
        "web.public_url",
        str,
        "the http(s) address officers open, e.g. https://ward.example.vn "
        "(without /web), or empty to switch the officer pages off",
        lambda v: v == "" or (_url("https", "http")(v) and not v.endswith("/")),
    ),
    Setting("web.session_hours", int, "whole hours from 1 to 720", _between(1, 720)),
    Setting(
        "web.trusted_proxies",
        list,
        'IP addresses or networks of your reverse proxies, e.g. ["127.0.0.1", "10.0.0.0/8"] '
        "(empty: X-Forwarded-For is never read); in TROLYSO_WEB_TRUSTED_PROXIES: separated "
        "by commas",
        lambda v: all(_network(x) for x in v),
    ),
    Setting(
        "channels.telegram.per_second",
        float,
        "messages per second, from 0.1 to 1000",
        _between(0.1, 1000),
    ),
    Setting(
        "channels.telegram.per_chat_per_second",
        float,
        "messages per second to one chat, from 0.01 to 100",
        _between(0.01, 100),
    ),
    Setting("channels.telegram.paid_broadcast", bool, "true or false", lambda v: True),
    Setting(
        "channels.telegram.paid_per_second",
        float,
        "paid messages per second, from 1 to 1000",
        _between(1, 1000),
    ),
    Setting(
        "rate_limits.interactive_headroom",
        float,
        "a share of each channel's per_second from 0 "
        "to 0.9 that the outbox leaves for replies to people writing now",
        _between(0.0, 0.9),
    ),
    Setting("outbox.sweep_every_seconds", float, "seconds from 0.1 to 60", _between(0.1, 60)),
    Setting("outbox.max_in_flight", int, "a whole number from 1 to 64", _between(1, 64)),
    Setting("outbox.lease_seconds", int, "whole seconds from 10 to 3600", _between(10, 3600)),
    Setting("inbox.lease_seconds", int, "whole seconds from 2 to 3600", _between(2, 3600)),
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
        'a list of accounts "CHANNEL:ID" in quotes, e.g. ["telegram:123456789", '
        '"zalo:6142494823000000000"] (a bare number is a Telegram user id); in '
        "TROLYSO_OFFICERS_ADMINS: accounts separated by commas, e.g. "
        "telegram:123456789,zalo:6142494823000000000",
        _officer_accounts,
    ),
    Setting(
        "officers.officers",
        list,
        'a list of "CHANNEL:ID:unit-id,unit-id" strings, e.g. '
        '["telegram:123456789:hoan-kiem,cua-nam"] (a bare number is a Telegram user id: '
        '"123456789:hoan-kiem"); in TROLYSO_OFFICERS_OFFICERS: entries separated by '
        "semicolons, e.g. telegram:123456789:hoan-kiem,cua-nam;zalo:6142494823000000000:ba-dinh",
        _officer_entries,
        sep=";",
    ),
    Setting("booking.horizon_days", int, "whole days from 1 to 365", _between(1, 365)),
    Setting(
        "schedule.min_notice_hours",
        float,
        "hours from 0 to 168",
        _between(0, 168),
        default=12.0,
    ),
    Setting("booking.retention_days", int, "whole days from 1 to 3650", _between(1, 3650)),
    Setting(
        "handoff.announce_every_minutes",
        int,
        "whole minutes from 1 to 1440",
        _between(1, 1440),
    ),
    Setting("handoff.escalate_after_hours", float, "hours from 0.5 to 168", _between(0.5, 168)),
    Setting("handoff.retention_days", int, "whole days from 1 to 3650", _between(1, 3650)),
    Setting(
        "handoff.office_hours",
        str,
        "HH:MM-HH:MM, e.g. 08:00-17:00 (Monday to Friday, for units whose points files give "
        "no hours)",
        lambda v: (
            bool(re.fullmatch(r"\d\d:\d\d-\d\d:\d\d", v))
            and all(_hhmm(x) for x in v.split("-"))
            and v.split("-")[0] < v.split("-")[1]
        ),
    ),
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

# Keys of earlier releases, still read (with a warning naming the new key) so that an
# upgrade does not stop a running deployment; both forms at once is an error.
RENAMED: dict[str, str] = {
    **{
        f"telegram.{name}": f"channels.telegram.{name}"
        for name in (
            "token",
            "bot_username",
            "api_base_url",
            "api_file_url",
            "poll_timeout_seconds",
            "max_concurrent_updates",
            "connection_pool_size",
            "max_document_bytes",
        )
    },
    "rate_limits.telegram_per_second": "channels.telegram.per_second",
    "rate_limits.telegram_per_chat_per_second": "channels.telegram.per_chat_per_second",
}


def env_name(key: str) -> str:
    return ENV_PREFIX + key.replace(".", "_").upper()


# --- the typed sections: what the program reads (`config.bot.timezone`, an `int`) ---------


@dataclass(frozen=True, slots=True)
class BotSettings:
    default_locale: str
    timezone: str
    idle_timeout_minutes: int
    max_text_chars: int


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    url: str


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    token: str
    bot_username: str
    api_base_url: str
    api_file_url: str
    poll_timeout_seconds: int
    max_concurrent_updates: int
    connection_pool_size: int
    max_document_bytes: int
    per_second: float
    per_chat_per_second: float
    paid_broadcast: bool
    paid_per_second: float


@dataclass(frozen=True, slots=True)
class ZaloConfigSettings:
    app_id: str
    app_secret_key: str = field(repr=False)
    oa_secret_key: str = field(repr=False)
    oa_id: str
    redirect_uri: str
    api_base_url: str
    oauth_base_url: str
    zns_base_url: str
    webhook_path: str
    signature_parts: tuple[str, ...]
    signature_timestamp_from: str
    max_text_chars: int
    file_extensions: tuple[str, ...]
    free_window_hours: float
    free_messages: int
    window_days: float
    quiet_start: str
    quiet_end: str
    zns_templates: tuple[str, ...]
    per_second: float
    info_form_image_url: str = ""


@dataclass(frozen=True, slots=True)
class ChannelsSettings:
    telegram: TelegramSettings
    zalo: ZaloConfigSettings


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    listen_host: str
    listen_port: int
    path: str
    public_url: str
    secret_token: str
    max_body_bytes: int


@dataclass(frozen=True, slots=True)
class RateLimitSettings:
    interactive_headroom: float


@dataclass(frozen=True, slots=True)
class InboxSettings:
    lease_seconds: int


@dataclass(frozen=True, slots=True)
class OutboxSettings:
    sweep_every_seconds: float
    max_in_flight: int
    lease_seconds: int
    max_attempts: int
    retry_base_seconds: float


@dataclass(frozen=True, slots=True)
class ReminderSettings:
    day_before_hour: str
    hours_before: float
    quiet_hours_start: str
    quiet_hours_end: str


@dataclass(frozen=True, slots=True)
class PathSettings:
    content: str
    locales: str
    pid_file: str
    search_cache: str


@dataclass(frozen=True, slots=True)
class ContentSettings:
    checked_max_age_days: int


@dataclass(frozen=True, slots=True)
class OfficerSettings:
    admins: tuple[str, ...]
    officers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BookingSettings:
    horizon_days: int
    retention_days: int


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    min_notice_hours: float


@dataclass(frozen=True, slots=True)
class BroadcastSettings:
    progress_every_seconds: int


@dataclass(frozen=True, slots=True)
class WebSettings:
    """The officers' web pages (bot/web/)."""

    listen_host: str
    listen_port: int
    public_url: str
    session_hours: int
    trusted_proxies: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HandoffSettings:
    announce_every_minutes: int
    escalate_after_hours: float
    retention_days: int
    office_hours: str


@dataclass(frozen=True, slots=True)
class LoggingSettings:
    level: str


# Each top-level table of config.toml and its type; a field whose type is itself one of these
# dataclasses is a nested table (`[channels.telegram]`).
SECTIONS: dict[str, type] = {
    "bot": BotSettings,
    "database": DatabaseSettings,
    "channels": ChannelsSettings,
    "webhook": WebhookSettings,
    "web": WebSettings,
    "rate_limits": RateLimitSettings,
    "inbox": InboxSettings,
    "outbox": OutboxSettings,
    "reminders": ReminderSettings,
    "paths": PathSettings,
    "content": ContentSettings,
    "officers": OfficerSettings,
    "booking": BookingSettings,
    "schedule": ScheduleSettings,
    "broadcasts": BroadcastSettings,
    "handoff": HandoffSettings,
    "logging": LoggingSettings,
}


def _build(cls: type, prefix: str, values: Mapping[str, Any]) -> Any:
    hints = get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        key = f"{prefix}.{f.name}"
        kind = hints[f.name]
        if is_dataclass(kind):
            kwargs[f.name] = _build(kind, key, values)  # type: ignore[arg-type]
        else:
            value = values[key]
            kwargs[f.name] = tuple(value) if isinstance(value, list) else value
    return cls(**kwargs)


def typed_keys() -> list[str]:
    """Every key the typed sections read: the same set as SCHEMA (a test checks)."""

    def walk(cls: type, prefix: str) -> list[str]:
        hints = get_type_hints(cls)
        keys: list[str] = []
        for f in fields(cls):
            kind = hints[f.name]
            key = f"{prefix}.{f.name}"
            keys += walk(kind, key) if is_dataclass(kind) else [key]  # type: ignore[arg-type]
        return keys

    return [k for name, cls in SECTIONS.items() for k in walk(cls, name)]


class Config:
    """The validated settings, one typed attribute per table of config.toml."""

    bot: BotSettings
    database: DatabaseSettings
    channels: ChannelsSettings
    webhook: WebhookSettings
    web: WebSettings
    rate_limits: RateLimitSettings
    inbox: InboxSettings
    outbox: OutboxSettings
    reminders: ReminderSettings
    paths: PathSettings
    content: ContentSettings
    officers: OfficerSettings
    booking: BookingSettings
    schedule: ScheduleSettings
    broadcasts: BroadcastSettings
    handoff: HandoffSettings
    logging: LoggingSettings

    def __init__(
        self,
        values: dict[str, Any],
        base_dir: Path,
        source: Path | None,
        deprecations: tuple[str, ...] = (),
    ):
        self._values = values
        self.base_dir = base_dir
        self.source = source
        # One line per old key still in use, for the operator (logged at start).
        self.deprecations = deprecations
        for section, cls in SECTIONS.items():
            setattr(self, section, _build(cls, section, values))
        self.tz = ZoneInfo(self.bot.timezone)

    def path(self, key: str) -> Path:
        p = Path(self._values[key])
        return p if p.is_absolute() else self.base_dir / p

    def replace(self, **changes: Any) -> Config:
        """A copy with some keys changed (`database__url=...`,
        `channels__telegram__token=...`), validated again."""
        values = dict(self._values)
        for k, v in changes.items():
            key = k.replace("__", ".")
            if key not in _BY_KEY:
                raise ConfigError(f"config: unknown key {key}")
            values[key] = v
        _validate(values)
        return Config(values, self.base_dir, self.source, self.deprecations)


def _coerce(setting: Setting, raw: Any, origin: str) -> Any:
    if setting.kind is list:
        if isinstance(raw, str):  # an environment variable: items on one line
            raw = [item.strip() for item in raw.split(setting.sep) if item.strip()]
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise ConfigError(_wrong(setting, raw, origin))
        return raw
    if setting.kind is bool:
        if isinstance(raw, str):  # an environment variable
            raw = {"true": True, "1": True, "false": False, "0": False}.get(raw.strip().lower())
        if not isinstance(raw, bool):
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
    deprecations: list[str] = []
    for key, value in _flatten(data, path):
        new = RENAMED.get(key)
        if new is not None:
            deprecations.append(f"config: {key} in {path} is deprecated; name it {new}")
            if new in _keys_in(data):
                raise ConfigError(f"config: both {key} and {new} in {path}; keep only {new}")
            key = new
        if key not in _BY_KEY:
            raise ConfigError(f"config: unknown key {key} in {path}")
        flat[key] = (value, str(path))
    old_env = {new: old for old, new in RENAMED.items()}
    for setting in SCHEMA:
        if setting.env in environ:
            flat[setting.key] = (environ[setting.env], setting.env)
        elif setting.key in old_env and env_name(old_env[setting.key]) in environ:
            old = env_name(old_env[setting.key])
            deprecations.append(f"config: {old} is deprecated; name it {setting.env}")
            flat[setting.key] = (environ[old], old)
    values: dict[str, Any] = {}
    for setting in SCHEMA:
        if setting.key not in flat and setting.default is not None:
            values[setting.key] = setting.default
            continue
        if setting.key not in flat:
            raise ConfigError(f"config: {setting.key} is missing; it must be {setting.form}")
        raw, origin = flat[setting.key]
        value = _coerce(setting, raw, origin)
        if not setting.check(value):
            raise ConfigError(_wrong(setting, value, origin))
        values[setting.key] = value
    return Config(values, path.resolve().parent, path, tuple(deprecations))


def _flatten(data: dict[str, Any], path: Path, prefix: str = "") -> list[tuple[str, Any]]:
    """("channels.telegram.token", value) for every key of the file's tables."""
    found: list[tuple[str, Any]] = []
    for name, value in data.items():
        key = f"{prefix}{name}"
        if not prefix and not isinstance(value, dict):
            raise ConfigError(f"config: {key} must be a [table] in {path}")
        if isinstance(value, dict) and key not in _BY_KEY:
            found += _flatten(value, path, key + ".")
        else:
            found.append((key, value))
    return found


def _keys_in(data: dict[str, Any]) -> set[str]:
    return {key for key, _value in _flatten(data, Path("-"))}
