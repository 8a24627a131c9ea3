"""Alembic environment: runs on the connection `bot.db` hands it (sync, inside run_sync)."""

from alembic import context

from bot.db import load_models

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `trolyso db upgrade`")

context.configure(
    connection=connection,
    target_metadata=load_models(),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
