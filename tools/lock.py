"""`make lock` / `make upgrade`: write constraints.txt, the exact versions every install uses.

    python3 tools/lock.py            # keep every pin that still fits; resolve only what is new
    python3 tools/lock.py --upgrade  # the newest versions pyproject.toml allows, for everything

Installs the project with its test extra into a fresh virtual environment (in a temporary
folder, with the Python that runs this script), writes what got installed — direct and
transitive, pip included — to constraints.txt, and raises each direct dependency's floor in
pyproject.toml to its locked version. The floors *are* the lock: the lowest versions
pyproject.toml allows are the versions the suite ran on. Run `make test` afterwards: a lock
lands only with a green suite (and, when it moved a library whose internals we use,
tests/test_library_contracts.py says what to check).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "constraints.txt"
PYPROJECT = ROOT / "pyproject.toml"
HEADER = """\
# The exact versions `make` installs (pip install -c constraints.txt -e '.[test]'): what the
# suite was run on, direct and transitive dependencies alike, for Python {python}.
# Written by `make lock` (tools/lock.py); do not edit by hand. README.md, "What gets installed".
"""
# A requirement in pyproject.toml: name, extras, then the floor to rewrite.
_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_REQ = re.compile(r'"(?P<name>[A-Za-z0-9_.-]+)(?P<extras>\[[^\]]*\])?>=(?P<floor>[^,"]+)')


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def name_of(requirement: str) -> str:
    """The canonical distribution name a requirement string starts with."""
    m = _NAME.match(requirement)
    if m is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    return canonical(m[0])


def direct_requirements(text: str) -> list[str]:
    """The requirement strings of `project.dependencies` and every optional extra."""
    project = tomllib.loads(text)["project"]
    reqs = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        reqs.extend(extra)
    return reqs


def floor_of(requirement: str) -> str | None:
    """The lowest version a requirement allows: its `>=` floor, or its `==` pin."""
    m = re.search(r"(?:>=|==)\s*([^,;\s]+)", requirement)
    return m[1] if m else None


def read_lock(path: Path = LOCK) -> dict[str, str]:
    """{canonical name: version} of constraints.txt."""
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonical(name)] = version.strip()
    return pins


def raise_floors(text: str, pins: dict[str, str]) -> str:
    """pyproject.toml's text with each direct dependency's floor set to its pin (the build
    system's requirements are left as they are)."""
    direct = {name_of(r) for r in direct_requirements(text)}

    def floor(m: re.Match[str]) -> str:
        if canonical(m["name"]) not in direct:
            return m[0]
        version = pins.get(canonical(m["name"]))
        if version is None:
            raise SystemExit(f"lock: {m['name']} is required but was not installed")
        return f'"{m["name"]}{m["extras"] or ""}>={version}'

    return _REQ.sub(floor, text)


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a pip command; its output is shown without the notes this machine's pip
    configuration adds for every package (index folders that do not exist)."""
    done = subprocess.run(command, capture_output=True, text=True)
    for line in (done.stdout + done.stderr).splitlines():
        if not line.startswith("WARNING: Location "):
            print(line, file=sys.stderr)
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--upgrade", action="store_true", help="newest allowed versions of everything"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="trolyso-lock-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
        keep = [] if args.upgrade or not LOCK.exists() else ["-c", str(LOCK)]
        _run([*pip, "install", *keep, "--upgrade", "pip"])
        install = _run([*pip, "install", *keep, f"{ROOT}[test]"])
        if install.returncode != 0:
            print(
                "lock: the current pins do not fit pyproject.toml any more; "
                "run `make upgrade` (python3 tools/lock.py --upgrade)",
                file=sys.stderr,
            )
            return 1
        frozen = subprocess.run(
            [*pip, "freeze", "--all", "--exclude", "trolyso"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    lines = sorted(
        (ln for ln in frozen.splitlines() if "==" in ln and not ln.startswith("setuptools==")),
        key=str.lower,
    )
    python = ".".join(map(str, sys.version_info[:2]))
    LOCK.write_text(HEADER.format(python=python) + "\n".join(lines) + "\n")
    PYPROJECT.write_text(raise_floors(PYPROJECT.read_text(), read_lock()))
    print(f"lock: {len(lines)} pins in {LOCK.name} for Python {python}; floors raised to them")
    print("lock: now run `make test`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
