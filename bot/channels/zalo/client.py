"""The Zalo OA API over HTTP (aiohttp): consultation messages, uploads, ZNS templates.

Endpoints (../shared/facts/channels.md §4; `zaloplatform/zalo-php-sdk: src/ZaloEndPoint.php`,
`src/ZaloClient.php`, `README.md`):
- `POST {api}/v3.0/oa/message/cs` with an `access_token` header and a JSON body
  `{"recipient": {"user_id": …}, "message": {…}}` → `{"error": 0, "data": {"message_id"}}`;
- `POST {api}/v2.0/oa/upload/image` (multipart field `file`) → `data.attachment_id`;
- `POST {api}/v2.0/oa/upload/file` (multipart field `file`) → `data.token`;
- `POST {zns}/message/template` `{"phone": "84…", "template_id", "template_data",
  "tracking_id"}` → `data.msg_id` [secondary];
- `GET {zns}/template/info/v2?template_id=…` → `data.status` (`ENABLE` when usable) [code].
Zalo answers HTTP 200 with `error` non-zero on failure; errors.py says what each code means.
A refused access token (−216/−220; ZNS −124) is refreshed once and the call resent; a rate
limit (−32) or server trouble (−100) is retried with a doubling wait, then handed to the
outbox as `RateLimited`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import aiohttp

from bot.channels.errors import RateLimited, SendError
from bot.channels.zalo import errors
from bot.channels.zalo.settings import ZaloSettings
from bot.channels.zalo.window import Limits, night_ends
from bot.clock import Clock

log = logging.getLogger(__name__)

MESSAGE_PATH = "/v3.0/oa/message/cs"
UPLOAD_IMAGE_PATH = "/v2.0/oa/upload/image"
UPLOAD_FILE_PATH = "/v2.0/oa/upload/file"
TEMPLATE_PATH = "/message/template"
TEMPLATE_INFO_PATH = "/template/info/v2"
ZNS_TOKEN_CODES = frozenset({-124})
INVALID_PARAMETER = -201
Json = dict[str, Any]
ErrorHook = Callable[[str, int | str], Awaitable[None]]


class TokenSource(Protocol):
    async def access_token(self) -> str: ...

    async def refreshed(self, failed: str) -> str: ...


def _code(data: Json) -> int:
    try:
        return int(str(data.get("error", 0)))
    except ValueError:
        return -1


class ZaloClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: ZaloSettings,
        tokens: TokenSource,
        *,
        clock: Clock | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_error: ErrorHook | None = None,
    ):
        self.session = session
        self.settings = settings
        self.tokens = tokens
        self.clock = clock or Clock()
        self.sleep = sleep
        self.on_error = on_error
        self.limits = Limits.of(settings)

    async def _http(
        self, url: str, token: str, body: Callable[[], dict[str, Any]], method: str = "POST"
    ) -> Json:
        try:
            async with self.session.request(
                method,
                url,
                headers={"access_token": token},
                timeout=aiohttp.ClientTimeout(total=60),
                **body(),
            ) as response:
                if response.status >= 500:
                    raise SendError(f"zalo answered HTTP {response.status}")
                try:
                    data = await response.json(content_type=None)
                except ValueError:
                    raise SendError(f"zalo answered HTTP {response.status}, not JSON") from None
        except (aiohttp.ClientError, TimeoutError) as e:
            raise SendError(f"zalo unreachable ({type(e).__name__})") from None
        if not isinstance(data, dict):
            raise SendError("zalo answered something other than a JSON object")
        return data

    async def _failed(self, source: str, code: int | str) -> None:
        if self.on_error is not None:
            try:
                await self.on_error(source, code)
            except Exception:
                log.exception("zalo: could not record an error")

    async def call(
        self,
        source: str,
        url: str,
        body: Callable[[], dict[str, Any]],
        zns: bool = False,
        method: str = "POST",
    ) -> Json:
        """POST with the token; the answer's `data`, or the typed error for its code."""
        token = await self.tokens.access_token()
        refreshed = False
        attempt = 0
        token_codes = errors.TOKEN_CODES | (ZNS_TOKEN_CODES if zns else frozenset())
        while True:
            data = await self._http(url, token, body, method)
            code = _code(data)
            if code == 0:
                result = data.get("data")
                return result if isinstance(result, dict) else {}
            if code in token_codes and not refreshed:
                token = await self.tokens.refreshed(token)
                refreshed = True
                continue
            if code in errors.RETRY_CODES and attempt + 1 < self.settings.retry_attempts:
                await self.sleep(self.settings.retry_base_seconds * 2**attempt)
                attempt += 1
                continue
            await self._failed(source, code)
            raise self._error(code, attempt)

    def _error(self, code: int, attempt: int) -> SendError:
        if code in errors.TOKEN_CODES or code in ZNS_TOKEN_CODES:
            return errors.TokenUnusable(f"zalo error {code}: the access token was refused")
        if code in errors.RETRY_CODES:
            return RateLimited(self.settings.retry_base_seconds * 2 ** (attempt + 1))
        if code in errors.UNREACHABLE_CODES:
            return errors.Unreachable(code)
        if code in errors.WINDOW_CODES:
            return errors.OutsideWindow(code)
        if code == errors.NIGHT_CODE:
            now = self.clock.now()
            ends = night_ends(now, self.limits)
            # Zalo says it is night though our clock disagrees: wait an hour and see.
            wait = (ends - now).total_seconds() if ends is not None else 3600.0
            return errors.NightBan(wait)
        return errors.Failed(code)

    # -- the calls -----------------------------------------------------------------------

    def _api(self, path: str) -> str:
        return self.settings.api_base_url.rstrip("/") + path

    async def send_message(self, user_id: str, message: Json, reply_to: str | None = None) -> str:
        """A consultation message to a user; Zalo's message id. `reply_to`: the id of the
        user's message this answers (settings.reply_by_message_id)."""
        if reply_to and self.settings.reply_by_message_id:
            payload = {"recipient": {"message_id": reply_to}, "message": message}
            try:
                data = await self.call("send", self._api(MESSAGE_PATH), lambda: {"json": payload})
                return str(data.get("message_id", ""))
            except errors.Failed as e:
                if e.code != INVALID_PARAMETER:
                    raise
                log.warning("zalo: a reply by message_id was refused; sending by user_id")
        payload = {"recipient": {"user_id": user_id}, "message": message}
        data = await self.call("send", self._api(MESSAGE_PATH), lambda: {"json": payload})
        return str(data.get("message_id", ""))

    async def _upload(self, path: str, field: str, blob: bytes, filename: str, mime: str) -> str:
        def form() -> dict[str, Any]:
            parts = aiohttp.FormData()
            parts.add_field("file", blob, filename=filename, content_type=mime)
            return {"data": parts}

        data = await self.call("upload", self._api(path), form)
        value = data.get(field)
        if not isinstance(value, str) or not value:
            await self._failed("upload", "no_" + field)
            raise errors.Failed(-1)
        return value

    async def upload_image(self, blob: bytes, filename: str, mime: str) -> str:
        """An image for a `template_type: media` message; its `attachment_id`."""
        return await self._upload(UPLOAD_IMAGE_PATH, "attachment_id", blob, filename, mime)

    async def upload_file(self, blob: bytes, filename: str, mime: str) -> str:
        """A document for an `attachment{type: file}` message; its `token`."""
        return await self._upload(UPLOAD_FILE_PATH, "token", blob, filename, mime)

    async def send_template(
        self, phone_e164: str, template_id: str, template_data: Json, tracking_id: str
    ) -> str:
        """A ZNS template message to a phone number (E.164; Zalo wants 84… without +)."""
        payload = {
            "phone": phone_e164.removeprefix("+"),
            "template_id": template_id,
            "template_data": template_data,
            "tracking_id": tracking_id,
        }
        url = self.settings.zns_base_url.rstrip("/") + TEMPLATE_PATH
        data = await self.call("zns", url, lambda: {"json": payload}, zns=True)
        return str(data.get("msg_id", ""))

    async def template_status(self, template_id: str) -> str:
        """A ZNS template's status as Zalo reports it (`ENABLE` when it can be used)."""
        url = self.settings.zns_base_url.rstrip("/") + TEMPLATE_INFO_PATH
        data = await self.call(
            "zns", url, lambda: {"params": {"template_id": template_id}}, zns=True, method="GET"
        )
        return str(data.get("status", "unknown"))[:32]
