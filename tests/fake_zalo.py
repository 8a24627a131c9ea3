"""A fake Zalo OA API server (aiohttp, ephemeral port): the Zalo twin of fake_telegram.py.

It speaks HTTP on 127.0.0.1 so the bot's real client talks to it as it would to
openapi.zalo.me, oauth.zaloapp.com and business.openapi.zalo.me (one base URL serves all
three), and it plays Zalo towards the bot's webhook:

    fake = FakeZalo(clock)                       # `clock.now()` is Zalo's idea of the time
    await fake.start()                           # fake.url for every base URL setting
    await fake.push(fake.text_event("u1", "xin chào"), webhook_url)   # signed like Zalo
    code = fake.grant(permission_url)            # the OA admin presses "Allow"
    fake.calls                                   # every API request, in order

Rules it enforces, each from ../shared/facts/channels.md §4 (as Zalo is believed to behave):
the `access_token` header (unknown → −216, expired → −220), followers only (−213), the
interaction window (`window_days` since the user last wrote → −230), no sends 22:00–06:00
Hanoi time (−234), at most 5 buttons with titles of at most 20 characters (−201), a daily
quota (−211), uploads of pdf/doc/docx only (−201), single-use refresh tokens, OAuth errors
answered with HTTP 200. `fail_next(path, code)` scripts an error for the next call.

The webhook signature is computed here on its own (not with the bot's code), from the formula
in the facts file: sha256(app_id + raw body + timestamp + OA secret key), sent as `mac=<hex>`.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import secrets
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

APP_ID = "2553928453557884079"
APP_SECRET = "app-secret-for-the-fake"
OA_SECRET = "oa-secret-key-for-the-fake"
OA_ID = "3662729599332560487"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
ALLOWED_FILES = ("pdf", "doc", "docx")


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    json: Any = None
    form: dict[str, Any] = field(default_factory=dict)
    answer: dict[str, Any] = field(default_factory=dict)

    @property
    def error(self) -> int:
        return int(self.answer.get("error", 0))


class FakeZalo:
    def __init__(self, clock, *, window_days: float = 7, daily_quota: int = 1000):
        self.clock = clock
        self.window = timedelta(days=window_days)
        self.daily_quota = daily_quota
        self.calls: list[Call] = []
        self.followers: set[str] = set()
        self.last_interaction: dict[str, datetime] = {}
        self.access_tokens: dict[str, datetime] = {}  # token → expiry
        self.refresh_tokens: set[str] = set()
        self.spent_refresh_tokens: set[str] = set()
        self.codes: dict[str, str] = {}  # code → PKCE challenge
        self.templates: set[str] = {"tpl-reminder"}
        self.expires_in = "90000"  # a string, as Zalo sends it
        self.oauth_error: dict[str, Any] | None = None  # answered (HTTP 200) to the next call
        self.sent_today: defaultdict[str, int] = defaultdict(int)
        self.message_owner: dict[str, str] = {}  # a user's msg_id → the user
        self.replies_by_message_id = True  # False: refuse `recipient.message_id` (−201)
        self._scripted: defaultdict[str, deque[int]] = defaultdict(deque)
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- running -------------------------------------------------------------------------

    async def start(self) -> FakeZalo:
        app = web.Application()
        app.router.add_post("/v4/oa/access_token", self._token)
        app.router.add_post("/v3.0/oa/message/cs", self._message)
        app.router.add_post("/v2.0/oa/upload/image", self._upload_image)
        app.router.add_post("/v2.0/oa/upload/file", self._upload_file)
        app.router.add_post("/message/template", self._template)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def paths(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]

    @property
    def messages(self) -> list[Call]:
        return self.paths("/v3.0/oa/message/cs")

    def fail_next(self, path: str, *codes: int) -> None:
        self._scripted[path].extend(codes)

    # -- the people ----------------------------------------------------------------------

    def user_writes(self, user_id: str) -> None:
        """The user follows the OA and just interacted (what a webhook event means)."""
        self.followers.add(user_id)
        self.last_interaction[user_id] = self.clock.now()

    def issue_tokens(self, lifetime: timedelta = timedelta(hours=25)) -> tuple[str, str]:
        access, refresh = "AT-" + secrets.token_hex(8), "RT-" + secrets.token_hex(8)
        self.access_tokens[access] = self.clock.now() + lifetime
        self.refresh_tokens.add(refresh)
        return access, refresh

    def grant(self, permission_url: str) -> str:
        """The OA admin opens the permission URL and allows: the code Zalo redirects with."""
        query = parse_qs(urlparse(permission_url).query)
        assert query["app_id"] == [APP_ID], query
        code = "CODE-" + secrets.token_hex(6)
        self.codes[code] = query["code_challenge"][0]
        return code

    # -- webhook events, signed ----------------------------------------------------------

    def _stamp(self) -> str:
        return str(int(self.clock.now().timestamp() * 1000))

    def text_event(self, user_id: str, text: str, msg_id: str | None = None) -> dict:
        return {
            "app_id": APP_ID,
            "user_id_by_app": "979122185046046317",
            "event_name": "user_send_text",
            "sender": {"id": user_id},
            "recipient": {"id": OA_ID},
            "message": {"text": text, "msg_id": msg_id or f"msg{next(self._ids):08x}"},
            "timestamp": self._stamp(),
        }

    def location_event(self, user_id: str, lat: str, lon: str) -> dict:
        return {
            "app_id": APP_ID,
            "event_name": "user_send_location",
            "sender": {"id": user_id},
            "recipient": {"id": OA_ID},
            "message": {
                "msg_id": f"loc{next(self._ids):08x}",
                "text": "",
                "attachments": [
                    {
                        "type": "location",
                        "payload": {"coordinates": {"latitude": lat, "longitude": lon}},
                    }
                ],
            },
            "timestamp": self._stamp(),
        }

    def event(self, event_name: str, **fields: Any) -> dict:
        return {"app_id": APP_ID, "event_name": event_name, "timestamp": self._stamp(), **fields}

    @staticmethod
    def signature(body: bytes, timestamp: str, *, app_id: str = APP_ID) -> str:
        digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + OA_SECRET.encode())
        return "mac=" + digest.hexdigest()

    async def push(
        self, event: dict, webhook_url: str, *, headers: dict[str, str] | None = None
    ) -> int:
        """POST `event` to the bot as Zalo does; the HTTP status the bot answered."""
        body = json.dumps(event, ensure_ascii=False).encode()
        sent = {"Content-Type": "application/json"}
        sent["X-ZEvent-Signature"] = self.signature(body, str(event.get("timestamp", "")))
        sent.update(headers or {})
        sender = event.get("sender", {}).get("id") or event.get("follower", {}).get("id")
        if sender and event.get("event_name", "").startswith("user_"):
            self.user_writes(sender)
            msg_id = event.get("message", {}).get("msg_id")
            if msg_id:
                self.message_owner[str(msg_id)] = sender
        async with aiohttp.ClientSession() as session:
            async with session.post(webhook_url, data=body, headers=sent) as response:
                return response.status

    # -- the API -------------------------------------------------------------------------

    async def _record(self, request: web.Request, **parts: Any) -> Call:
        call = Call(request.path, {k.lower(): v for k, v in request.headers.items()}, **parts)
        self.calls.append(call)
        return call

    def _answer(self, call: Call, answer: dict[str, Any]) -> web.Response:
        call.answer = answer
        return web.json_response(answer)

    def _error(self, call: Call, code: int) -> web.Response:
        # Zalo's message text is made to quote the user, so a test proves it never leaks.
        return self._answer(call, {"error": code, "message": f"secret-detail for {call.path}"})

    def _token_error(self, call: Call) -> int | None:
        token = call.headers.get("access_token")
        if token not in self.access_tokens:
            return -216
        if self.access_tokens[token] <= self.clock.now():
            return -220
        return None

    def _scripted_error(self, call: Call) -> int | None:
        queue = self._scripted[call.path]
        return queue.popleft() if queue else None

    def _night(self) -> bool:
        hour = self.clock.now().astimezone(HANOI).hour
        return hour >= 22 or hour < 6

    async def _message(self, request: web.Request) -> web.Response:
        body = await request.json()
        call = await self._record(request, json=body)
        code = self._token_error(call) or self._scripted_error(call)
        if code:
            return self._error(call, code)
        recipient = body.get("recipient", {})
        if "message_id" in recipient:  # an answer to a user's message
            owner = self.message_owner.get(str(recipient["message_id"]))
            if not self.replies_by_message_id or owner is None:
                return self._error(call, -201)
            user = owner
        else:
            user = str(recipient.get("user_id", ""))
        if user not in self.followers:
            return self._error(call, -213)
        last = self.last_interaction.get(user)
        if last is None or self.clock.now() - last > self.window:
            return self._error(call, -230)
        if self._night():
            return self._error(call, -234)
        message = body.get("message", {})
        payload = message.get("attachment", {}).get("payload", {})
        buttons = payload.get("buttons", [])
        if len(buttons) > 5 or any(len(b.get("title", "")) > 20 for b in buttons):
            return self._error(call, -201)
        day = self.clock.now().astimezone(HANOI).date().isoformat()
        if self.sent_today[day] >= self.daily_quota:
            return self._error(call, -211)
        self.sent_today[day] += 1
        return self._answer(
            call,
            {
                "error": 0,
                "message": "Success",
                "data": {"message_id": f"m{next(self._ids)}", "user_id": user},
            },
        )

    async def _upload(self, request: web.Request, field_name: str, allowed) -> web.Response:
        form = await request.post()
        upload = form.get("file")
        filename = getattr(upload, "filename", "")
        size = len(upload.file.read()) if upload is not None and hasattr(upload, "file") else 0
        call = await self._record(request, form={"filename": filename, "size": size})
        code = self._token_error(call) or self._scripted_error(call)
        if code:
            return self._error(call, code)
        if not filename or not allowed(filename.rsplit(".", 1)[-1].lower()):
            return self._error(call, -201)
        return self._answer(
            call, {"error": 0, "data": {field_name: f"{field_name}-{next(self._ids)}"}}
        )

    async def _upload_image(self, request: web.Request) -> web.Response:
        return await self._upload(
            request, "attachment_id", lambda ext: ext in ("png", "jpg", "jpeg", "webp")
        )

    async def _upload_file(self, request: web.Request) -> web.Response:
        return await self._upload(request, "token", lambda ext: ext in ALLOWED_FILES)

    async def _template(self, request: web.Request) -> web.Response:
        body = await request.json()
        call = await self._record(request, json=body)
        if self._token_error(call):
            return self._error(call, -124)
        code = self._scripted_error(call)
        if code:
            return self._error(call, code)
        if body.get("template_id") not in self.templates:
            return self._error(call, -1124)
        phone = str(body.get("phone", ""))
        if not (phone.startswith("84") and phone.isdigit()):
            return self._error(call, -108)
        return self._answer(
            call,
            {"error": 0, "data": {"msg_id": f"zns{next(self._ids)}", "sent_time": self._stamp()}},
        )

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        call = await self._record(
            request,
            form={k: v for k, v in form.items() if "token" not in k and k != "code_verifier"},
        )
        if request.headers.get("secret_key") != APP_SECRET or form.get("app_id") != APP_ID:
            return self._answer(
                call,
                {
                    "error": -14014,
                    "error_name": "Invalid app",
                    "error_description": "secret-detail",
                },
            )
        if self.oauth_error is not None:
            answer, self.oauth_error = self.oauth_error, None
            return self._answer(call, answer)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            challenge = self.codes.pop(str(form.get("code")), None)
            verifier = str(form.get("code_verifier", ""))
            expected = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .decode()
                .rstrip("=")
            )
            if challenge is None or challenge != expected:
                return self._answer(
                    call,
                    {
                        "error": -14019,
                        "error_name": "Invalid code",
                        "error_description": "secret-detail",
                    },
                )
        elif grant == "refresh_token":
            token = str(form.get("refresh_token"))
            if token not in self.refresh_tokens:
                return self._answer(
                    call,
                    {
                        "error": -14020,
                        "error_name": "Invalid refresh token",
                        "error_description": "secret-detail",
                    },
                )
            self.refresh_tokens.discard(token)  # single-use
            self.spent_refresh_tokens.add(token)
        else:
            return self._answer(call, {"error": -14001, "error_name": "Invalid grant type"})
        access, refresh = self.issue_tokens(timedelta(seconds=int(self.expires_in)))
        call.answer = {"expires_in": self.expires_in}
        return web.json_response(
            {"access_token": access, "refresh_token": refresh, "expires_in": self.expires_in}
        )
