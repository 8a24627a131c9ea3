"""A citizen's news choices as a service: get a ward's news (the unit must exist), stop one,
stop all news and turn it on again — always the actor's own, from any surface. The rows are
bot/broadcasts/news.py's."""

from __future__ import annotations

from bot.broadcasts import news
from bot.i18n import N_
from bot.services.context import ServiceContext
from bot.services.errors import Refused
from bot.services.messages import define

define("news.unknown_unit", N_("I don't know that ward or commune, so I changed nothing."))


def _user_id(sc: ServiceContext) -> int:
    if sc.actor.user_id is None:  # news goes to a channel account
        raise Refused("news.unknown_unit")
    return sc.actor.user_id


async def mine(sc: ServiceContext) -> tuple[bool, list[str]]:
    """(news turned off?, the unit ids whose news the actor gets)."""
    user_id = _user_id(sc)
    off = await news.opted_out_since(sc.session, user_id) is not None
    return off, await news.subscriptions(sc.session, user_id)


async def subscribe(sc: ServiceContext, unit_id: str, chat_id: str, locale: str) -> bool:
    """Get this unit's news (False when already so). Asking for a ward's news is asking for
    news: a past "stop all news" no longer holds."""
    if unit_id not in sc.units():
        raise Refused("news.unknown_unit")
    user_id = _user_id(sc)
    added = await news.subscribe(sc.session, user_id, unit_id, chat_id, locale, sc.now())
    await news.opt_in(sc.session, user_id)
    return added


async def unsubscribe(sc: ServiceContext, unit_id: str) -> bool:
    """No more news from this unit; False when there was none."""
    return await news.unsubscribe(sc.session, _user_id(sc), unit_id)


async def stop_all(sc: ServiceContext) -> None:
    """No broadcast reaches the actor from now on (their waiting ones are dropped)."""
    await news.opt_out(sc.session, _user_id(sc), sc.now())


async def turn_on(sc: ServiceContext) -> None:
    await news.opt_in(sc.session, _user_id(sc))
