"""The officers' web pages as one aiohttp application, mounted at `/web/` on the bot's own web
server (the webhook's, or one started just for the pages: bot/web/server.py).

What every page shares lives here: the Jinja2 templates (translated with the chat's gettext
catalogs), the security headers, and `officer_page`, which lets a request through only with a
live session of a current officer, checks the form's CSRF token on every POST, and runs the
page in one database transaction in the session's language. The pages themselves are in
bot/web/login.py and bot/web/today.py.
"""

from __future__ import annotations

import functools
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.db.models import User
from bot.db.web_models import WebSession
from bot.officers.roles import loaded_officer
from bot.services.actor import Actor, actor_of
from bot.services.context import ServiceContext
from bot.services.errors import NOT_OFFICER, NotAllowed
from bot.web import auth
from bot.web.limits import Attempts, networks

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)

PREFIX = "/web"
HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
COOKIE = "trolyso_web"
LOGIN_CSRF_COOKIE = "trolyso_login"

CORE = web.AppKey("core", object)
ATTEMPTS = web.AppKey("attempts", Attempts)
PROXIES = web.AppKey("proxies", tuple)  # web.trusted_proxies as networks

# Pages hold visitors' names and phone numbers: nothing is cached, framed or sent on as a
# referrer, and only our own files run.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def core_of(request: web.Request) -> Core:
    return request.app[CORE]  # type: ignore[return-value]


def secure_cookies(core: Core) -> bool:
    return core.config.web.public_url.startswith("https://")


@web.middleware
async def _headers(request: web.Request, handler):
    response = await handler(request)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith(PREFIX + "/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def request_locale(request: web.Request) -> str:
    """The language of a page shown before login: the browser's first we speak."""
    for part in request.headers.get("Accept-Language", "").split(","):
        locale = i18n.normalize_locale(part.split(";")[0].strip())
        if locale:
            return locale
    return core_of(request).config.bot.default_locale


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    context.setdefault("prefix", PREFIX)
    context.setdefault("locale", i18n.current_locale())
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    response.content_type = "text/html"
    response.charset = "utf-8"
    return response


def see_other(location: str) -> web.Response:
    """A redirect after a POST. Returned, not raised: raising would roll the page's
    transaction back."""
    return web.Response(status=303, headers={"Location": location})


@dataclass
class Page:
    """What an officer page gets: the request, the transaction, who is logged in."""

    request: web.Request
    core: Core
    session: AsyncSession
    user: User  # the chat account the login link was sent to
    actor: Actor  # that account's person, with their current grants
    web_session: WebSession
    form: Any  # the POST form (a MultiDict), empty for GET

    def now(self):
        return self.core.clock.now()

    def sc(self) -> ServiceContext:
        """The service context of this request: the services authorise the actor themselves."""
        config = self.core.config
        return ServiceContext(
            actor=self.actor,
            session=self.session,
            clock=self.core.clock,
            tz=config.tz,
            places=self.core.services.get("places"),
            content_dir=config.path("paths.content"),
            horizon_days=config.booking.horizon_days,
            min_notice_hours=config.schedule.min_notice_hours,
        )

    def render(self, template: str, status: int = 200, **context: Any) -> web.Response:
        context.setdefault("csrf", self.web_session.csrf)
        context.setdefault("officer", self.actor)
        return render(self.request, template, status, **context)


PageHandler = Callable[[Page], Awaitable[web.StreamResponse]]


def officer_page(handler: PageHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Serve `handler` only to a logged-in current officer; POSTs need the session's CSRF
    token. A service's `NotAllowed` becomes a plain 403 page (nothing was changed)."""

    @functools.wraps(handler)
    async def serve(request: web.Request) -> web.StreamResponse:
        core = core_of(request)
        now = core.clock.now()
        cookie = request.cookies.get(COOKIE, "")
        form = await request.post() if request.method == "POST" else {}
        async with core.db.transaction() as session:
            ws = await auth.live_session(session, cookie, now) if cookie else None
            if ws is None:
                with i18n.use_locale(request_locale(request)):
                    return render(request, "login_needed.html", status=401)
            user = await session.get(User, ws.user_id)
            # The grant is loaded with the account (bot/db/officer_models.py), fresh each request:
            # rights taken away end the session at its next click.
            officer = loaded_officer(user) if user is not None else None
            with i18n.use_locale(ws.locale):
                if user is None or officer is None:
                    await auth.end_session(session, ws, now)
                    return _refusal(request, NOT_OFFICER)
                if request.method == "POST" and not _csrf_ok(form, ws.csrf):
                    log.warning("web: refused a form without the session's CSRF token")
                    return render(request, "refused.html", status=403, reason="csrf")
                actor = actor_of(auth.actor_label(user), user.id, officer)
                page = Page(request, core, session, user, actor, ws, form)
                try:
                    return await handler(page)
                except NotAllowed as e:
                    return _refusal(request, e.reason)

    return serve


def _csrf_ok(form: Any, expected: str) -> bool:
    given = form.get("csrf", "") if hasattr(form, "get") else ""
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


def _refusal(request: web.Request, reason: str) -> web.Response:
    return render(request, "refused.html", status=403, reason=reason)


def _environment(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        _=i18n._,
        ngettext=i18n.ngettext,
        format_date=i18n.format_date,
        format_time=i18n.format_time,
    )


def build(core: Core) -> web.Application:
    """The pages as an application to mount at `/web/` (`root.add_subapp(PREFIX + "/", ...)`)."""
    from bot.web import (
        broadcasts,
        log,
        login,
        numbers,
        officers,
        point_changes,
        questions,
        schedule,
        today,
    )

    app = web.Application(middlewares=[_headers])
    app[CORE] = core
    app[ATTEMPTS] = Attempts()
    app[PROXIES] = networks(core.config.web.trusted_proxies)
    _environment(app)
    app.router.add_static("/static/", STATIC)
    login.add_routes(app.router)
    today.add_routes(app.router)
    schedule.add_routes(app.router)
    point_changes.add_routes(app.router)
    broadcasts.add_routes(app.router)
    numbers.add_routes(app.router)
    log.add_routes(app.router)
    questions.add_routes(app.router)
    officers.add_routes(app.router)
    return app


def mount(root: web.Application, core: Core) -> None:
    """Add the pages to the bot's web server application (the webhook's, or the pages' own)."""
    root.add_subapp(PREFIX + "/", build(core))
