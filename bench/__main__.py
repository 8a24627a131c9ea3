"""`python -m bench` (what `make bench` runs): measure, print one table, check the bars.

Every row is measured in this run. The fake Bot API server runs in its own process; each bot
runs in a child process of its own. `--write-doc` also puts the table into
docs/PERFORMANCE.md (between its bench markers) with the machine it ran on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "PERFORMANCE.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
SPEEDUP_BAR = 5.0
P99_BAR_MS = 50.0
STEADY_RATE = 200


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    bot: str
    count: int
    rate: float = 0.0  # 0: every update available at once (throughput)
    chats: int = 100


ROWS = (
    Row("echo-httpx", "bare PTB echo bot, PTB defaults (HTTPXRequest, one update at a time)",
        "echo-httpx", 600),
    Row("echo-aiohttp", "bare PTB echo bot, our AiohttpRequest (one update at a time)",
        "echo-aiohttp", 600),
    Row("ours", "our bot: /menu → menu (aiohttp, per-chat order, router, core, SQLite)",
        "ours", 1500),
    Row("ours-steady", f"our bot at a steady {STEADY_RATE} updates/s", "ours",
        STEADY_RATE * 10, rate=STEADY_RATE, chats=500),
    Row("channel-only", "our channel alone (core answers from memory; diagnostic)",
        "ours-memory-core", 1500),
)


@dataclass
class Result:
    row: Row
    replies: int
    per_second: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_fake() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.fake_telegram", "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    match = re.fullmatch(r"READY (\d+)\s*", line)
    if not match:
        proc.kill()
        raise SystemExit(f"bench: the fake Bot API server did not start ({line!r})")
    return proc, f"http://127.0.0.1:{match[1]}"


def measure(row: Row, server: str) -> Result:
    limit = max(60.0, row.count / max(row.rate, 1) * 3)
    cmd = [sys.executable, "-m", "bench.bots", "--bot", row.bot, "--server", server,
           "--count", str(row.count), "--chats", str(row.chats), "--rate", str(row.rate),
           "--warmup", "200", "--limit", str(limit)]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=limit + 120)
    if out.returncode != 0:
        raise SystemExit(f"bench: {row.key} failed:\n{out.stderr[-2000:]}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    latencies = data["latencies"]
    if data["replies"] < row.count:
        print(f"bench: {row.key}: only {data['replies']} of {row.count} replies arrived",
              file=sys.stderr)
    return Result(row, data["replies"], data["replies"] / data["span"] if data["span"] else 0,
                  percentile(latencies, 0.50) * 1000, percentile(latencies, 0.99) * 1000,
                  data["cpu"] / max(data["replies"], 1) * 1000)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}, {date.today().isoformat()}, "
            f"load average at start {load}")


def table(results: list[Result]) -> str:
    lines = ["| run | updates | updates/s | p50 ms | p99 ms | bot CPU ms/update |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        mode = "" if not r.row.rate else f" (fed at {r.row.rate:g}/s)"
        lines.append(f"| {r.row.label}{mode} | {r.replies} | {r.per_second:.0f} | "
                     f"{r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.cpu_ms:.2f} |")
    return "\n".join(lines)


def verdict(results: dict[str, Result]) -> str:
    speedup = results["ours"].per_second / results["echo-httpx"].per_second
    p99 = results["ours-steady"].p99_ms
    ok = {True: "met", False: "NOT met"}
    return (f"- our bot vs the bare default-transport echo bot: {speedup:.1f}× "
            f"(bar ≥ {SPEEDUP_BAR:g}×: {ok[speedup >= SPEEDUP_BAR]})\n"
            f"- p99 at a steady {STEADY_RATE} updates/s: {p99:.1f} ms "
            f"(bar < {P99_BAR_MS:g} ms: {ok[p99 < P99_BAR_MS]})")


def write_doc(text: str) -> None:
    doc = DOC.read_text()
    if BEGIN not in doc or END not in doc:
        raise SystemExit(f"bench: {DOC} has no {BEGIN} … {END} section")
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--write-doc", action="store_true",
                        help=f"also write the table into {DOC.relative_to(ROOT)}")
    args = parser.parse_args()
    about = machine()
    print(f"Machine: {about}", flush=True)
    started = time.monotonic()
    fake, server = start_fake()
    try:
        results = {}
        for row in ROWS:
            print(f"  measuring: {row.label} …", flush=True)
            results[row.key] = measure(row, server)
    finally:
        fake.send_signal(signal.SIGINT)
        try:
            fake.wait(timeout=10)
        except subprocess.TimeoutExpired:
            fake.kill()
    load_end = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    text = (f"Measured {about}; load average at the end {load_end}; "
            f"{time.monotonic() - started:.0f} s.\n\n"
            f"{table(list(results.values()))}\n\n{verdict(results)}")
    print()
    print(text)
    if args.write_doc:
        write_doc(text)
        print(f"\nwritten to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
