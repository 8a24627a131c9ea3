"""The "Broadcast" pages: write a message (its length limit shown), choose who gets it — the
news subscribers of my communes and wards, the visitors of one of my points or of one coming
session, or everyone for an admin — see how many people it reaches on each channel and who it
will not reach and why (turned news off, blocked the bot, outside a channel's reply window),
send, then watch its progress
(sent / unreachable / failed) update without a reload until the final numbers; past
broadcasts listed.

Who may send to whom, the count, the queueing (one outbox row per person, at the channels'
rate limits), the progress and the audit entries are the services' (bot/broadcasts/service.py,
history.py); this module only shows and forwards. Progress and the final report also reach
the officer's chat, as when they send from there.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from bot.booking import texts as booking_texts
from bot.broadcasts import history, texts
from bot.broadcasts import service as broadcasts
from bot.broadcasts.audience import Audience
from bot.broadcasts.queue import MAX_TEXT_CHARS
from bot.i18n import _, ngettext
from bot.points.names import unit_label
from bot.services.errors import Refused
from bot.web.app import PREFIX, Page, officer_page, see_other

POLL_SECONDS = 2


async def _choices(page: Page, points) -> list[tuple[str, str]]:
    """(form value, label) of each audience this officer may write to: after each point,
    its coming sessions that have visitors booked."""
    sc = page.sc()
    units = sc.units()
    found = []
    if page.actor.unit_ids:
        names = ", ".join(
            unit_label(units[u]) if u in units else u for u in page.actor.sorted_units
        )
        found.append(("units", _("News subscribers of {units}", units=names)))
    for p in points:
        found.append((f"point:{p.id}", _("Visitors booked at {point}", point=p.name)))
        _point, sessions = await broadcasts.sessions_of(sc, p.id)
        found += [
            (
                f"session:{s.session_id}",
                ngettext(
                    "Visitors booked on {when} at {point} ({n} booked)",
                    "Visitors booked on {when} at {point} ({n} booked)",
                    s.booked,
                    when=booking_texts.when(s.starts_at, s.ends_at),
                    point=p.name,
                ),
            )
            for s in sessions
            if s.booked
        ]
    if page.actor.is_admin:
        found.append(("everyone", _("Everyone who uses the bot (administrators only)")))
    return found


def _audience(page: Page, value: str) -> Audience | None:
    if value == "units":
        return Audience("units", tuple(page.actor.sorted_units))
    if value == "everyone":
        return Audience("everyone")
    if value.startswith("point:") and 0 < len(value) <= 40:
        return Audience("point", (value.removeprefix("point:"),))
    session = value.removeprefix("session:")
    if value.startswith("session:") and session.isdigit() and len(session) <= 11:
        return Audience("session", (int(session),))
    return None


async def _sender(page: Page, audience: Audience) -> Callable[[], texts.Sender]:
    """Who the message is from, rendered later in each recipient's language."""
    sc = page.sc()
    if audience.kind == "units":
        units = sc.units()
        ids = [str(u) for u in audience.target]
        return lambda: texts.Sender("units", tuple(unit_label(units[u]) for u in ids))
    if audience.kind == "point":
        name = broadcasts.point_of(sc, str(audience.target[0])).name
        return lambda: texts.Sender("point", (name,))
    if audience.kind == "session":
        row = await broadcasts.session_of(sc, audience.target[0])
        point = sc.places.points.get(row.point_id) if sc.places else None
        label = point.name if point else row.point_id
        return lambda: texts.Sender(
            "session", (label,), booking_texts.when(row.starts_at, row.ends_at)
        )
    return lambda: texts.Sender("everyone")


async def _compose(
    page: Page,
    *,
    text: str = "",
    chosen: str = "",
    notice: str | None = None,
    preview: dict | None = None,
    status: int = 200,
) -> web.Response:
    sc = page.sc()
    points = await broadcasts.my_points(sc)
    past = await history.recent_broadcasts(sc)
    return page.render(
        "broadcast.html",
        status,
        active="broadcast",
        choices=await _choices(page, points),
        text=text,
        chosen=chosen,
        notice=notice,
        preview=preview,
        limit=MAX_TEXT_CHARS,
        past=past,
    )


@officer_page
async def compose(page: Page) -> web.Response:
    return await _compose(page)


def _read(page: Page) -> tuple[str, str, Audience | None, str | None]:
    """The form: text, audience value, audience, and what is wrong with them (or None)."""
    text = str(page.form.get("text", "")).strip()
    chosen = str(page.form.get("audience", ""))
    audience = _audience(page, chosen)
    if not text:
        return text, chosen, audience, _("Please write the message.")
    if len(text) > MAX_TEXT_CHARS:
        return (
            text,
            chosen,
            audience,
            _(
                "The message has {length} characters; at most {n} fit. Please shorten it.",
                length=len(text),
                n=MAX_TEXT_CHARS,
            ),
        )
    if audience is None:
        return text, chosen, audience, _("Please choose who gets the message.")
    return text, chosen, audience, None


@officer_page
async def preview(page: Page) -> web.Response:
    text, chosen, audience, problem = _read(page)
    if problem is not None or audience is None:
        return await _compose(page, text=text, chosen=chosen, notice=problem, status=400)
    sc = page.sc()
    default_locale = page.core.config.bot.default_locale
    core = page.core
    profile = core.profile
    try:
        reach = await broadcasts.reach_now(
            sc, audience, default_locale, lambda channel: profile(channel).policy
        )
    except Refused as e:
        return await _compose(page, text=text, chosen=chosen, notice=str(e), status=409)
    label = dict(await _choices(page, await broadcasts.my_points(sc))).get(chosen, "")
    summary = {
        "total": reach.total,
        "lines": texts.reach_lines(reach, lambda channel: profile(channel).label),
        "not_delivered": {_(reason): n for reason, n in reach.left_out.items()},
        "waiting": reach.waiting_total,
        "label": label,
    }
    return await _compose(page, text=text, chosen=chosen, preview=summary)


@officer_page
async def send(page: Page) -> web.Response:
    text, chosen, audience, problem = _read(page)
    if problem is not None or audience is None:
        return await _compose(page, text=text, chosen=chosen, notice=problem, status=400)
    sc = page.sc()
    try:
        broadcast = await broadcasts.send_broadcast(
            sc,
            audience,
            text,
            await _sender(page, audience),
            reply_to=(page.user.channel, page.web_session.chat_id, page.web_session.locale),
            default_locale=page.core.config.bot.default_locale,
        )
    except Refused as e:
        return await _compose(page, text=text, chosen=chosen, notice=str(e), status=409)
    if broadcast is None:
        notice = _("Nobody can be reached with this audience now, so nothing was sent.")
        return await _compose(page, text=text, chosen=chosen, notice=notice, status=409)
    return see_other(f"{PREFIX}/broadcasts/{broadcast.id}")


def _broadcast_id(page: Page) -> int:
    text = page.request.match_info["broadcast"]
    if not text.isdigit() or len(text) > 11:
        raise web.HTTPNotFound()
    return int(text)


async def _status(page: Page) -> history.Status | web.Response:
    try:
        return await history.broadcast_status(page.sc(), _broadcast_id(page))
    except Refused as e:
        return page.render("refused.html", 404, reason="", message=str(e))


@officer_page
async def status_page(page: Page) -> web.Response:
    found = await _status(page)
    if isinstance(found, web.Response):
        return found
    return page.render("broadcast_status.html", active="broadcast", st=found, poll=POLL_SECONDS)


@officer_page
async def progress(page: Page) -> web.Response:
    """The progress block alone, for htmx to swap in every few seconds until it is done."""
    found = await _status(page)
    if isinstance(found, web.Response):
        return found
    return page.render("broadcast_progress.html", st=found, poll=POLL_SECONDS)


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/broadcasts", compose)
    router.add_post("/broadcasts/preview", preview)
    router.add_post("/broadcasts/send", send)
    router.add_get("/broadcasts/{broadcast}", status_page)
    router.add_get("/broadcasts/{broadcast}/progress", progress)
