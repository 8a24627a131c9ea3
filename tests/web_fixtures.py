"""The fixtures every officer-page test module shares: a running core with officers of two
units and an admin (tests/schedule_setup.py), the sample points open for booking, and the
real pages on a real server on an ephemeral port (tests/web_client.py).

A test module takes them with

    from tests.web_fixtures import core, site  # noqa: F401  (pytest fixtures)
"""

from __future__ import annotations

import pytest

from bot import app
from tests.booking_flow import use_places
from tests.schedule_setup import OFFICERS
from tests.web_client import WebSite


@pytest.fixture
async def core(config, clock):
    core = await app.start(config.replace(**OFFICERS), clock=clock)
    await use_places(core)
    try:
        yield core
    finally:
        await core.close()


@pytest.fixture
async def site(core):
    site = await WebSite.start(core)
    try:
        yield site
    finally:
        await site.close()
