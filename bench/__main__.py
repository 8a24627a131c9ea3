"""`python -m bench` (what `make bench` runs): measure, print one table, check the bars.

Every row is measured in this run, in rounds: each round measures every row once, one bot at a
time, against the same fake Bot API server (bench/fake_api.py, its own process) and the same
load generator; each bot runs in a child process of its own. The machines this runs on are
shared and noisy, so the table gives each row's median over the rounds with the range, and the
bars are checked round by round (the speed-up compares two rows of the same round).
`--write-doc` also puts the table into docs/PERFORMANCE.md (between its bench markers) with the
machine it ran on. `--baseline DIR` adds two rows measured with another checkout's code (its
own .venv, e.g. a worktree of main), in the same rounds against the same server, so a change
is compared with what it changes side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "PERFORMANCE.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
SPEEDUP_BAR = 5.0
P99_BAR_MS = 50.0
STEADY_RATE = 200
MIX_CITIZENS = 1000
MIX_STEADY_COUNT = STEADY_RATE * 30
MIX_PG_CITIZENS = 100  # every script to its end takes long on 2 shared CPUs
PG_URL = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL", "")
MIX_LIMIT_S = 900.0


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    bot: str
    count: int
    rate: float = 0.0  # 0: every update available at once (throughput)
    chats: int = 100
    root: Path | None = None  # another checkout to run the bot from (`--baseline`)
    postgresql: bool = False  # the mixed workload on PostgreSQL (BENCH_DATABASE_URL)
    processes: int = 1  # bot processes behind the round-robin webhook front

    @property
    def warmup(self) -> int:
        # Every chat writes at least once before the measurement: a first message (a new
        # user) is not what these rows measure.
        return max(200, self.chats)


ROWS = (
    Row(
        "echo-httpx",
        "bare PTB echo bot, PTB defaults (HTTPXRequest, one update at a time)",
        "echo-httpx",
        600,
    ),
    Row(
        "echo-aiohttp",
        "bare PTB echo bot, our AiohttpRequest (one update at a time)",
        "echo-aiohttp",
        600,
    ),
    Row(
        "ours",
        "our bot: /menu → menu (aiohttp, per-chat order, router, core, SQLite)",
        "ours",
        1500,
    ),
    Row(
        "ours-steady",
        f"our bot at a steady {STEADY_RATE} updates/s",
        "ours",
        STEADY_RATE * 10,
        rate=STEADY_RATE,
        chats=500,
    ),
    Row(
        "mix",
        "mixed workload: 1,000 citizens (guide, question, booking, My bookings) and 20 "
        "officers (today's list), all at once",
        "ours-mix",
        0,  # every script to its end
        chats=MIX_CITIZENS,
    ),
    Row(
        "mix-steady",
        f"mixed workload at a steady {STEADY_RATE} updates/s",
        "ours-mix",
        MIX_STEADY_COUNT,  # the first 30 s of the mix
        rate=STEADY_RATE,
        chats=MIX_CITIZENS,
    ),
    Row(
        "mix-pg-1",
        f"mixed workload on PostgreSQL, {MIX_PG_CITIZENS} citizens, 1 process (webhook)",
        "ours-mix",
        0,
        chats=MIX_PG_CITIZENS,
        postgresql=True,
        processes=1,
    ),
    Row(
        "mix-pg-2",
        f"mixed workload on PostgreSQL, {MIX_PG_CITIZENS} citizens, 2 processes (webhooks, "
        "round-robin)",
        "ours-mix",
        0,
        chats=MIX_PG_CITIZENS,
        postgresql=True,
        processes=2,
    ),
    Row(
        "channel-only",
        "our channel alone (core answers from memory; diagnostic)",
        "ours-memory-core",
        1500,
    ),
)


@dataclass
class Result:
    row: Row
    replies: int
    per_second: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float
    server_cpu_ms: float
    db_ms: float | None = None  # PostgreSQL rows: statement time per update
    statements: list | None = None  # PostgreSQL rows: the costliest statements
    rss_mb: float = 0.0
    kinds: dict[str, list[float]] | None = None  # the mixed workload: latencies per kind


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_fake() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.fake_api", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline() if proc.stdout else ""
    match = re.fullmatch(r"READY (\d+)\s*", line)
    if not match:
        proc.kill()
        raise SystemExit(f"bench: the fake Bot API server did not start ({line!r})")
    return proc, f"http://127.0.0.1:{match[1]}"


def measure(row: Row, server: str) -> Result:
    mixed = row.bot == "ours-mix"
    limit = MIX_LIMIT_S if mixed else max(60.0, row.count / max(row.rate, 1) * 3)
    root = row.root or ROOT
    cmd = [
        str(root / ".venv" / "bin" / "python") if row.root else sys.executable,
        "-m",
        "bench.bots",
        "--bot",
        row.bot,
        "--server",
        server,
        "--count",
        str(row.count),
        "--chats",
        str(row.chats),
        "--rate",
        str(row.rate),
        "--warmup",
        str(0 if mixed else row.warmup),
        "--limit",
        str(limit),
    ]
    if row.postgresql:
        cmd += ["--database", PG_URL, "--processes", str(row.processes)]
    out = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=limit + 120)
    if out.returncode != 0:
        raise SystemExit(f"bench: {row.key} failed:\n{out.stderr[-2000:]}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    if mixed:
        return _mixed(row, data)
    latencies = data["latencies"]
    if data["replies"] < row.count:
        print(
            f"bench: {row.key}: only {data['replies']} of {row.count} replies arrived",
            file=sys.stderr,
        )
    per_update = 1000 / max(data["replies"], 1)
    return Result(
        row,
        data["replies"],
        data["replies"] / data["span"] if data["span"] else 0,
        percentile(latencies, 0.50) * 1000,
        percentile(latencies, 0.99) * 1000,
        data["cpu"] * per_update,
        data["server_cpu"] * per_update,
        rss_mb=data.get("rss_mb", 0.0),
    )


def _mixed(row: Row, data: dict) -> Result:
    if data["failed"] or data["unanswered"]:
        print(
            f"bench: {row.key}: {len(data['failed'])} scripts failed, {data['unanswered']} "
            f"steps unanswered: {data['failed'][:3]} {data['stuck_at'][:3]}",
            file=sys.stderr,
        )
    if not data.get("dense"):
        print(f"bench: {row.key}: questions answered by the lexical search alone", file=sys.stderr)
    latencies = [x for values in data["kinds"].values() for x in values]
    per_update = 1000 / max(data["replies"], 1)
    return Result(
        row,
        data["replies"],
        data["replies"] / data["span"] if data["span"] else 0,
        percentile(latencies, 0.50) * 1000,
        percentile(latencies, 0.99) * 1000,
        data["cpu"] * per_update,
        data["server_cpu"] * per_update,
        data["db_seconds"] * per_update if "db_seconds" in data else None,
        data.get("statements"),
        data.get("rss_mb", 0.0),
        data["kinds"],
    )


def mix_table(rounds: list[dict[str, Result]], rows: list[Row] | tuple[Row, ...]) -> str:
    """The mixed workload per kind of exchange: the median over the rounds of each round's
    p50 and p99, and the bot's memory at the end."""
    keys = [r.key for r in rows if r.bot == "ours-mix"]
    if not keys:
        return ""
    lines = [
        "| mixed workload | kind of exchange | exchanges | p50 ms | p99 ms |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for key in keys:
        label = next(r.label for r in rows if r.key == key).split(": ")[0]
        label = {
            "mix": "SQLite, all at once",
            "mix-steady": f"SQLite, steady {STEADY_RATE}/s",
            "mix-pg-1": "PostgreSQL, 1 process",
            "mix-pg-2": "PostgreSQL, 2 processes",
        }.get(key, label)
        kinds = rounds[0][key].kinds or {}
        for kind in kinds:
            per_round = [r[key].kinds[kind] for r in rounds if r[key].kinds[kind]]
            if not per_round:
                continue
            lines.append(
                f"| {label} | {kind} | {min(len(v) for v in per_round)} | "
                f"{_spread([percentile(v, 0.5) * 1000 for v in per_round], '.1f')} | "
                f"{_spread([percentile(v, 0.99) * 1000 for v in per_round], '.1f')} |"
            )
        rss = [r[key].rss_mb for r in rounds]
        lines.append(f"| {label} | bot RSS at the end, MB | | {_spread(rss, '.0f')} | |")
        db = [r[key].db_ms for r in rounds if r[key].db_ms is not None]
        if db:
            lines.append(
                f"| {label} | statement time per update, ms (all processes) | | "
                f"{_spread(db, '.2f')} | |"
            )
    for key in keys:
        last = rounds[-1][key]
        if last.statements:
            lines += [
                "",
                f"Costliest statements, {key}, last round (times run, total ms, ms each):",
                "",
            ]
            lines += [
                f"- `{text}` — {n}, {seconds * 1000:.0f}, {seconds * 1000 / max(n, 1):.2f}"
                for text, n, seconds in last.statements
            ]
    return "\n".join(lines)


def mix_verdict(rounds: list[dict[str, Result]]) -> str:
    if not all("mix" in r and "mix-steady" in r and "echo-httpx" in r for r in rounds):
        return ""
    speedups = [r["mix"].per_second / r["echo-httpx"].per_second for r in rounds]
    p99s = [r["mix-steady"].p99_ms for r in rounds]
    ok = {True: "met", False: "NOT met"}
    n = len(rounds)
    return (
        f"\n- mixed workload vs the bare default-transport echo bot, round by round: "
        f"{', '.join(f'{s:.1f}×' for s in speedups)}; median {statistics.median(speedups):.1f}× "
        f"(bar ≥ {SPEEDUP_BAR:g}×: {ok[statistics.median(speedups) >= SPEEDUP_BAR]}, "
        f"in {sum(s >= SPEEDUP_BAR for s in speedups)} of {n} rounds)\n"
        f"- mixed workload p99 at a steady {STEADY_RATE} updates/s, round by round: "
        f"{', '.join(f'{p:.1f}' for p in p99s)} ms; median {statistics.median(p99s):.1f} ms "
        f"(bar < {P99_BAR_MS:g} ms: {ok[statistics.median(p99s) < P99_BAR_MS]}, "
        f"in {sum(p < P99_BAR_MS for p in p99s)} of {n} rounds)"
    )


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
    return (
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, {date.today().isoformat()}, "
        f"load average at start {load}"
    )


def _spread(values: list[float], fmt: str) -> str:
    """The median, and the range when there is more than one value."""
    middle = format(statistics.median(values), fmt)
    if len(values) < 2:
        return middle
    return f"{middle} ({format(min(values), fmt)}–{format(max(values), fmt)})"


def table(rounds: list[dict[str, Result]], rows: list[Row] | tuple[Row, ...] = ROWS) -> str:
    lines = [
        "| run | updates | updates/s | p50 ms | p99 ms | bot CPU ms/update | "
        "fake server CPU ms/update | bot RSS MB at end |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        results = [r[row.key] for r in rounds]
        mode = "" if not row.rate else f" (fed at {row.rate:g}/s)"
        lines.append(
            f"| {row.label}{mode} | {min(r.replies for r in results)} | "
            f"{_spread([r.per_second for r in results], '.0f')} | "
            f"{_spread([r.p50_ms for r in results], '.1f')} | "
            f"{_spread([r.p99_ms for r in results], '.1f')} | "
            f"{_spread([r.cpu_ms for r in results], '.2f')} | "
            f"{_spread([r.server_cpu_ms for r in results], '.2f')} | "
            f"{_spread([r.rss_mb for r in results], '.0f')} |"
        )
    return "\n".join(lines)


def against_baseline(rounds: list[dict[str, Result]]) -> str:
    """This checkout's bot against the baseline's, round by round (same server, same round)."""
    speed = [
        (r["ours"].per_second / r["echo-httpx"].per_second)
        / (r["ours@baseline"].per_second / r["echo-httpx"].per_second)
        for r in rounds
    ]
    cpu = [r["ours"].cpu_ms / r["ours@baseline"].cpu_ms for r in rounds]
    steady = [r["ours-steady"].cpu_ms / r["ours-steady@baseline"].cpu_ms for r in rounds]

    def said(values: list[float]) -> str:
        return ", ".join(f"{v:.2f}" for v in values) + f"; median {statistics.median(values):.2f}"

    return (
        f"- this checkout vs the baseline, updates/s (each over the echo bot of its round): "
        f"{said(speed)}\n"
        f"- this checkout vs the baseline, bot CPU ms/update at full speed: {said(cpu)}\n"
        f"- this checkout vs the baseline, bot CPU ms/update at {STEADY_RATE}/s: {said(steady)}"
    )


def verdict(rounds: list[dict[str, Result]]) -> str:
    speedups = [r["ours"].per_second / r["echo-httpx"].per_second for r in rounds]
    p99s = [r["ours-steady"].p99_ms for r in rounds]
    fast = sum(s >= SPEEDUP_BAR for s in speedups)
    quick = sum(p < P99_BAR_MS for p in p99s)
    ok = {True: "met", False: "NOT met"}
    n = len(rounds)
    return (
        f"- our bot vs the bare default-transport echo bot, round by round: "
        f"{', '.join(f'{s:.1f}×' for s in speedups)}; median {statistics.median(speedups):.1f}× "
        f"(bar ≥ {SPEEDUP_BAR:g}×: {ok[statistics.median(speedups) >= SPEEDUP_BAR]}, "
        f"in {fast} of {n} rounds)\n"
        f"- p99 at a steady {STEADY_RATE} updates/s, round by round: "
        f"{', '.join(f'{p:.1f}' for p in p99s)} ms; median {statistics.median(p99s):.1f} ms "
        f"(bar < {P99_BAR_MS:g} ms: {ok[statistics.median(p99s) < P99_BAR_MS]}, "
        f"in {quick} of {n} rounds)"
    )


def write_doc(text: str) -> None:
    doc = DOC.read_text()
    if BEGIN not in doc or END not in doc:
        raise SystemExit(f"bench: {DOC} has no {BEGIN} … {END} section")
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "--write-doc",
        action="store_true",
        help=f"also write the table into {DOC.relative_to(ROOT)}",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="measure every row this many times (default 3)"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        metavar="DIR",
        help="also measure our bot from this checkout (with its own .venv), side by side",
    )
    parser.add_argument(
        "--only",
        choices=[r.key for r in ROWS],
        action="append",
        help="measure only this row (repeatable; not with --write-doc)",
    )
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.only and args.write_doc:
        parser.error("--write-doc needs every row")
    rows = [r for r in ROWS if not args.only or r.key in args.only]
    if not PG_URL:
        print("PostgreSQL rows not measured: set BENCH_DATABASE_URL=postgresql+asyncpg://…")
        rows = [r for r in rows if not r.postgresql]
    if args.baseline is not None:
        if args.write_doc:
            parser.error("--write-doc takes this checkout's rows only")
        base = args.baseline.resolve()
        if not (base / ".venv" / "bin" / "python").exists():
            parser.error(f"--baseline: no {base}/.venv (run make setup there)")
        rows += [
            replace(
                r, key=f"{r.key}@baseline", label=f"{r.label} — baseline {base.name}", root=base
            )
            for r in rows
            if r.key in ("ours", "ours-steady")
        ]
    about = machine()
    print(f"Machine: {about}", flush=True)
    started = time.monotonic()
    fake, server = start_fake()
    rounds: list[dict[str, Result]] = []
    try:
        for n in range(args.rounds):
            results = {}
            for row in rows:
                print(f"  round {n + 1}/{args.rounds}: {row.label} …", flush=True)
                results[row.key] = measure(row, server)
                r = results[row.key]
                print(
                    f"    {r.per_second:.0f} updates/s, p50 {r.p50_ms:.1f} ms, "
                    f"p99 {r.p99_ms:.1f} ms, bot CPU {r.cpu_ms:.2f} ms/update, "
                    f"RSS {r.rss_mb:.0f} MB",
                    flush=True,
                )
            rounds.append(results)
    finally:
        fake.send_signal(signal.SIGINT)
        try:
            fake.wait(timeout=10)
        except subprocess.TimeoutExpired:
            fake.kill()
    if args.only:
        return
    load_end = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    text = (
        f"Measured {about}; load average at the end {load_end}; {args.rounds} rounds, "
        f"{time.monotonic() - started:.0f} s. Each cell: the median over the rounds "
        f"(lowest–highest).\n\n{table(rounds, rows)}\n\n{mix_table(rounds, rows)}\n\n"
        f"{verdict(rounds)}{mix_verdict(rounds)}"
        + (f"\n{against_baseline(rounds)}" if args.baseline is not None else "")
    )
    print()
    print(text)
    if args.write_doc:
        write_doc(text)
        print(f"\nwritten to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
