"""Alembic environment: the URL comes from strandbot's settings via bot.store.db.alembic_config."""

from alembic import context
from sqlalchemy.engine import make_url

from bot.store.db import make_engine
from bot.store.models import Base

config = context.config


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    # strandbot's own engine: the same connect timeout and SQLite pragmas as the app.
    engine = make_engine(make_url(config.get_main_option("sqlalchemy.url")), create=True)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
