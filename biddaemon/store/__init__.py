"""Persistence: SQLAlchemy models, engines and sessions, Alembic migrations. No business rules."""
