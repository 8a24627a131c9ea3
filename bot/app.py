"""The composition root: the one module that knows every part and builds them in order —
config → database → core services → features (handlers) → channels.

Nothing else imports the features: the core (bot/core.py) gets the router and the menu table
from here, and the channels get a ready core. The CLI (`trolyso run`), the tests and the
benches all start the bot through `start` (a core) or `run` (a core served on a channel).
"""

from __future__ import annotations

import handlers
from bot import i18n
from bot.clock import Clock
from bot.config import Config
from bot.core import Core
from bot.db import Database, load_models, resolve_url


async def start(config: Config, clock: Clock | None = None, upgrade: bool = True) -> Core:
    """Open the database (applying migrations), load catalogs and the features."""
    load_models()
    i18n.load_catalogs(config.path("paths.locales"), config.tz)
    db = Database(resolve_url(config.database.url, config.base_dir))
    try:
        if upgrade:
            await db.upgrade()
        core = Core(config, db, handlers.build_router(), clock or Clock(), handlers.MENUS)
        await handlers.setup(core)
    except BaseException:
        await db.close()
        raise
    return core


def run(config: Config, channel: str, *, webhook: bool = False) -> None:
    """`trolyso run`: serve one channel until SIGINT/SIGTERM (bot/channels/__init__.py says
    which channels there are)."""
    from bot.channels import serve

    serve(config, channel, start, webhook=webhook)


__all__ = ["run", "start"]
