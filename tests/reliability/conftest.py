"""The reliability suite: fuzzing the webhook, kill -9 during a burst and a broadcast, two
processes on one PostgreSQL database, and a scan of every log line they wrote.

`make test` runs it at a small size (CI); `make reliability` at full size
(RELIABILITY_SIZE=full), printing the table and writing it to docs/RELIABILITY.md. Every test
adds its figures to one table, printed at the end of the run.
"""

from __future__ import annotations

import os
import platform
from datetime import date
from pathlib import Path

import pytest

from tests.reliability import harness

DOC = Path(__file__).resolve().parents[2] / "docs" / "RELIABILITY.md"
BEGIN, END = "<!-- reliability:begin -->", "<!-- reliability:end -->"


@pytest.fixture(scope="session", autouse=True)
def log_dir(tmp_path_factory) -> Path:
    harness.LOG_DIR = tmp_path_factory.mktemp("bot-logs")
    return harness.LOG_DIR


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "reliability: the reliability suite (tests/reliability)")


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if "tests/reliability/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.reliability)


def _machine() -> str:
    cpus = os.cpu_count() or 0
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{cpus} CPUs ({model}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, {date.today()}, load average {load}"
    )


def table() -> str:
    header = "| check | store | figures |\n| --- | --- | --- |"
    rows = [
        f"| {r['check']} | {r['store']} | "
        + ", ".join(f"{k} **{v}**" for k, v in r.items() if k not in ("check", "store"))
        + " |"
        for r in harness.FIGURES
    ]
    return "\n".join([header, *rows])


def pytest_terminal_summary(terminalreporter) -> None:
    if not harness.FIGURES:
        return
    text = f"Machine: {_machine()}\nSize: {harness.SIZE}\n\n{table()}"
    terminalreporter.write_sep("=", "reliability figures")
    terminalreporter.write_line(text)
    if os.environ.get("RELIABILITY_WRITE_DOC") and DOC.exists():
        doc = DOC.read_text()
        head, rest = doc.split(BEGIN, 1)
        _old, tail = rest.split(END, 1)
        DOC.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")
