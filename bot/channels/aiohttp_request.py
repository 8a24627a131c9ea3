"""PTB's HTTP seam on aiohttp: `AiohttpRequest` replaces PTB's default httpx transport.

One `aiohttp.ClientSession` per instance (PTB uses one instance for bot calls and a second one
for getUpdates, so a long poll never waits for a free connection). Requests without files go
out as one JSON body; uploads (sendDocument) as multipart/form-data, exactly the fields PTB's
`RequestData` gives. aiohttp errors become `telegram.error.TimedOut` / `NetworkError`, which
PTB's own retry loops understand.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any
from urllib.parse import urlsplit

# proxy_bypass_environment: the stdlib's own NO_PROXY matching (what `getproxies_environment`
# pairs with); undocumented, so typeshed leaves it out.
from urllib.request import getproxies_environment, proxy_bypass_environment  # type: ignore[attr-defined]

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)

_JSON_HEADERS = {"Content-Type": "application/json"}
_DEFAULT = BaseRequest.DEFAULT_NONE
_NOT_GIVEN = type(_DEFAULT)  # PTB's DefaultValue: any instance means "use my default"
# A timeout argument: seconds, None for no limit, or PTB's "not given" marker.
Seconds = Any


def env_proxy(url: str) -> str | None:
    """The proxy the environment (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY) sets for
    `url`, looked up once at start, like PTB's httpx transport honours it."""
    parts = urlsplit(url)
    if not parts.hostname or proxy_bypass_environment(parts.hostname):
        return None
    proxies = getproxies_environment()
    return proxies.get(parts.scheme) or proxies.get("all")


class _Slots:
    """The pool's free connections: taken at once when there is one; otherwise a wait in line,
    with a timer of its own (asyncio.timeout's bookkeeping cost more than the wait itself when
    many replies are in flight). A freed slot goes straight to the first in line."""

    __slots__ = ("_free", "_line")

    def __init__(self, size: int):
        self._free = size
        self._line: deque[asyncio.Future[None]] = deque()

    def busy(self) -> bool:
        return self._free == 0 or bool(self._line)

    async def take(self, seconds: float | None) -> None:
        """A slot, or TimeoutError after `seconds` (None: no limit)."""
        if not self.busy():
            self._free -= 1
            return
        loop = asyncio.get_running_loop()
        turn = loop.create_future()
        self._line.append(turn)
        timer = None if seconds is None else loop.call_later(seconds, _expire, turn)
        try:
            await turn
        except BaseException:
            if turn.done() and not turn.cancelled() and turn.exception() is None:
                self.give()  # handed a slot just as we were cancelled: pass it on
            else:
                try:
                    self._line.remove(turn)
                except ValueError:
                    pass
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def give(self) -> None:
        while self._line:
            turn = self._line.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self._free += 1


def _expire(turn: asyncio.Future[None]) -> None:
    if not turn.done():
        turn.set_exception(TimeoutError())


class AiohttpRequest(BaseRequest):
    """A `telegram.request.BaseRequest` on one aiohttp session with a bounded connection pool.

    Timeouts mean what PTB says they mean: `connect_timeout` is the TCP (and TLS) connect,
    `pool_timeout` the wait for a free pooled connection, `read_timeout` the wait between bytes
    of the answer. aiohttp has no per-write timeout; an upload (`media_write_timeout`) gets a
    hard cap on the whole request instead — the sum of the four — which stops a stalled upload
    from hanging for ever. A plain JSON request is written in one go, so `write_timeout` has
    nothing to limit there, and it gets no such cap.

    The wait for a free connection is ours (`_Slots`, the size of the pool), not aiohttp's:
    aiohttp arms its connect timer on every request even when a connection is free, and its
    pool hand-over costs more; together about a tenth of each reply's CPU time when many
    updates are in flight (docs/PERFORMANCE.md). A timer is armed only when a request really
    has to wait.
    """

    __slots__ = (
        "_connect_timeout",
        "_free",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_proxy",
        "_read_timeout",
        "_session",
        "_timeouts",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 64,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        proxy: str | None = None,
    ):
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        # An http(s) proxy for every request (see `env_proxy`). Not aiohttp's trust_env: that
        # looks up the proxy and ~/.netrc in a worker thread on every single request.
        self._proxy = proxy
        self._session: aiohttp.ClientSession | None = None
        self._free = _Slots(connection_pool_size)
        # The few timeout combinations PTB asks for, each made once.
        self._timeouts: dict[tuple[Any, ...], aiohttp.ClientTimeout] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    @property
    def connection_pool_size(self) -> int:
        return self._pool_size

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            # The session must be made inside the running loop, hence here and not in __init__.
            connector = aiohttp.TCPConnector(
                limit=self._pool_size, limit_per_host=0, ttl_dns_cache=300
            )
            self._free = _Slots(self._pool_size)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                timeout=aiohttp.ClientTimeout(total=None),
                # The Bot API sets no cookies; a real jar would be consulted on every request.
                cookie_jar=aiohttp.DummyCookieJar(),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _timeout(
        self, read: Seconds, write: Seconds, connect: Seconds, pool: Seconds, uploading: bool
    ) -> aiohttp.ClientTimeout:
        """aiohttp's timeouts for one request (the pool wait is not among them: see the class
        docstring)."""
        key = (read, write, connect, pool, uploading)
        try:
            return self._timeouts[key]
        except (KeyError, TypeError):  # TypeError: an unhashable value; computed every time
            pass
        timeout = self._make_timeout(read, write, connect, pool, uploading)
        if len(self._timeouts) < 64:
            try:
                self._timeouts[key] = timeout
            except TypeError:
                pass
        return timeout

    def _make_timeout(
        self, read: Seconds, write: Seconds, connect: Seconds, pool: Seconds, uploading: bool
    ) -> aiohttp.ClientTimeout:
        read = self._read_timeout if isinstance(read, _NOT_GIVEN) else read
        connect = self._connect_timeout if isinstance(connect, _NOT_GIVEN) else connect
        total = None
        if uploading:
            pool = self._pool_timeout if isinstance(pool, _NOT_GIVEN) else pool
            write = self._media_write_timeout if isinstance(write, _NOT_GIVEN) else write
            parts = (read, write, connect, pool)
            if all(p is not None for p in parts):
                total = sum(parts)
        return aiohttp.ClientTimeout(total=total, sock_connect=connect, sock_read=read)

    async def _take_connection(self, pool: Seconds) -> None:
        """Wait for a free connection, at most `pool_timeout` seconds."""
        limit = self._pool_timeout if isinstance(pool, _NOT_GIVEN) else pool
        try:
            await self._free.take(limit)
        except TimeoutError as err:
            raise TimedOut(
                "Timed out waiting for a free connection to the Bot API (all "
                f"{self._pool_size} are busy); the request was not sent"
            ) from err

    @staticmethod
    def _body(request_data: RequestData | None) -> tuple[Any, dict[str, str] | None]:
        if request_data is None:
            return None, None
        if not request_data.contains_files:
            return request_data.json_payload, _JSON_HEADERS
        form = aiohttp.FormData()
        for name, value in request_data.json_parameters.items():
            form.add_field(name, value)
        for name, (filename, content, mime_type) in request_data.multipart_data.items():
            form.add_field(name, content, filename=filename, content_type=mime_type)
        return form, None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Seconds = _DEFAULT,
        write_timeout: Seconds = _DEFAULT,
        connect_timeout: Seconds = _DEFAULT,
        pool_timeout: Seconds = _DEFAULT,
    ) -> tuple[int, bytes]:
        body, headers = self._body(request_data)
        uploading = bool(request_data and request_data.contains_files)
        return await self._send(
            method,
            url,
            body,
            headers,
            self._timeout(read_timeout, write_timeout, connect_timeout, pool_timeout, uploading),
            pool_timeout,
        )

    async def post_json(
        self,
        url: str,
        body: bytes,
        read_timeout: Seconds = _DEFAULT,
        write_timeout: Seconds = _DEFAULT,
        connect_timeout: Seconds = _DEFAULT,
        pool_timeout: Seconds = _DEFAULT,
    ) -> tuple[int, bytes]:
        """POST a JSON body made by the caller: what `do_request` does for parameters without
        files, for callers that build the body themselves (bot/channels/telegram.py) rather
        than through PTB's `RequestData`."""
        return await self._send(
            "POST",
            url,
            body,
            _JSON_HEADERS,
            self._timeout(read_timeout, write_timeout, connect_timeout, pool_timeout, False),
            pool_timeout,
        )

    async def _send(
        self,
        method: str,
        url: str,
        body: Any,
        headers: dict[str, str] | None,
        limits: aiohttp.ClientTimeout,
        pool_timeout: Seconds,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        await self._take_connection(pool_timeout)
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=limits, proxy=self._proxy
            ) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as err:
            raise TimedOut(
                "Timed out connecting to the Bot API; the request was not sent"
            ) from err
        except (TimeoutError, aiohttp.ServerTimeoutError) as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err
        finally:
            self._free.give()
