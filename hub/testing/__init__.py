"""Test support for the hub and its plugins (a pytest plugin, loaded automatically).

Fixtures: ``database_url`` (parametrised over SQLite and PostgreSQL; PostgreSQL runs
when ``HUB_TEST_POSTGRES_URL`` is set and is skipped otherwise), ``sqlite_url``,
``postgres_url``, ``hub_engine`` (a migrated, empty database) and ``hub_runtime``.
"""
