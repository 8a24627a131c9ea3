"""Helpers for the officer web pages' tests: the real pages on a real server on an ephemeral
port, officers who get their login link from the chat (`/web`), and a browser-like client
that keeps cookies and reads forms.

    site = await WebSite.start(core)
    officer = await site.officer(HOAN_KIEM)   # logged in through the link the chat sent
    page = await officer.get("/web/")
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from bot.core import Core
from bot.web.server import WebServer
from tests.chat import Chat

LINK = re.compile(r"https?://\S+/web/login/[A-Za-z0-9_-]+")


def link_in(text: str) -> str:
    found = LINK.search(text)
    assert found, f"no login link in {text!r}"
    return found[0]


def field(html: str, name: str) -> str:
    """The value of the first hidden input called `name`."""
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} field in the page"
    return found[1]


@dataclass
class Response:
    status: int
    text: str
    headers: dict[str, str]
    cookies: list[str]


class Browser:
    """One device: its own cookies, following nothing by itself."""

    def __init__(self, base: str, language: str = "en-GB,en;q=0.9"):
        self.base = base
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True), headers={"Accept-Language": language}
        )

    def url(self, path: str) -> str:
        if path.startswith("http"):  # a link as the bot wrote it: same path, this server
            path = urlsplit(path).path
        return self.base + path

    async def _wrap(self, r: aiohttp.ClientResponse) -> Response:
        return Response(
            r.status,
            await r.text(),
            dict(r.headers),
            r.headers.getall("Set-Cookie", []),
        )

    async def get(self, path: str, **kw) -> Response:
        async with self.http.get(self.url(path), allow_redirects=False, **kw) as r:
            return await self._wrap(r)

    async def post(self, path: str, data: dict, **kw) -> Response:
        async with self.http.post(self.url(path), data=data, allow_redirects=False, **kw) as r:
            return await self._wrap(r)

    async def log_in(self, link: str) -> Response:
        page = await self.get(link)
        assert page.status == 200, page.text
        return await self.post(
            "/web/login", {"token": field(page.text, "token"), "csrf": field(page.text, "csrf")}
        )

    async def csrf(self) -> str:
        return field((await self.get("/web/")).text, "csrf")

    async def close(self) -> None:
        await self.http.close()


class WebSite:
    def __init__(self, core: Core, server: WebServer):
        self.core = core
        self.server = server
        self.base = f"http://127.0.0.1:{server.port}"
        self._browsers: list[Browser] = []

    @classmethod
    async def start(cls, core: Core) -> WebSite:
        server = WebServer(core)
        await server.start("127.0.0.1", 0)
        return cls(core, server)

    def browser(self) -> Browser:
        b = Browser(self.base)
        self._browsers.append(b)
        return b

    async def link(self, who: str) -> str:
        chat = Chat(self.core, user_id=who, channel="telegram", language="en")
        await chat.say("/web")
        return link_in(chat.text)

    async def officer(self, who: str) -> Browser:
        b = self.browser()
        response = await b.log_in(await self.link(who))
        assert response.status == 303, response.text
        return b

    async def close(self) -> None:
        for b in self._browsers:
            await b.close()
        await self.server.stop()
