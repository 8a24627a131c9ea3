"""The hot queries use indexes: every SELECT, UPDATE and DELETE that a citizen's booking,
"My bookings", a guide read step by step and a question run through SQLAlchemy is planned
by SQLite (`EXPLAIN QUERY PLAN`, on the same database, with the same values) without a full
pass over a table that grows with the city (users, their bookings, slots, dialog state...).
(The user and dialog-state look-ups go to sqlite3 directly, by primary key.)
A full scan costs nothing on a test database and seconds at 100,000 users; this fails the
day a query loses its index."""

from __future__ import annotations

import re
import sqlite3

from sqlalchemy import event

from tests.booking_flow import book_for_parent, use_places
from tests.chat import Chat

# Every table grows with the city but these few, which hold officers and settings.
SMALL = {"officers", "officer_units", "channel_credentials", "channel_errors"}
# A full pass over a table or over one of its indexes ("SCAN t USING COVERING INDEX i").
SCAN = re.compile(r"\bSCAN (\w+)\b")


def _plans(path: str, statements: list[tuple[str, tuple]]) -> dict[str, list[str]]:
    conn = sqlite3.connect(path)
    try:
        plans = {}
        for sql, params in statements:
            rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
            plans[sql] = [row[-1] for row in rows]
        return plans
    finally:
        conn.close()


async def test_the_hot_paths_scan_no_growing_table(core, config):
    await use_places(core)  # the daily job that opens slots is not a hot path
    seen: list[tuple[str, tuple]] = []

    @event.listens_for(core.db.engine.sync_engine, "before_cursor_execute")
    def keep(conn, cursor, statement, parameters, context, executemany):
        first = statement.lstrip().split(None, 1)[0].upper()
        if first in ("SELECT", "UPDATE", "DELETE", "WITH") and not executemany:
            seen.append((statement, tuple(parameters or ())))

    citizen = Chat(core, user_id="3001", channel="telegram", language="en")
    await book_for_parent(citizen)
    await citizen.say("/menu")
    await citizen.press("My bookings")
    await citizen.say("/menu")
    await citizen.tap("g:o:dvc-login")
    await citizen.press("Start")
    await citizen.press("Next")
    await citizen.say("làm sao để đăng ký tài khoản định danh mức 2")

    path = config.database.url.removeprefix("sqlite+aiosqlite:///")
    assert seen, "the statements were not seen"
    scans = {
        sql: [line for line in plan if (m := SCAN.search(line)) and m[1] not in SMALL]
        for sql, plan in _plans(path, seen).items()
    }
    offenders = {sql: lines for sql, lines in scans.items() if lines}
    assert not offenders, f"full scans of growing tables: {offenders}"
    tables = {t for plan in _plans(path, seen).values() for line in plan for t in line.split()}
    assert {"bookings", "booking_slots", "booking_drafts", "guide_progress"} <= tables
