"""Alembic migrations for every yiwang table (run with `yiwang db upgrade`)."""
