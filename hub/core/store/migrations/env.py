"""Alembic environment: runs on the connection the hub hands over (see migrate.py).

It imports no application code, nor do the migrations: a migration must go on doing
what it did when it was written, whatever the tables' modules become later. That the
migrations produce exactly the tables the code defines is a test's job
(``tests/core/store/test_migrations.py``).
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
