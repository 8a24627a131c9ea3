"""Migration 0009 on a database with data: every officer row becomes a person with its account
linked, and no grant, unit or broadcast author is lost (SQLite rebuilds the officers table, and
with foreign keys on that would cascade into their units if nothing kept them)."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from bot.db import Database, alembic_config
from bot.services.actor import actor_for_identity

BEFORE_PEOPLE = ("0002", "0004", "0006", "0007", "0008")
T = "2026-11-01 08:00:00"


def _upgrade_to(connection, revisions) -> None:
    cfg = alembic_config(connection)
    for revision in revisions:
        command.upgrade(cfg, revision)


async def _seed(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(_upgrade_to, BEFORE_PEOPLE)
    async with db.engine.begin() as conn:
        run = conn.exec_driver_sql
        await run(
            "INSERT INTO users (id, channel, external_id, locale, created_at, last_seen_at) "
            f"VALUES (1, 'telegram', '100', 'vi', '{T}', '{T}'), "
            f"(2, 'telegram', '555', NULL, '{T}', '{T}'), "
            f"(3, 'telegram', '777', 'en', '{T}', '{T}')"
        )
        # 100: officer of two units with an account; 555: admin; 900: an officer from the
        # command line who never wrote to the bot (no users row).
        await run(
            "INSERT INTO officers (id, channel, external_id, role, created_at) VALUES "
            f"(1, 'telegram', '100', 'officer', '{T}'), (2, 'telegram', '555', 'admin', '{T}'), "
            f"(3, 'telegram', '900', 'officer', '{T}')"
        )
        await run(
            "INSERT INTO officer_units (officer_id, unit_id) VALUES (1, 'hoan-kiem'), "
            "(1, 'cua-nam'), (3, 'ba-dinh')"
        )
        await run(
            "INSERT INTO broadcasts (id, author_officer_id, author, audience_kind, "
            "audience_target, text, created_at, status, recipients, delivered, unreachable, "
            "failed, skipped, progress_user_id, progress_channel, progress_chat_id, "
            "progress_locale, progress_sent) VALUES (1, 1, 'telegram:100', 'units', "
            f"'[\"hoan-kiem\"]', 'Thông báo', '{T}', 'done', 3, 3, 0, 0, 0, 1, 'telegram', "
            "'100', 'vi', 3)"
        )
        if not db.is_sqlite:  # explicit ids above: move the sequences past them
            for table in ("users", "officers", "broadcasts"):
                await run(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )


async def test_officers_become_people_without_losing_a_grant(db_url):
    db = Database(db_url)
    try:
        await _seed(db)
        await db.upgrade()
        async with db.engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT u.external_id, o.id, o.role FROM officers AS o "
                        "JOIN users AS u ON u.person_id = o.person_id ORDER BY o.id"
                    )
                )
            ).all()
            units = (
                await conn.execute(
                    text("SELECT officer_id, unit_id FROM officer_units ORDER BY 1, 2")
                )
            ).all()
            author = (
                await conn.execute(text("SELECT author_officer_id FROM broadcasts"))
            ).scalar()
            people = (await conn.execute(text("SELECT count(*) FROM people"))).scalar()
            citizen = (
                await conn.execute(text("SELECT person_id FROM users WHERE external_id = '777'"))
            ).scalar()
        assert rows == [("100", 1, "officer"), ("555", 2, "admin"), ("900", 3, "officer")]
        assert units == [(1, "cua-nam"), (1, "hoan-kiem"), (3, "ba-dinh")]
        assert author == 1, "the broadcast still knows its author"
        assert people == 3 and citizen is None, "citizens need no person"
        async with db.transaction() as session:
            ward = await actor_for_identity(session, "telegram", "100")
            admin = await actor_for_identity(session, "telegram", "555")
            late = await actor_for_identity(session, "telegram", "900")
            someone = await actor_for_identity(session, "telegram", "777")
        assert ward.unit_ids == {"hoan-kiem", "cua-nam"} and not ward.is_admin
        assert admin.is_admin and late.unit_ids == {"ba-dinh"}
        assert not someone.is_officer
        await db.upgrade()  # a second start changes nothing
        assert await db.current_revision() is not None
    finally:
        await db.close()


async def test_a_fresh_database_upgrades_and_links_a_new_officer(db_url):
    from bot.officers import manage

    db = Database(db_url)
    try:
        await db.upgrade()
        now = datetime(2026, 12, 1, tzinfo=UTC)
        async with db.transaction() as session:
            await manage.grant(
                session,
                channel="zalo",
                external_id="6142494823000000000123",
                role="officer",
                unit_ids=["hoan-kiem"],
                actor="cli:test",
                action="officer.add",
                now=now,
                replace=True,
            )
        async with db.transaction() as session:
            actor = await actor_for_identity(session, "zalo", "6142494823000000000123")
        assert actor.can_act_on_unit("hoan-kiem") and actor.person_id is not None
    finally:
        await db.close()
