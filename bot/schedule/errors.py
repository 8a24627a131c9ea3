"""Why a schedule action was not done: a message for the officer, already in their language.
Raised before anything changed, or inside a savepoint that is rolled back."""

from __future__ import annotations


class Refused(Exception):
    """The action cannot be done as asked; `str(e)` says why, kindly."""
