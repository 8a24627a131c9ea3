"""/privacy and "🔒 My data": what the bot keeps about the user and the people they booked for,
a download of all of it, and "Delete my data" (after a confirmation: upcoming visits
cancelled and their seats given to people waiting, names, phone numbers, addresses and needs
removed, the account's settings cleared)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.booking import privacy
from bot.booking.phone import display_phone
from bot.ctx import Ctx, MenuEntry
from bot.i18n import N_, _, format_when
from bot.router import Router
from bot.types import Button, Document, Incoming, Reply, rows
from handlers import menu
from handlers.services import service_context

router = Router()
LISTED = 8  # visits listed on the page; the download has all of them

MENU_ENTRY = MenuEntry(
    "privacy",
    N_("🔒 My data"),
    N_("See what I keep about you and the people you booked for, and delete it."),
)


STATE_LABELS = {
    "upcoming": N_("upcoming"),
    "past": N_("past"),
    "cancelled": N_("cancelled"),
}


def _visit_line(item: dict[str, Any]) -> str:
    when = format_when(datetime.fromisoformat(item["starts_at"]))
    who = item.get("visitor_name") or _("(name deleted)")
    phone = display_phone(item["phone"]) if item.get("phone") else ""
    state = _(STATE_LABELS[item.get("state", "upcoming")])
    parts = [when, who, phone, _("code {code}", code=item["code"])]
    return f"  – [{state}] " + ", ".join(p for p in parts if p)


def _page(data: dict[str, Any], retention_days: int) -> str:
    lines = [
        _("🔒 What I keep about you:"),
        "",
        _(
            "• Your account: the messenger's id for you, your language and when you "
            "first wrote. I do not keep your name or phone number unless you book."
        ),
    ]
    visits = data.get("bookings", [])
    if visits:
        lines.append(
            _(
                "• Visits you booked ({n}), with the visitor's name and phone, the help "
                "needed, priority group and needs:",
                n=len(visits),
            )
        )
        lines += [_visit_line(v) for v in visits[-LISTED:]]
    for holder in privacy.HOLDERS:
        value = data.get(holder.name)
        if holder.name != "bookings" and value:
            count = len(value) if isinstance(value, list) else 1
            lines.append(f"• {_(holder.label)}: {count}")
    if len(lines) == 3:
        lines.append(_("• Nothing else."))
    lines += [
        "",
        _(
            "Names, phone numbers and needs are deleted {n} days after each visit, and "
            "shared only with the support team of the point.",
            n=retention_days,
        ),
    ]
    return "\n".join(lines)


async def show(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    if msg.payload not in (None, "privacy"):
        return None
    ctx.state.clear()
    data = await privacy.my_data(await service_context(ctx))
    return [
        Reply(
            text=_page(data, ctx.config.booking.retention_days),
            buttons=rows(
                Button(_("📄 Download my data"), "pv:export"),
                Button(_("🗑 Delete my data"), "pv:delete"),
                Button(_("🏠 Menu"), "menu"),
            ),
            edit=msg.payload is not None,
        )
    ]


async def download(msg: Incoming, ctx: Ctx) -> list[Reply]:
    data = await privacy.my_data(await service_context(ctx))
    body = json.dumps(data, ensure_ascii=False, indent=2).encode()
    document = Document(
        filename="my-data.json",
        data=body,
        mime_type="application/json",
        caption=_("📄 Everything I keep about you."),
    )
    return [
        Reply(document=document),
        Reply(
            text=_("Here is your data."),
            buttons=rows(Button(_("🗑 Delete my data"), "pv:delete"), Button(_("🏠 Menu"), "menu")),
        ),
    ]


async def ask_delete(msg: Incoming, ctx: Ctx) -> list[Reply]:
    text = _(
        "Delete your data? I will cancel your upcoming visits (their seats go to people "
        "waiting), take you off waitlists, and delete the names, phone numbers, addresses "
        "and needs you gave me, which guides you were reading and any unfinished booking "
        "form. This cannot be undone."
    )
    return [
        Reply(
            text=text,
            buttons=rows(
                Button(_("🗑 Yes, delete my data"), "pv:delete!"),
                Button(_("↩️ No, keep it"), "privacy"),
            ),
            edit=True,
        )
    ]


async def delete(msg: Incoming, ctx: Ctx) -> list[Reply]:
    await privacy.erase_my_data(await service_context(ctx))
    ctx.state.clear()
    return [
        menu.menu_reply(
            ctx,
            _(
                "Done: your data is deleted and your upcoming visits are "
                "cancelled. You can still use the bot at any time."
            ),
        )
    ]


router.command("privacy", show)
router.payload("privacy", show, always=True)
router.payload("pv:export", download, always=True)
router.payload("pv:delete", ask_delete, always=True)
router.payload("pv:delete!", delete)
