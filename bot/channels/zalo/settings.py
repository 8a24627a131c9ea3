"""Every Zalo setting in one frozen object, with defaults from the facts file.

Several Zalo facts are unconfirmed (no official page was found; see
../shared/facts/channels.md §4): the signature formula, the text limit, the payload limit, the
reply-window numbers, the file types the OA accepts. Each is a setting here rather than a
constant, so an operator who checks it against a real OA can change it without a release.

The operator's values come from `[channels.zalo]` in config.toml (`from_config`; environment
TROLYSO_CHANNELS_ZALO_<KEY>); the finer limits keep the defaults here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import TYPE_CHECKING

from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.config import Config

# What the signature hashes, in order. Names: app_id, body, timestamp, oa_secret_key,
# oa_id (the recipient OA, used by some integrators instead of the app id), app_secret_key.
SIGNATURE_PARTS = ("app_id", "body", "timestamp", "oa_secret_key")
KNOWN_SIGNATURE_PARTS = {"app_id", "oa_id", "body", "timestamp", "oa_secret_key", "app_secret_key"}


@dataclass(frozen=True)
class ZaloSettings:
    # The Zalo app (developers.zalo.me) that the OA authorised.
    app_id: str = ""
    # The app's secret: sent as the `secret_key` header to the OAuth token endpoint.
    app_secret_key: str = field(default="", repr=False)
    # The OA secret key from the app's Webhook page: the last part of the webhook signature.
    oa_secret_key: str = field(default="", repr=False)
    # The OA's own id (the `recipient.id` of events): used when signature_parts names oa_id.
    oa_id: str = ""
    # Where Zalo sends the browser after the OA admin grants access (registered in the app).
    redirect_uri: str = ""
    # API hosts (our tests point them at a fake server).
    api_base_url: str = "https://openapi.zalo.me"
    oauth_base_url: str = "https://oauth.zaloapp.com"
    zns_base_url: str = "https://business.openapi.zalo.me"
    # The webhook's path on the bot's web server.
    webhook_path: str = "/zalo"
    # Signature: parts hashed in order; "body" takes the timestamp from the JSON body or
    # from the X-ZEvent-Timestamp header ("header"), as one integrator does [unconfirmed].
    signature_parts: tuple[str, ...] = SIGNATURE_PARTS
    signature_timestamp_from: str = "body"
    # Larger webhook bodies are refused (413). Zalo's events are small JSON objects.
    max_body_bytes: int = 262_144
    # Content types a webhook request may have; anything else is refused (415).
    accepted_content_types: tuple[str, ...] = ("application/json",)
    # Button presses come back as text: payloads get this prefix so a press is told apart
    # from typing (facts: ChatbotX uses "postback_"; ours is shorter).
    payload_prefix: str = "#b:"
    # Longest payload text we send, prefix included [unconfirmed: the limit is unknown].
    max_payload_chars: int = 100
    # At most 5 buttons, titles of at most 20 characters [code: PHP SDK MessageBuilder.php].
    max_buttons: int = 5
    max_button_title: int = 20
    # An answer to what the user just wrote names their message (`recipient.message_id`):
    # Zalo counts a message with only `user_id` as proactive (Freshdesk article 64000261136)
    # and `message_id` is a recipient form in the PHP SDK (`MessageBuilder::withMessageId`).
    # Whether v3 takes it is unconfirmed: a refusal (−201) is resent once by `user_id`.
    reply_by_message_id: bool = True
    # Longest text of one message [unconfirmed: 2000 is what integrators use].
    max_text_chars: int = 2000
    # Documents are uploaded only with these extensions (PDF/DOC are documented; whether .ics
    # is accepted is unknown): others get the text fallback at once, without a refused upload.
    file_extensions: tuple[str, ...] = ("pdf", "doc", "docx")
    # A map link for a location, {lat} and {lon} filled in.
    map_url: str = "https://www.google.com/maps/search/?api=1&query={lat},{lon}"
    # Tokens: refresh this long before the access token expires; how long the refresh token
    # lives when the answer does not say (about 3 months per the facts file) [secondary].
    refresh_ahead_seconds: int = 3600
    refresh_token_days: int = 90
    # How long one process may hold the refresh lease before another may take it over.
    refresh_lease_seconds: int = 60
    # Rate limit (-32) and server trouble (-100): tries and the first wait, doubled each time.
    retry_attempts: int = 3
    retry_base_seconds: float = 1.0
    # The reply window (see window.py) [unconfirmed: sources disagree].
    free_window_hours: float = 48.0
    free_messages: int = 8
    window_days: float = 7.0
    # No sends from quiet_start to quiet_end, Hanoi time (error -234) [code].
    quiet_start: time = time(22, 0)
    quiet_end: time = time(6, 0)
    timezone: str = "Asia/Ho_Chi_Minh"
    # Messages per second to Zalo [unconfirmed: one write-up claims 20 send requests/s].
    per_second: float = 10.0
    # ZNS template id per kind of proactive message ("reminder", "schedule_change", ...).
    zns_templates: Mapping[str, str] = field(default_factory=dict)
    # The picture on the `request_user_info` form (render.py); whether Zalo requires one is
    # unknown [unconfirmed]: empty sends the form without it.
    info_form_image_url: str = ""

    def __post_init__(self) -> None:
        unknown = set(self.signature_parts) - KNOWN_SIGNATURE_PARTS
        if unknown or not self.signature_parts:
            raise ConfigError(
                f"config: channels.zalo.signature_parts must name parts from "
                f"{', '.join(sorted(KNOWN_SIGNATURE_PARTS))}; got {', '.join(sorted(unknown))}"
            )
        if self.signature_timestamp_from not in ("body", "header"):
            raise ConfigError(
                "config: channels.zalo.signature_timestamp_from must be body or header"
            )
        if not self.payload_prefix.isascii() or not self.payload_prefix:
            raise ConfigError("config: channels.zalo.payload_prefix must be ASCII, not empty")

    @property
    def configured(self) -> bool:
        """Enough to receive and send: the app, its secrets and the OA secret key."""
        return bool(self.app_id and self.app_secret_key and self.oa_secret_key)


def from_config(config: Config) -> ZaloSettings:
    """The settings of `[channels.zalo]` (validated by bot/config.py); the rest keep the
    defaults above."""
    z = config.channels.zalo
    templates = dict(item.split("=", 1) for item in z.zns_templates)
    return ZaloSettings(
        app_id=z.app_id,
        app_secret_key=z.app_secret_key,
        oa_secret_key=z.oa_secret_key,
        oa_id=z.oa_id,
        redirect_uri=z.redirect_uri,
        api_base_url=z.api_base_url,
        oauth_base_url=z.oauth_base_url,
        zns_base_url=z.zns_base_url,
        webhook_path=z.webhook_path,
        signature_parts=tuple(z.signature_parts),
        signature_timestamp_from=z.signature_timestamp_from,
        max_text_chars=z.max_text_chars,
        file_extensions=tuple(z.file_extensions),
        free_window_hours=z.free_window_hours,
        free_messages=z.free_messages,
        window_days=z.window_days,
        quiet_start=time.fromisoformat(z.quiet_start),
        quiet_end=time.fromisoformat(z.quiet_end),
        timezone=config.bot.timezone,
        zns_templates=templates,
        info_form_image_url=z.info_form_image_url,
        per_second=z.per_second,
    )
