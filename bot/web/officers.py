"""The "Officers" pages (administrators only): every officer and admin with their communes and
wards and the apps linked to them; add an officer by their app account, change someone's role
and units, take their rights away (after a confirmation).

Who may do this, the checks (known units, an officer needs a unit, nobody changes their own
rights) and the audit entries are the services' (bot/officers/service.py), as for
`trolyso officers`; this module only reads the form, shows and forwards. Linking another app
is done by the officer themself in a chat ("🔗 Link another app"), as the page says.
"""

from __future__ import annotations

from aiohttp import web

from bot.db.officer_models import ROLES
from bot.i18n import _
from bot.officers import service as officers
from bot.officers.accounts import EXAMPLES, BadAccount, parse_account
from bot.officers.units import UnknownUnit
from bot.points.names import sort_key, unit_label
from bot.services.errors import Refused
from bot.web.app import PREFIX, Page, officer_page, see_other

MAX_ACCOUNT = 80


def _units(page: Page) -> list[tuple[str, str]]:
    """(unit id, label) of every commune and ward, in Vietnamese alphabetical order."""
    units = page.sc().units()
    return sorted(((u, unit_label(units[u])) for u in units), key=lambda p: sort_key(p[1]))


def _view(page: Page, view: officers.OfficerView) -> dict:
    units = page.sc().units()
    return {
        "id": view.id,
        "role": view.role,
        "units": [unit_label(units[u]) if u in units else u for u in view.unit_ids],
        "unit_ids": view.unit_ids,
        "accounts": [f"{c}:{e}" for c, e in view.accounts],
        "is_me": view.is_me,
    }


async def _list_page(page: Page, notice: str | None = None, status: int = 200, form=None):
    found = await officers.list_officers(page.sc())
    return page.render(
        "officers.html",
        status,
        active="officers",
        officers=[_view(page, o) for o in found],
        units=_units(page),
        notice=notice,
        examples=EXAMPLES,
        form=form or {"account": "", "role": "officer", "units": []},
    )


@officer_page
async def list_page(page: Page) -> web.Response:
    return await _list_page(page)


def _read_rights(page: Page) -> tuple[str, list[str]] | None:
    role = str(page.form.get("role", ""))
    units = sorted({str(u) for u in page.form.getall("units", [])})
    if role not in ROLES or len(units) > 200:
        return None
    return role, units


async def _grant(page: Page, channel: str, external_id: str, role: str, units: list[str]):
    """The service's answer as a notice: (notice, status)."""
    try:
        changed = await officers.grant(page.sc(), channel, external_id, role, units)
    except UnknownUnit:
        return _("I don't know that commune or ward, so I did nothing."), 400
    except Refused as e:
        return str(e), 409
    account = f"{channel}:{external_id}"
    if not changed:
        return _("Nothing changed: {account} already has these rights.", account=account), 200
    return _("Saved: {account} is now {role}.", account=account, role=_role(role)), 200


def _role(role: str) -> str:
    return _("an administrator (every commune and ward)") if role == "admin" else _("an officer")


@officer_page
async def add(page: Page) -> web.Response:
    typed = str(page.form.get("account", "")).strip()[:MAX_ACCOUNT]
    rights = _read_rights(page)
    form = {"account": typed, "role": rights[0] if rights else "officer", "units": []}
    if rights is None:
        return await _list_page(page, _("Please choose the role."), 400, form)
    form["units"] = rights[1]
    await officers.list_officers(page.sc())  # admins only, before anything is read further
    try:
        channel, external_id = parse_account(typed)
    except BadAccount:
        notice = _(
            "Please write the app account as the app, a colon and the person's id in it, "
            "for example {example}.",
            example=EXAMPLES[0],
        )
        return await _list_page(page, notice, 400, form)
    notice, status = await _grant(page, channel, external_id, *rights)
    if status != 200:
        return await _list_page(page, notice, status, form)
    return await _list_page(page, notice)


async def _officer(page: Page) -> officers.OfficerView:
    text = page.request.match_info["officer"]
    found = await officers.list_officers(page.sc())  # admins only
    if text.isdigit() and len(text) <= 11:
        for view in found:
            if view.id == int(text):
                return view
    raise web.HTTPNotFound()


def _edit(page: Page, view, notice: str | None = None, status: int = 200, confirm=False):
    return page.render(
        "officer.html",
        status,
        active="officers",
        o=_view(page, view),
        units=_units(page),
        notice=notice,
        confirm=confirm,
    )


@officer_page
async def edit_page(page: Page) -> web.Response:
    return _edit(page, await _officer(page))


@officer_page
async def change(page: Page) -> web.Response:
    view = await _officer(page)
    rights = _read_rights(page)
    if rights is None:
        return _edit(page, view, _("Please choose the role."), 400)
    if not view.accounts:
        return _edit(page, view, _("This officer has no app account left."), 409)
    channel, external_id = view.accounts[0]
    notice, status = await _grant(page, channel, external_id, *rights)
    return _edit(page, await _officer(page), notice, status)


@officer_page
async def remove(page: Page) -> web.Response:
    view = await _officer(page)
    if view.is_me:
        return _edit(page, view, str(Refused("officers.not_yourself")), 409)
    if page.form.get("step") != "apply":
        return _edit(page, view, confirm=True)
    if not view.accounts:
        return _edit(page, view, _("This officer has no app account left."), 409)
    channel, external_id = view.accounts[0]
    try:
        await officers.revoke(page.sc(), channel, external_id)
    except Refused as e:
        return _edit(page, view, str(e), 409)
    return see_other(f"{PREFIX}/officers")


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/officers", list_page)
    router.add_post("/officers/add", add)
    router.add_get("/officers/{officer}", edit_page)
    router.add_post("/officers/{officer}/rights", change)
    router.add_post("/officers/{officer}/remove", remove)
