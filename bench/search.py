"""Question search speed: latency per question with the dense retriever (hybrid) and without
it (lexical), on the real catalogue and on 500 synthetic guides; the start-up index time with
and without the vector cache on disk; the memory (RSS) the model adds.

    from bench.search import run_search_bench
    rows = run_search_bench()                 # or: python -m bench.search [--rounds N]

The questions are the dev questions (tests/data/eval_dev.tsv and questions.tsv), each asked
several times, timed one by one through `bot.search.answer` — the function the bot calls — in
wall-clock time (the limit) and in CPU time, which a busy machine does not inflate; each row
carries the load average it was measured under. The synthetic guides are made from the real
ones by recombining their titles, keywords and steps, so they have the real vocabulary and
length; their passage vectors are rows of the real guides' vectors, as many as their passages
(embedding 25,000 passages would take an hour here, and a query's time depends on the
matrix's size, not on what the rows say). Start-up is measured in fresh processes.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
QUESTIONS = tuple(
    ROOT / "tests" / "data" / name
    for name in ("eval_dev.tsv", "eval_dev_extra.tsv", "questions.tsv")
)
SYNTHETIC_GUIDES = 500
ROUNDS = 3
LIMIT_MS = {"hybrid": 25.0, "lexical": 5.0}
START_LIMIT_S = 1.0  # with the vectors on disk


def _catalogue():
    from bot.content.loader import load_catalogue

    loaded = load_catalogue(CONTENT)
    if loaded.catalogue is None:
        raise SystemExit("bench: the content has errors; run `trolyso content check`")
    return loaded.catalogue


def synthetic(catalogue, count: int = SYNTHETIC_GUIDES, seed: int = 7):
    """`count` guides per locale recombined from the real ones (same ids in every locale)."""
    from bot.content.model import Catalogue

    rng = random.Random(seed)
    guides = {}
    for locale in ("vi", "en"):
        real = catalogue.in_locale(locale)
        rng.seed(seed)  # the same recipe in both locales
        for n in range(count):
            a, b, c = (rng.choice(real) for _ in range(3))
            words = a.title.split() + b.title.split()
            rng.shuffle(words)
            keywords = rng.sample(
                a.keywords + b.keywords + c.keywords,
                k=min(12, len(a.keywords + b.keywords + c.keywords)),
            )
            steps = (a.steps + b.steps)[: max(3, len(a.steps))]
            guides[(f"syn-{n:04d}", locale)] = replace(
                a,
                id=f"syn-{n:04d}",
                title=" ".join(words[:10]),
                keywords=tuple(keywords),
                summary=f"{b.summary} {c.summary}",
                steps=tuple(rng.sample(steps, len(steps))),
            )
    return Catalogue(categories=catalogue.categories, guides=guides)


def _questions() -> list[tuple[str, str]]:
    from bot.search.evaluate import read_questions

    return [(q.text, q.locale) for p in QUESTIONS for q in read_questions(p)]


def _latencies(
    index, questions: list[tuple[str, str]], rounds: int
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU time of each question, sorted. CPU time does not count the time the
    process waited for a core, so it stays meaningful on a busy machine."""
    from bot.search import answer
    from bot.search.dense import _embed_text

    wall, cpu = [], []
    for _ in range(rounds):
        for text, locale in questions:
            _embed_text.cache_clear()  # every question embedded: no repeat is free here
            w, c = time.perf_counter(), time.thread_time()
            answer(index, text, locale)
            cpu.append(time.thread_time() - c)
            wall.append(time.perf_counter() - w)
    return sorted(wall), sorted(cpu)


def _pct(times: list[float], p: float) -> float:
    return round(times[min(len(times) - 1, int(p * len(times)))] * 1000, 3)


def _row(
    name: str, mode: str, guides: int, build_s: float, wall: list[float], cpu: list[float]
) -> dict[str, Any]:
    return {
        "benchmark": "search",
        "catalogue": name,
        "mode": mode,
        "guides": guides,
        "questions": len(wall),
        "index_build_s": round(build_s, 3),
        "p50_ms": _pct(wall, 0.50),
        "p99_ms": _pct(wall, 0.99),
        "max_ms": round(wall[-1] * 1000, 3),
        "cpu_p50_ms": _pct(cpu, 0.50),
        "cpu_p99_ms": _pct(cpu, 0.99),
        "limit_p99_ms": LIMIT_MS[mode],
        "ok": _pct(wall, 0.99) < LIMIT_MS[mode],
        "load_average": round(os.getloadavg()[0], 2),
        "cores": os.cpu_count(),
    }


_START_PROBE = """
import json, os, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
from bot.content.loader import load_catalogue
from bot.search import answer, build, dense
dense.configure(Path({cache!r}))
t0 = time.perf_counter(); loaded = load_catalogue(Path({content!r}))
t1 = time.perf_counter(); lexical = build(loaded.catalogue, with_dense=False)
t2 = time.perf_counter(); before = rss()
index = build(loaded.catalogue); answer(index, "quên mật khẩu vneid", "vi")
t3 = time.perf_counter()
print(json.dumps({{"load_s": t1 - t0, "lexical_s": t2 - t1, "dense_s": t3 - t2,
                  "files": len(loaded.catalogue.guides), "model": index.dense is not None,
                  "rss_before_mb": before, "rss_after_mb": rss()}}))
"""


def _probe(cache: Path) -> dict[str, Any]:
    probe = _START_PROBE.format(root=str(ROOT), content=str(CONTENT), cache=str(cache))
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def _start_rows() -> list[dict[str, Any]]:
    """Content load + index build in fresh interpreters (imports excluded): once with an empty
    vector cache (every passage embedded), then with the vectors on disk (best of three)."""
    with tempfile.TemporaryDirectory() as tmp:
        cold = _probe(Path(tmp))
        warm = min((_probe(Path(tmp)) for _ in range(3)), key=lambda r: r["dense_s"])
    rows = []
    for name, run in (("no vector cache", cold), ("vectors on disk", warm)):
        total = run["load_s"] + run["lexical_s"] + run["dense_s"]
        rows.append(
            {
                "benchmark": "search-start",
                "cache": name,
                "guide_files": run["files"],
                "model": run["model"],
                "content_load_s": round(run["load_s"], 3),
                "lexical_index_s": round(run["lexical_s"], 3),
                "dense_index_s": round(run["dense_s"], 3),
                "total_s": round(total, 3),
                "limit_s": START_LIMIT_S if name == "vectors on disk" else None,
                "ok": total < START_LIMIT_S if name == "vectors on disk" else None,
            }
        )
    rows.append(
        {
            "benchmark": "search-memory",
            "rss_without_model_mb": round(warm["rss_before_mb"], 1),
            "rss_with_model_mb": round(warm["rss_after_mb"], 1),
            "model_adds_mb": round(warm["rss_after_mb"] - warm["rss_before_mb"], 1),
        }
    )
    return rows


def _synthetic_dense(real, index, cat, seed: int = 7):
    """Vectors for the synthetic guides: real rows, as many as each guide has passages."""
    import numpy as np

    from bot.search.dense import Dense, passages

    rng = np.random.default_rng(seed)
    doc_of = {gid: n for n, gid in enumerate(index.ids)}
    docs = [doc_of[gid] for (gid, _l), g in sorted(cat.guides.items()) for _ in passages(g)]
    rows = rng.integers(0, real.matrix.shape[0], size=len(docs))
    return Dense(real.matrix[rows].copy(), np.asarray(docs, dtype=np.intp), index.size)


def run_search_bench(rounds: int = ROUNDS, start: bool = True) -> list[dict[str, Any]]:
    from bot.search import build, dense

    dense.configure(ROOT / "var" / "search")
    catalogue = _catalogue()
    questions = _questions()
    rows = _start_rows() if start else []
    real = build(catalogue).dense
    for name, cat in (("real", catalogue), ("synthetic", synthetic(catalogue))):
        start = time.perf_counter()
        index = build(cat, with_dense=False)
        build_s = time.perf_counter() - start
        if real is not None:
            index.dense = real if name == "real" else _synthetic_dense(real, index, cat)
        lexical = index.lexical_only()
        _latencies(lexical, questions, 1)  # warm the word caches, as a running bot has
        for mode, ix in (("hybrid", index), ("lexical", lexical)):
            if mode == "hybrid" and ix.dense is None:
                continue
            rows.append(_row(name, mode, ix.size, build_s, *_latencies(ix, questions, rounds)))
    return rows


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="search latency, start-up and memory")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument(
        "--no-start", action="store_true", help="skip the start-up rows (minutes without cache)"
    )
    args = parser.parse_args()
    for row in run_search_bench(args.rounds, start=not args.no_start):
        print(json.dumps(row, ensure_ascii=False))
