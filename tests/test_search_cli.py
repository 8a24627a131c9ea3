"""`trolyso search`: one JSON object per question, with exactly the decision the bot makes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.search import answer, dense
from bot.search.cli import load_index

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ["--config", str(ROOT / "config.toml")]


@pytest.fixture(scope="module")
def index():
    dense.configure(None, enabled=False)
    try:
        return load_index(ROOT / "content")
    finally:
        dense.reset()


@pytest.fixture(autouse=True)
def lexical_cli(monkeypatch):
    """The command on the lexical engine: embedding the real catalogue took 111 s of a fresh
    clone's test run. The hybrid path is the same answer() call (tests/test_search_dense.py)."""
    configure = dense.configure
    monkeypatch.setattr(dense, "configure", lambda path, enabled=True: configure(None, False))
    yield
    dense.reset()


def run(capsys, *args: str) -> tuple[int, list[str]]:
    code = main([*CONFIG, "search", *args])
    return code, capsys.readouterr().out.splitlines()


def test_one_question_as_json(capsys):
    code, lines = run(capsys, "làm sao đăng ký khai sinh cho con", "--locale", "vi", "--json")
    assert code == 0
    [obj] = [json.loads(line) for line in lines]
    assert set(obj) == {"query", "decision", "answer", "results"}
    assert obj["query"] == "làm sao đăng ký khai sinh cho con"
    assert (obj["decision"], obj["answer"]) == ("open", "dvc-birth-registration")
    assert obj["results"][0]["guide"] == "dvc-birth-registration"
    scores = [r["score"] for r in obj["results"]]
    assert all(isinstance(s, float) for s in scores) and scores == sorted(scores, reverse=True)


def test_batch_from_stdin_gives_the_bots_decision_for_each_line(capsys, monkeypatch, index):
    questions = ["quên mật khẩu vneid", "", "giá vàng hôm nay", "vneid", "cảm ơn"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(questions) + "\n"))
    code, lines = run(capsys, "--locale", "vi", "--json", "--batch", "-")
    assert code == 0
    objs = [json.loads(line) for line in lines]
    assert [o["query"] for o in objs] == [q for q in questions if q]  # blank lines skipped
    for o in objs:
        a = answer(index, o["query"], "vi")
        assert (o["decision"], o["answer"]) == (a.decision, a.answer)
        assert [r["guide"] for r in o["results"]] == [r.guide for r in a.results]
    assert [o["decision"] for o in objs] == ["open", "none", "choose", "none"]
    assert objs[1]["answer"] is None and objs[2]["answer"] is None


def test_batch_from_a_file_in_english(capsys, tmp_path):
    path = tmp_path / "q.txt"
    path.write_text(
        "How do I renew my driving licence?\nwhat's the weather tomorrow\n", encoding="utf-8"
    )
    code, lines = run(capsys, "--locale", "en", "--json", "--batch", str(path))
    assert code == 0
    first, second = (json.loads(line) for line in lines)
    assert first["answer"] == "dvc-driving-licence"
    assert second["decision"] == "none"


def test_without_json_prints_a_readable_line(capsys):
    code, lines = run(capsys, "đổi bằng lái xe")
    assert code == 0
    assert lines == [lines[0]] and "→ open dvc-driving-licence" in lines[0]


def test_no_question_is_a_clear_error(capsys):
    assert main([*CONFIG, "search"]) == 2
    assert "give a question" in capsys.readouterr().err


def test_a_missing_batch_file_is_a_clear_error(capsys, tmp_path):
    assert main([*CONFIG, "search", "--batch", str(tmp_path / "nope.txt")]) == 2
    assert "cannot read" in capsys.readouterr().err
