"""How strandbot's connections to PostgreSQL are set up."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from bot.store.db import Database


@pytest.mark.postgres
def test_postgresql_connections_do_not_jit_compile_queries(postgres_url: URL):
    # Compiling a plan cost 100 to 600 ms per query whenever a misestimate crossed jit_above_cost: more than the
    # query itself for the summaries' recount and the dashboards' window counts.
    database = Database(postgres_url)
    try:
        with database.session() as session:
            assert session.scalar(text("SHOW jit")) == "off"
    finally:
        database.dispose()
