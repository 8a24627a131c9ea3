"""The "Log" page: the audit log of the officer's communes and wards (every one for an admin),
newest first, filterable by commune or ward and by kind of action. What each officer may see
is the service's rule (bot/officers/service.py)."""

from __future__ import annotations

from aiohttp import web

from bot.i18n import _, format_datetime
from bot.officers import audit
from bot.officers import service as officers
from bot.points.names import unit_label
from bot.services.errors import Refused
from bot.web.app import Page, officer_page

ROWS = 100


@officer_page
async def log_page(page: Page) -> web.Response:
    sc = page.sc()
    units = sc.units()
    unit = page.request.query.get("unit", "")
    action = page.request.query.get("action", "")
    try:
        entries = await officers.audit_log(sc, unit or None, ROWS)
    except Refused as e:
        return page.render("refused.html", 404, reason="", message=str(e))
    if action:
        entries = [e for e in entries if e.action == action]
    mine = sorted(units) if page.actor.is_admin else page.actor.sorted_units
    rows = [
        {
            "at": format_datetime(e.at, "short"),
            "what": _(audit.ACTION_LABELS[e.action])
            if e.action in audit.ACTION_LABELS
            else e.action,
            "unit": unit_label(units[e.unit_id])
            if e.unit_id is not None and e.unit_id in units
            else (e.unit_id or ""),
            "target": e.target,
            "actor": e.actor,
        }
        for e in entries
    ]
    return page.render(
        "log.html",
        active="log",
        rows=rows,
        unit=unit,
        action=action,
        units=[(u, unit_label(units[u]) if u in units else u) for u in mine],
        actions=sorted(
            ((code, _(label)) for code, label in audit.ACTION_LABELS.items()), key=lambda a: a[1]
        ),
    )


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/log", log_page)
