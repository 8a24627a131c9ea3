"""The lock: constraints.txt is what is installed, and pyproject.toml's floors are its pins.

So the lowest versions pyproject.toml allows are the versions this suite runs on, and a fresh
machine (`make`, which installs with `-c constraints.txt`) gets exactly them.
"""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import lock  # noqa: E402

FIX = "run `make lock` (tools/lock.py), then `make test`; README.md, 'What gets installed'"


def test_every_direct_dependency_has_its_floor_at_the_locked_version():
    pins = lock.read_lock()
    text = (ROOT / "pyproject.toml").read_text()
    wrong = []
    for requirement in lock.direct_requirements(text):
        name = lock.name_of(requirement)
        floor = lock.floor_of(requirement)
        if name not in pins:
            wrong.append(f"{requirement}: not in constraints.txt")
        elif floor != pins[name]:
            wrong.append(f"{requirement}: the lock has {pins[name]}")
    assert not wrong, f"pyproject.toml's floors are not the lock ({FIX}):\n" + "\n".join(wrong)


def test_raising_floors_keeps_upper_bounds_and_the_build_system():
    text = '[build-system]\nrequires = ["setuptools>=68"]\n[project]\ndependencies = [\n  "SQLAlchemy[asyncio]>=2.0,<2.2",\n]\n[project.optional-dependencies]\ntest = ["ruff>=0.6"]\n'
    raised = lock.raise_floors(text, {"sqlalchemy": "2.1.9", "ruff": "0.17.6"})
    assert '"SQLAlchemy[asyncio]>=2.1.9,<2.2"' in raised
    assert '"ruff>=0.17.6"' in raised
    assert '"setuptools>=68"' in raised


@pytest.mark.skipif(
    not (ROOT / ".venv").exists() or Path(sys.prefix).resolve() != (ROOT / ".venv").resolve(),
    reason="runs in the project's own .venv (made by `make`)",
)
def test_the_environment_under_test_is_the_lock():
    different = []
    for name, version in lock.read_lock().items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != version:
            different.append(f"{name}: locked {version}, installed {installed}")
    assert not different, (
        "this environment is not the lock (`make` reinstalls when constraints.txt changes; "
        f"a package installed by hand? else {FIX}):\n" + "\n".join(different)
    )
