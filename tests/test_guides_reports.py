"""`trolyso report guides|questions|comments`: what readers did and asked, as CSV."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import app, cli
from bot.content.reports import guide_rows, question_rows
from bot.core import Core
from bot.db.guides_models import GuideEvent, GuideFeedback
from bot.db.search_models import UnansweredQuestion
from bot.reports import open_database
from tests.chat import Chat
from tests.guide_tree import make_tree

# Storage-backed behaviour: also run on PostgreSQL.
pytestmark = pytest.mark.both_databases

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


@pytest.fixture
async def gcore(config, clock, tmp_path) -> AsyncIterator[Core]:
    content = make_tree(tmp_path)
    core = await app.start(config.replace(paths__content=str(content)), clock=clock)
    try:
        yield core
    finally:
        await core.close()


async def read_through(chat: Chat, vote: str | None) -> None:
    await chat.say("/menu")
    await chat.tap("g:o:dvc-login")
    await chat.press("Bắt đầu")
    for _ in range(2):
        await chat.press("Tiếp theo")
    await chat.press("Xong")
    if vote:
        await chat.press(vote)


async def test_guides_report_counts_views_completions_and_answers_per_version(gcore, clock):
    await read_through(Chat(gcore, user_id="1"), "Có")
    await read_through(Chat(gcore, user_id="2"), "Không")
    await read_through(Chat(gcore, user_id="3"), None)
    reader = Chat(gcore, user_id="4")
    await reader.say("/menu")
    await reader.tap("g:o:dvc-login")  # looked, never started
    await reader.tap("g:o:safety-otp")
    async with gcore.db.transaction() as session:
        rows = await guide_rows(session)
        later = await guide_rows(session, since=clock.now() + timedelta(minutes=1))
    assert rows == [
        ("dvc-login", 1, "vi", 4, 3, 3, 1, 1, 0),
        ("safety-otp", 1, "vi", 1, 0, 0, 0, 0, 0),
    ]
    assert later == []


async def test_questions_report_groups_the_same_question_and_ranks_by_count(gcore):
    asked = [
        "Giá vàng hôm nay?",
        "giá vàng   hôm nay",
        "Thời tiết mai",
        "Giá vàng hôm nay",
        "gold price",
        "Giá vàng hôm nay",
    ]
    async with gcore.db.transaction() as session:
        for i, text in enumerate(asked):
            session.add(
                UnansweredQuestion(
                    text=text,
                    locale="en" if "gold" in text else "vi",
                    asked_at=NOW + timedelta(minutes=i),
                )
            )
    async with gcore.db.transaction() as session:
        rows = await question_rows(session, gcore.config.tz)
        top = await question_rows(session, gcore.config.tz, limit=1)
    assert [(n, loc, q) for n, loc, q, _first, _last in rows] == [
        (4, "vi", "Giá vàng hôm nay"),
        (1, "en", "gold price"),
        (1, "vi", "Thời tiết mai"),
    ]
    assert rows[0][3:] == ("2026-11-28 09:00", "2026-11-28 09:05")
    assert len(top) == 1


def test_report_commands_print_csv(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TROLYSO_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    config_args = ["--config", str(ROOT / "config.toml")]

    async def seed() -> None:
        from bot import config as config_mod

        async with (
            open_database(config_mod.load(ROOT / "config.toml")) as db,
            db.transaction() as session,
        ):
            session.add_all(
                [
                    GuideEvent(
                        guide_id="vneid-level2", version=2, locale="vi", kind="view", at=NOW
                    ),
                    GuideEvent(
                        guide_id="vneid-level2", version=2, locale="vi", kind="complete", at=NOW
                    ),
                    GuideFeedback(
                        guide_id="vneid-level2",
                        version=2,
                        locale="vi",
                        helpful=False,
                        comment="Thiếu bước chụp ảnh, nhé",
                        created_at=NOW,
                    ),
                    UnansweredQuestion(text="Đổi bằng lái xe máy?", locale="vi", asked_at=NOW),
                ]
            )

    asyncio.run(seed())

    def report(name: str, *extra: str) -> list[list[str]]:
        assert cli.main([*config_args, "report", name, *extra]) == 0
        return list(csv.reader(io.StringIO(capsys.readouterr().out)))

    assert report("guides") == [
        [
            "guide",
            "version",
            "locale",
            "views",
            "starts",
            "completions",
            "helpful_yes",
            "helpful_no",
            "comments",
        ],
        ["vneid-level2", "2", "vi", "1", "0", "1", "0", "1", "1"],
    ]
    assert report("questions")[1] == [
        "1",
        "vi",
        "Đổi bằng lái xe máy?",
        "2026-11-28 09:00",
        "2026-11-28 09:00",
    ]
    assert report("comments")[1] == [
        "2026-11-28 09:00",
        "vneid-level2",
        "2",
        "vi",
        "no",
        "Thiếu bước chụp ảnh, nhé",
    ]
    assert report("guides", "--since", "2026-11-29") == [report("guides")[0]]
