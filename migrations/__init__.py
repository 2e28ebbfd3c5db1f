"""Alembic migrations for strandbot's schema. Run them with `strandbot db upgrade`."""
