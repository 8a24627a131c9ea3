"""people: officer grants attach to a person who may reach us through several channel accounts;
one-time link codes and the wrong guesses at them

Every existing officer row becomes a person with that one account (its users row, created when
missing) linked to it; the officer row keeps its id, role and units.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 08:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # users is referenced by most tables: on SQLite it must not be rebuilt (with foreign keys
    # on, dropping the old copy would cascade into them), and ADD COLUMN … REFERENCES is
    # allowed there for a column whose default is NULL.
    if sqlite:
        op.execute("ALTER TABLE users ADD COLUMN person_id INTEGER REFERENCES people (id)")
    else:
        op.add_column("users", sa.Column("person_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_users_person_id_people",
            "users",
            "people",
            ["person_id"],
            ["id"],
        )
    op.create_index(op.f("ix_users_person_id"), "users", ["person_id"], unique=False)
    op.add_column("officers", sa.Column("person_id", sa.Integer(), nullable=True))
    _move_officers_to_people()
    if sqlite:
        _rebuild_officers_on_sqlite()
    else:
        op.drop_constraint("uq_officers_channel_external", "officers", type_="unique")
        op.drop_column("officers", "channel")
        op.drop_column("officers", "external_id")
        op.alter_column("officers", "person_id", nullable=False)
        op.create_unique_constraint("officers_person_id_key", "officers", ["person_id"])
        op.create_foreign_key(
            "officers_person_id_fkey",
            "officers",
            "people",
            ["person_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.create_table(
        "link_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", bot.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["used_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    op.create_index(op.f("ix_link_codes_person_id"), "link_codes", ["person_id"], unique=False)
    op.create_table(
        "link_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_link_attempts_user_id"), "link_attempts", ["user_id"], unique=False)


def _move_officers_to_people() -> None:
    """One person per officer row, its account linked (created if it never wrote to us)."""
    conn = op.get_bind()
    officers = conn.execute(
        sa.text("SELECT id, channel, external_id, created_at FROM officers ORDER BY id")
    ).all()
    for officer_id, channel, external_id, created_at in officers:
        user_id = conn.execute(
            sa.text("SELECT id FROM users WHERE channel = :c AND external_id = :e"),
            {"c": channel, "e": external_id},
        ).scalar()
        if user_id is None:
            conn.execute(
                sa.text(
                    "INSERT INTO users (channel, external_id, locale, created_at, last_seen_at) "
                    "VALUES (:c, :e, NULL, :t, :t)"
                ),
                {"c": channel, "e": external_id, "t": created_at},
            )
            user_id = conn.execute(
                sa.text("SELECT id FROM users WHERE channel = :c AND external_id = :e"),
                {"c": channel, "e": external_id},
            ).scalar()
        conn.execute(sa.text("INSERT INTO people (created_at) VALUES (:t)"), {"t": created_at})
        person_id = conn.execute(sa.text("SELECT max(id) FROM people")).scalar()
        conn.execute(
            sa.text("UPDATE users SET person_id = :p WHERE id = :u"),
            {"p": person_id, "u": user_id},
        )
        conn.execute(
            sa.text("UPDATE officers SET person_id = :p WHERE id = :o"),
            {"p": person_id, "o": officer_id},
        )


def _rebuild_officers_on_sqlite() -> None:
    """SQLite drops columns by copying the table; with foreign keys on, dropping the old copy
    deletes the officers' units (ON DELETE CASCADE) and forgets broadcast authors (SET NULL).
    Both are kept aside and put back."""
    op.execute("CREATE TABLE _keep_officer_units AS SELECT officer_id, unit_id FROM officer_units")
    op.execute(
        "CREATE TABLE _keep_broadcast_authors AS SELECT id, author_officer_id FROM broadcasts "
        "WHERE author_officer_id IS NOT NULL"
    )
    with op.batch_alter_table("officers", recreate="always") as batch:
        batch.drop_constraint("uq_officers_channel_external", type_="unique")
        batch.drop_column("channel")
        batch.drop_column("external_id")
        batch.alter_column("person_id", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint("uq_officers_person_id", ["person_id"])
        batch.create_foreign_key(
            "fk_officers_person_id_people", "people", ["person_id"], ["id"], ondelete="CASCADE"
        )
    op.execute(
        "INSERT INTO officer_units (officer_id, unit_id) SELECT k.officer_id, k.unit_id "
        "FROM _keep_officer_units AS k WHERE NOT EXISTS (SELECT 1 FROM officer_units AS u "
        "WHERE u.officer_id = k.officer_id AND u.unit_id = k.unit_id)"
    )
    op.execute(
        "UPDATE broadcasts SET author_officer_id = (SELECT k.author_officer_id FROM "
        "_keep_broadcast_authors AS k WHERE k.id = broadcasts.id) WHERE id IN "
        "(SELECT id FROM _keep_broadcast_authors)"
    )
    op.execute("DROP TABLE _keep_officer_units")
    op.execute("DROP TABLE _keep_broadcast_authors")


def downgrade() -> None:
    raise NotImplementedError("people cannot be split back into one officer row per account")
