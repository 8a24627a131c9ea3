"""Officer grants as stored: the officer row of a channel account's person (with its units),
and the row the chat loaded with the sender's user (handlers/services.py builds the actor).

The checks themselves ("may this person act for that unit?") are methods of the `Actor`
(bot/services/actor.py) and are called by the services, whatever surface calls them.
"""

from __future__ import annotations

from sqlalchemy import inspect

from bot.db.models import User
from bot.db.officer_models import Officer
from bot.services.actor import officer_of

__all__ = ["officer_of"]  # re-exported: where the chat and the CLI have always found it


def can_act_on_unit(officer: Officer | None, unit_id: str) -> bool:
    if officer is None:
        return False
    return officer.is_admin or unit_id in officer.unit_ids


def loaded_officer(user: User) -> Officer | None:
    """The officer row loaded with the user at the start of this message (see
    bot/db/officer_models.py); None for citizens. Never touches the database."""
    return inspect(user).dict.get("officer")
