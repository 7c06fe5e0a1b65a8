"""A whole hub in this process, for end-to-end tests and demos: ``LiveHub``.

A plugin's end-to-end test or demo needs what an installation has: a migrated
database, the mapping tables compiled, the HTTP server listening, workers delivering,
and the administrator's commands. ``LiveHub`` builds all of it from the plugins'
settings tables, on a fresh SQLite file by default, with the server on a free port of
127.0.0.1; workers run on demand (``work_until``), so a test decides when messages move.
It is the real hub, not a stand-in: the same runtime, server, worker and CLI as
``hub run``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

import click
import sqlalchemy as sa
from click.testing import CliRunner

from hub.cli.main import build_cli
from hub.core.inbound.inbox import post_waiting
from hub.core.inbound.load import LoadResult
from hub.core.inbound.waiting import repost_ready
from hub.core.masterdata import Incoming, UpsertResult
from hub.core.masterdata.service import load as load_document
from hub.core.model.base import Document
from hub.core.plugins.context import PluginContext
from hub.core.queue.worker import Worker
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import documents, migrate
from hub.core.store.plugin_state import JsonValue
from hub.http import RunningServer, serve

_log = logging.getLogger(__name__)

__all__ = ["LiveHub", "SettingsTable"]

SettingsTable = Mapping[str, object]


class LiveHub:
    """A running hub for tests and demos (see the module docstring)."""

    def __init__(self, work: Path, plugins: Mapping[str, SettingsTable], *, mappings_dir: Path | None = None,
                 database_url: str | None = None, username: str | None = None, password: str | None = None,
                 queue: SettingsTable | None = None) -> None:
        work.mkdir(parents=True, exist_ok=True)
        http: dict[str, object] = {"host": "127.0.0.1", "port": 0}
        if username is not None:
            http.update(username=username, password=password)
        self.settings = HubSettings.model_validate({
            "database_url": database_url or f"sqlite:///{work / 'hub.db'}",
            "mappings_dir": str(mappings_dir or work / "mappings"),
            "http": http, "queue": dict(queue or {}),
            "plugins": {name: dict(table) for name, table in plugins.items()},
        })
        self.runtime = HubRuntime(self.settings)
        self.runtime.check()
        migrate.upgrade(self.runtime.engine)
        self.runtime.mappings  # noqa: B018 -- compile every table now: a broken one stops here
        self._server: RunningServer | None = None
        self._worker: Worker | None = None

    def __enter__(self) -> LiveHub:
        self._server = serve(self.runtime)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop the server, close the transports the worker built, release the database."""
        if self._worker is not None:
            self._worker.close()
            self._worker = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        self.runtime.close()

    @property
    def url(self) -> str:
        """The HTTP server's base URL (``http://127.0.0.1:PORT``)."""
        if self._server is None:
            raise RuntimeError("the live hub's server is not started: use it as a context manager")
        return self._server.url

    def context(self, plugin: str) -> PluginContext:
        """What ``plugin`` may use of this hub."""
        return self.runtime.plugin_context(plugin)

    def load(self, plugin: str, object_name: str, source: str | None = None) -> LoadResult:
        """``hub load PLUGIN OBJECT [--source SOURCE]``: an initial load, to its end."""
        spec, job = self.runtime.initial_load(plugin, object_name)
        opened = spec.open(self.context(plugin), source)
        return job.run(opened.documents, opened.source, opened.key, parts=opened.parts, total=opened.total)

    def upsert(self, new_documents: Sequence[Document], source_system: str = "hub") -> list[UpsertResult]:
        """Write canonical documents as ``source_system`` did (the CRM side: ``hub``)."""
        return self.runtime.masterdata().upsert_many([Incoming(d, source_system) for d in new_documents])

    def work_until(self, done: Callable[[], bool], timeout: float) -> bool:
        """Post the inbox's waiting payloads and deliver queued messages (a worker in
        this process) until ``done()`` or ``timeout`` seconds passed; whether ``done()``
        came true."""
        if self._worker is None:
            self._worker = Worker(self.runtime, name="live")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while (post_waiting(self.runtime.schema_engine, self.runtime.shared_ingestor).payloads
                   or repost_ready(self.runtime.schema_engine, self.runtime.shared_ingestor)):
                pass
            try:
                self._worker.run_until_idle()
            except sa.exc.DBAPIError as exc:
                # As `hub run`'s workers do (Worker.run): a deadlock with a posting transaction
                # (PostgreSQL aborts one of them) or a lost connection is not the end; what was
                # delivered but not recorded is taken again once its lease runs out.
                _log.warning("live worker: database error, working on: %s", exc)
            if done():
                return True
            time.sleep(0.05)
        return done()

    def admin(self, *args: str) -> None:
        """Run one ``hub`` command and show it as an administrator would see it typed."""
        click.secho(f"\n$ hub {' '.join(args)}", bold=True)
        build_cli(self.runtime).main(list(args), prog_name="hub", obj=self.runtime, standalone_mode=False)

    def cli_json(self, *args: str) -> JsonValue:
        """What ``hub ARGS --json`` prints, parsed; raises when the command fails."""
        result = CliRunner().invoke(build_cli(self.runtime), [*args, "--json"], obj=self.runtime)
        if result.exit_code != 0:
            raise RuntimeError(f"hub {' '.join(args)} --json exited {result.exit_code}: {result.output}")
        parsed: JsonValue = json.loads(result.stdout)
        return parsed

    def documents(self, doc_type: str) -> list[Document]:
        """Every stored golden record of ``doc_type`` (merged ones left out)."""
        with self.runtime.engine.connect() as conn:
            return [load_document(conn, hub_id) for hub_id in documents.list_ids(conn, doc_type)]

    def count(self, doc_type: str) -> int:
        """How many golden records of ``doc_type`` are stored."""
        with self.runtime.engine.connect() as conn:
            return len(documents.list_ids(conn, doc_type))
