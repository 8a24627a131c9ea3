"""Zalo OA authorisation: the PKCE permission URL, and the token endpoint.

- Permission URL: `https://oauth.zaloapp.com/v4/oa/permission?app_id=…&redirect_uri=…&
  code_challenge=…&state=…`; the OA admin grants access and the browser comes back to the
  redirect URI with `code` (valid about 10 minutes) and `oa_id` [secondary: facts §4].
- PKCE S256 with base64url without padding, as Zalo's official PHP SDK does it
  (`zaloplatform/zalo-php-sdk: src/Util/PKCEUtil.php`).
- Token endpoint: form-encoded `POST https://oauth.zaloapp.com/v4/oa/access_token` with the
  app secret in a `secret_key` header; `grant_type=authorization_code` + `code` +
  `code_verifier`, or `grant_type=refresh_token` + `refresh_token` [code: facts §4,
  `zaloplatform/zalo-php-sdk: src/Authentication/OAuth2Client.php`].
- An answer carrying `error` (non-zero) or `error_name` is a failure even with HTTP 200 (the
  ChatbotX bug stored such answers and overwrote a working token with null), and so is an
  answer without both tokens. Tokens and Zalo's descriptions are never logged or raised.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode

import aiohttp

from bot.channels.zalo.settings import ZaloSettings

TOKEN_PATH = "/v4/oa/access_token"
PERMISSION_PATH = "/v4/oa/permission"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, code_challenge) for S256."""
    verifier = _b64url(secrets.token_bytes(32))
    return verifier, challenge_of(verifier)


def challenge_of(verifier: str) -> str:
    return _b64url(hashlib.sha256(verifier.encode()).digest())


def permission_url(settings: ZaloSettings, challenge: str, state: str) -> str:
    query = urlencode(
        {
            "app_id": settings.app_id,
            "redirect_uri": settings.redirect_uri,
            "code_challenge": challenge,
            "state": state,
        }
    )
    return f"{settings.oauth_base_url.rstrip('/')}{PERMISSION_PATH}?{query}"


@dataclass(frozen=True)
class Grant:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int  # seconds the access token lives (about 90000 today; never assumed)
    refresh_expires_in: int | None = None


class OAuthError(Exception):
    """The token endpoint could not be used."""


class OAuthRefused(OAuthError):
    """Zalo answered with an error: the code or refresh token is not (or no longer) good."""

    def __init__(self, code: str):
        super().__init__(f"Zalo refused the token request (error {code})")
        self.code = code


class OAuthUnavailable(OAuthError):
    """No usable answer (network trouble, a server error): trying later may work."""


def _seconds(value: object) -> int | None:
    try:
        seconds = int(str(value))
    except ValueError:
        return None
    return seconds if seconds > 0 else None


def parse_grant(status: int, body: bytes) -> Grant:
    try:
        data = json.loads(body)
    except ValueError:
        raise OAuthUnavailable(f"token endpoint answered HTTP {status}, not JSON") from None
    if not isinstance(data, dict):
        raise OAuthUnavailable(f"token endpoint answered HTTP {status}, not a JSON object")
    error = data.get("error")
    if data.get("error_name") or (error not in (None, 0, "0")):
        code = str(error if error not in (None, 0, "0") else data.get("error_name"))
        raise OAuthRefused(code[:32])
    if status >= 500:
        raise OAuthUnavailable(f"token endpoint answered HTTP {status}")
    access, refresh = data.get("access_token"), data.get("refresh_token")
    expires_in = _seconds(data.get("expires_in"))
    if not (isinstance(access, str) and access and isinstance(refresh, str) and refresh):
        raise OAuthRefused("no_token")
    if expires_in is None:
        raise OAuthRefused("no_expires_in")
    return Grant(access, refresh, expires_in, _seconds(data.get("refresh_token_expires_in")))


class OAuthClient:
    def __init__(self, session: aiohttp.ClientSession, settings: ZaloSettings):
        self.session = session
        self.settings = settings

    async def _post(self, form: dict[str, str]) -> Grant:
        url = self.settings.oauth_base_url.rstrip("/") + TOKEN_PATH
        try:
            async with self.session.post(
                url,
                data={"app_id": self.settings.app_id, **form},
                headers={"secret_key": self.settings.app_secret_key},
                timeout=aiohttp.ClientTimeout(total=30),
            ) as response:
                body = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as e:
            raise OAuthUnavailable(f"token endpoint unreachable ({type(e).__name__})") from None
        return parse_grant(status, body)

    async def exchange_code(self, code: str, verifier: str) -> Grant:
        return await self._post(
            {"grant_type": "authorization_code", "code": code, "code_verifier": verifier}
        )

    async def refresh(self, refresh_token: str) -> Grant:
        return await self._post({"grant_type": "refresh_token", "refresh_token": refresh_token})
