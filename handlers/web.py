"""The way into the officers' web pages from any chat: `/web`, or "🖥 Open the dashboard" in
Officer tools, answers with a one-time login link (bot/web/auth.py issues it, and refuses
anyone who is not an officer or admin). Offered only when the pages are switched on
(`web.public_url`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.ctx import Ctx, OfficerEntry
from bot.i18n import N_, _
from bot.router import Router
from bot.types import Button, ButtonKind, Incoming, Reply
from bot.web import auth
from handlers.officer import back_buttons, officer_action
from handlers.services import service_context

if TYPE_CHECKING:
    from bot.core import Core

router = Router()

OPEN = "ofc:web"


class _Switch:
    """Whether this process serves the pages: set from the config at start (`setup`)."""

    on = False


ENTRY = OfficerEntry(OPEN, N_("🖥 Open the dashboard"), visible=lambda officer: _Switch.on)


@officer_action
async def open_dashboard(msg: Incoming, ctx: Ctx) -> list[Reply]:
    public_url = ctx.config.web.public_url
    if not public_url:
        return [
            Reply(
                text=_("The web pages are not switched on for this bot."), buttons=back_buttons()
            )
        ]
    token = await auth.issue_link(await service_context(ctx), ctx.locale, msg.chat_id)
    url = auth.login_url(public_url, token)
    text = "\n".join(
        [
            _("🖥 Your link to the officer web pages:"),
            url,
            _("It works once, for 5 minutes, and only for you: do not forward it."),
        ]
    )
    # Messengers accept only public https addresses on a button; the text carries any other.
    link = (
        ((Button(_("🖥 Open the dashboard"), kind=ButtonKind.URL, url=url),),)
        if url.startswith("https://")
        else ()
    )
    return [Reply(text=text, buttons=link + back_buttons())]


async def setup(core: Core) -> None:
    _Switch.on = bool(core.config.web.public_url)


router.command("web", open_dashboard)
router.payload(OPEN, open_dashboard, always=True)
