"""A fake Zalo OA API server (aiohttp, ephemeral port): the Zalo twin of fake_telegram.py.

It speaks HTTP on 127.0.0.1 so the bot's real client talks to it as it would to
openapi.zalo.me, oauth.zaloapp.com and business.openapi.zalo.me (one base URL serves all
three), and it plays Zalo towards the bot's webhook:

    fake = FakeZalo(clock)                       # `clock.now()` is Zalo's idea of the time
    await fake.start()                           # fake.url for every base URL setting
    await fake.push(fake.text_event("u1", "xin chào"), webhook_url)   # signed like Zalo
    code = fake.grant(permission_url)            # the OA admin presses "Allow"
    fake.calls                                   # every API request, in order

As a process of its own (the benchmark, bench/zalo.py): `python -m tests.fake_zalo` prints
`READY <port>`; `POST /_fake/grant {"url"}` answers the code for a permission URL, and
`POST /_fake/feed {"webhook", "count", "users", "rate", "text"}` posts signed text events at
`rate` per second (0: all at once) and answers the latency of each event's first answer.

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

import asyncio
import base64
import hashlib
import itertools
import json
import secrets
import time
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
        self.template_states: dict[str, str] = {"tpl-reminder": "ENABLE"}
        self.expires_in = "90000"  # a string, as Zalo sends it
        self.oauth_error: dict[str, Any] | None = None  # answered (HTTP 200) to the next call
        self.sent_today: defaultdict[str, int] = defaultdict(int)
        self.message_owner: dict[str, str] = {}  # a user's msg_id → the user
        self.replies_by_message_id = True  # False: refuse `recipient.message_id` (−201)
        # The benchmark's clocks: when an event was posted, when its first answer came.
        self.posted_at: dict[str, float] = {}
        self.answered_at: dict[str, float] = {}
        self._progress = asyncio.Event()
        self._scripted: defaultdict[str, deque[int]] = defaultdict(deque)
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- running -------------------------------------------------------------------------

    async def start(self, port: int = 0) -> FakeZalo:
        app = web.Application()
        app.router.add_post("/_fake/grant", self._control_grant)
        app.router.add_post("/_fake/feed", self._control_feed)
        app.router.add_post("/v4/oa/access_token", self._token)
        app.router.add_post("/v3.0/oa/message/cs", self._message)
        app.router.add_post("/v2.0/oa/upload/image", self._upload_image)
        app.router.add_post("/v2.0/oa/upload/file", self._upload_file)
        app.router.add_post("/message/template", self._template)
        app.router.add_get("/template/info/v2", self._template_info)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
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
        if self._night() and "message_id" not in recipient:
            # Night sends are refused; an answer to a message is assumed allowed [unconfirmed].
            return self._error(call, -234)
        message = body.get("message", {})
        payload = message.get("attachment", {}).get("payload", {})
        buttons = payload.get("buttons", [])
        if len(buttons) > 5 or any(len(b.get("title", "")) > 20 for b in buttons):
            return self._error(call, -201)
        if payload.get("template_type") == "request_user_info":
            elements = payload.get("elements")
            if not isinstance(elements, list) or len(elements) != 1:
                return self._error(call, -201)
            if not isinstance(elements[0].get("title"), str) or not elements[0]["title"]:
                return self._error(call, -201)
        day = self.clock.now().astimezone(HANOI).date().isoformat()
        if self.sent_today[day] >= self.daily_quota:
            return self._error(call, -211)
        self.sent_today[day] += 1
        if "message_id" in recipient:
            self.answered_at.setdefault(str(recipient["message_id"]), time.perf_counter())
            self._progress.set()
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

    async def _template_info(self, request: web.Request) -> web.Response:
        call = await self._record(request, form=dict(request.query))
        if self._token_error(call):
            return self._error(call, -124)
        template_id = request.query.get("template_id", "")
        if template_id not in self.template_states:
            return self._error(call, -1124)
        data = {"templateId": template_id, "status": self.template_states[template_id]}
        return self._answer(call, {"error": 0, "data": data})

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

    # -- the benchmark's control API -------------------------------------------------------

    async def _control_grant(self, request: web.Request) -> web.Response:
        return web.json_response({"code": self.grant((await request.json())["url"])})

    async def _control_feed(self, request: web.Request) -> web.Response:
        spec = await request.json()
        count, users, rate = int(spec["count"]), int(spec["users"]), float(spec["rate"])
        limit = float(spec.get("limit", 120))
        ids: list[str] = []
        loop = asyncio.get_running_loop()
        connector = aiohttp.TCPConnector(limit=64)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def post(event: dict) -> None:
                body = json.dumps(event, ensure_ascii=False).encode()
                headers = {
                    "Content-Type": "application/json",
                    "X-ZEvent-Signature": self.signature(body, event["timestamp"]),
                }
                self.posted_at[event["message"]["msg_id"]] = time.perf_counter()
                async with session.post(spec["webhook"], data=body, headers=headers) as r:
                    await r.read()

            start, posts = loop.time(), []
            for i in range(count):
                if rate:
                    await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
                user = f"bench{i % users}"
                self.user_writes(user)
                event = self.text_event(user, str(spec["text"]))
                self.message_owner[event["message"]["msg_id"]] = user
                ids.append(event["message"]["msg_id"])
                posts.append(asyncio.create_task(post(event)))
            await asyncio.gather(*posts)
        deadline = loop.time() + limit
        while not all(i in self.answered_at for i in ids):
            self._progress.clear()
            try:
                await asyncio.wait_for(self._progress.wait(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                break
        latencies = [self.answered_at[i] - self.posted_at[i] for i in ids if i in self.answered_at]
        span = max((self.answered_at[i] for i in ids if i in self.answered_at), default=0.0)
        first = min((self.posted_at[i] for i in ids), default=0.0)
        errors = sum(1 for c in self.messages if c.error)
        return web.json_response(
            {
                "answered": len(latencies),
                "latencies": latencies,
                "span": span - first,
                "errors": errors,
            }
        )


def main() -> None:
    import argparse
    import signal

    from bot.clock import Clock

    parser = argparse.ArgumentParser(prog="python -m tests.fake_zalo")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    async def serve() -> None:
        fake = await FakeZalo(Clock(), daily_quota=10**9).start(args.port)
        print(f"READY {fake.port}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await fake.stop()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
