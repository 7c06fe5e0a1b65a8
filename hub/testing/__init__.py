"""Test support for the hub and its plugins (a pytest plugin, loaded automatically).

Fixtures: ``database_url`` (parametrised over SQLite and PostgreSQL; PostgreSQL runs
when ``HUB_TEST_POSTGRES_URL`` is set and is skipped otherwise), ``sqlite_database_url``,
``postgres_database_url``, ``hub_engine`` (a migrated, empty database), ``hub_settings``,
``hub_runtime`` and ``recording_peer`` (a scripted HTTP peer on 127.0.0.1,
``hub.testing.peer``).

Modules: ``live`` (``LiveHub``, a whole hub in this process), ``peer``
(``RecordingPeer``), ``conformance`` (the checks every codec and transport must pass),
``samples`` (a valid document of every canonical type), ``scheduled`` (a plugin whose
jobs log their runs and commit once per run, and ``HubProcess``, a real ``hub run``
subprocess asked through ``/metrics`` whether it leads the scheduler).
"""
