"""Every officer service, listed: a function decorated with `@officer_service` acts for a unit
or for officers only, and checks that itself. tests/test_officer_services.py calls each one
directly with a citizen and with an officer of another unit, and fails when a registered
service has no such test."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])
OFFICER_SERVICES: dict[str, Callable[..., object]] = {}


def officer_service(fn: F) -> F:
    name = f"{fn.__module__.removeprefix('bot.')}.{fn.__qualname__}"
    OFFICER_SERVICES[name] = fn
    return fn
