"""Officer tools: the "Officer tools" menu entry (shown only to officers), the officer menu,
and its first actions — "My units", the audit log of my units, and "Link another app" (with
`/link CODE` from the other app). Officer rights from config.toml are granted at start
(`setup`).

Officer features declare their actions as `OfficerEntry` constants, listed in the menu table
(`handlers.MENUS.officer`), so the officer menu shows only what is built, and wrap their
handlers in `@officer_action`, which renders the `NotAllowed` a service raised. The checks
themselves live in the services (the actor's `require_unit` / `require_officer`,
bot/services/actor.py). The payloads here are
accepted from anyone (`always=True`) on purpose: a forged or stale one must reach that
server-side check, which refuses it politely and logs the attempt; hiding a button is never
the protection.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.ctx import Ctx, MenuEntry, OfficerEntry
from bot.db.officer_models import AuditEntry
from bot.i18n import N_, _, format_datetime, ngettext
from bot.officers import audit, linking
from bot.officers import service as officer_service
from bot.officers.bootstrap import apply_bootstrap, check_grants, grants_from_config
from bot.officers.units import known_units
from bot.points.model import Unit
from bot.router import Handler, Router
from bot.services.actor import Actor
from bot.services.errors import NotAllowed, Refused
from bot.types import Button, Incoming, Reply
from handlers import menu
from handlers.services import actor, current_officer, is_officer, render, service_context

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)
router = Router()

OPEN = "ofc"
UNITS = "ofc:units"
AUDIT = "ofc:audit"
AUDIT_UNIT = "ofc:audit:"
LINK = "ofc:link"
AUDIT_ROWS = 10

MENU_ENTRY = MenuEntry(
    OPEN,
    N_("🛠 Officer tools"),
    N_(
        "Officer tools: your communes and wards and the log of officer actions (for officers only)."
    ),
    visible=is_officer,
)


def officer_entries(ctx: Ctx, officer: Actor) -> list[OfficerEntry]:
    return [e for e in ctx.core.menus.officer if e.visible(officer)]


UNITS_ENTRY = OfficerEntry(UNITS, N_("🏘 My communes and wards"))
AUDIT_ENTRY = OfficerEntry(AUDIT, N_("📜 Log of officer actions"))
LINK_ENTRY = OfficerEntry(LINK, N_("🔗 Link another app"))


def officer_action(handler: Handler) -> Handler:
    """Turn `NotAllowed` from the handler into a polite refusal; nothing was changed."""

    @functools.wraps(handler)
    async def guarded(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
        try:
            return await handler(msg, ctx)
        except NotAllowed as e:
            return [refusal(ctx, e)]

    return guarded


def refusal(ctx: Ctx, error: NotAllowed) -> Reply:
    return menu.menu_reply(ctx, render(error) + " " + _("Please choose from the menu:"))


def back_buttons() -> tuple[tuple[Button, ...], ...]:
    return ((Button(_("⬅️ Officer tools"), OPEN),), (Button(_("🏠 Main menu"), "menu"),))


def unit_label(unit_id: str, units: Mapping[str, Unit]) -> str:
    unit = units.get(unit_id)
    if unit is None:  # no longer in content/places/units.toml
        return unit_id
    if unit.kind == "xa":
        return _("Commune {name}", name=unit.name)
    return _("Ward {name}", name=unit.name)


def _units(ctx: Ctx) -> Mapping[str, Unit]:
    return known_units(ctx.services, ctx.config.path("paths.content"))


@officer_action
async def open_menu(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    officer = (await actor(ctx)).require_officer()
    if msg.payload not in (None, OPEN):
        return None  # an officer payload nobody built: the router calls it stale
    ctx.state.clear()
    if officer.is_admin:
        scope = _("You are an administrator: you can act for every commune and ward.")
    else:
        n = len(officer.sorted_units)
        scope = ngettext("You serve {n} commune or ward.", "You serve {n} communes and wards.", n)
    buttons = tuple((Button(_(e.label), e.payload),) for e in officer_entries(ctx, officer))
    text = _("Officer tools.") + " " + scope + "\n" + _("What would you like to do?")
    return [Reply(text=text, buttons=buttons + (back_buttons()[1],), edit=msg.payload is not None)]


@officer_action
async def my_units(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    officer = (await actor(ctx)).require_officer()
    if msg.payload != UNITS:
        return None
    units = _units(ctx)
    places = ctx.services.get("places")
    lines = []
    if officer.is_admin:
        lines.append(
            _(
                "You are an administrator: you can act for all {n} communes and wards.",
                n=len(units),
            )
        )
    if officer.sorted_units:
        lines.append(_("You serve:"))
    for unit_id in officer.sorted_units:
        line = "• " + unit_label(unit_id, units)
        if places is not None:
            line += " — " + ngettext(
                "{n} support point", "{n} support points", len(places.points_of(unit_id))
            )
        lines.append(line)
    buttons = tuple(
        (Button(_("📜 Log: {unit}", unit=unit_label(u, units)), AUDIT_UNIT + u),)
        for u in officer.sorted_units
    )
    return [Reply(text="\n".join(lines), buttons=buttons + back_buttons(), edit=True)]


@officer_action
async def audit_log(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    officer = (await actor(ctx)).require_officer()
    if msg.payload != AUDIT:
        return None
    entries = await officer_service.audit_log(await service_context(ctx), limit=AUDIT_ROWS)
    title = (
        _("Latest officer actions, all communes and wards:")
        if officer.is_admin
        else _("Latest officer actions for your communes and wards:")
    )
    return [_audit_reply(title, entries, _units(ctx))]


@officer_action
async def unit_audit_log(msg: Incoming, ctx: Ctx) -> list[Reply]:
    unit_id = (msg.payload or "").removeprefix(AUDIT_UNIT)
    units = _units(ctx)
    try:
        entries = await officer_service.audit_log(await service_context(ctx), unit_id, AUDIT_ROWS)
    except Refused as e:
        return [Reply(text=render(e), buttons=back_buttons(), edit=True)]
    title = _("Latest officer actions for {unit}:", unit=unit_label(unit_id, units))
    return [_audit_reply(title, entries, units)]


def _audit_reply(title: str, entries: list[AuditEntry], units: Mapping[str, Unit]) -> Reply:
    if not entries:
        return Reply(
            text=title + "\n" + _("Nothing has been recorded yet."),
            buttons=back_buttons(),
            edit=True,
        )
    lines = [title]
    for e in entries:
        label = audit.ACTION_LABELS.get(e.action)
        what = _(label) if label else e.action
        where = f" · {unit_label(e.unit_id, units)}" if e.unit_id else ""
        lines.append(
            f"• {format_datetime(e.at, 'short')} — {what}{where}\n"
            f"  {e.target} · " + _("by {actor}", actor=e.actor)
        )
    return Reply(text="\n".join(lines), buttons=back_buttons(), edit=True)


@officer_action
async def link_code(msg: Incoming, ctx: Ctx) -> list[Reply]:
    """A one-time code to type in another app, so the officer tools follow the officer."""
    issued = await linking.new_code(await service_context(ctx))
    text = _(
        "To use the officer tools in another app, open this bot there and "
        "send:\n/link {code}\nThe code works once, for {minutes} minutes. Do not give it "
        "to anyone.",
        code=linking.shown(issued.code),
        minutes=int(linking.VALID_FOR.total_seconds() // 60),
    )
    return [Reply(text=text, buttons=back_buttons(), edit=True)]


async def link_account(msg: Incoming, ctx: Ctx) -> list[Reply]:
    """`/link CODE` from the other app: this account joins the officer's person."""
    ctx.state.clear()
    result = await linking.redeem(ctx.session, ctx.user, msg.command_args, ctx.now())
    if isinstance(result, Refused):
        return [menu.menu_reply(ctx, render(result))]
    await current_officer(ctx, again=True)  # so this very menu shows the officer tools
    text = (
        _("This account was already linked: your officer tools are here.")
        if result.already
        else _("Linked: this account now has your officer tools (🛠 Officer tools in the menu).")
    )
    return [menu.menu_reply(ctx, text)]


async def setup(core: Core) -> None:
    """Grant the officer rights config.toml lists (a wrong unit id stops the start)."""
    grants = grants_from_config(core.config)
    if not grants:
        return
    check_grants(grants, known_units(core.services, core.config.path("paths.content")))
    changed = await apply_bootstrap(core.db, grants, core.clock)
    log.info("officers: %d of %d from config.toml granted or widened", changed, len(grants))


router.command("officer", open_menu)
router.command("link", link_account)
router.payload(LINK, link_code, always=True)
router.payload(OPEN, open_menu, always=True)
router.payload(UNITS, my_units, always=True)
router.payload(AUDIT, audit_log, always=True)
router.payload(AUDIT_UNIT, unit_audit_log, always=True)
