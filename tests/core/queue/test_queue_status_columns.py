"""The status reads the queue tables through light clauses; they must match the tables."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import sqlalchemy as sa

from hub.core.queue import status, tables
from hub.core.store import inbound_counts
from hub.core.store.datetimes import UTCDateTime
from hub.core.store.tables import InboundPayloadRow, InboxRow


def _kind(column_type: sa.types.TypeEngine) -> type:
    """The type that decides how values convert: our own decorators (aware datetimes)
    count as themselves, sqlmodel's AutoString as the string it decorates."""
    if isinstance(column_type, UTCDateTime):
        return UTCDateTime
    if isinstance(column_type, sa.types.TypeDecorator):
        return type(column_type.impl_instance)
    return type(column_type)


@pytest.mark.parametrize(("light", "real"), [
    (status.queues, tables.queues),
    (status.message_heads, tables.messages),
    (inbound_counts.payloads, InboundPayloadRow.__table__),
    (inbound_counts.inbox, InboxRow.__table__),
])
def test_light_clauses_name_real_columns_of_the_same_type(light, real):
    assert light.name == real.name
    for column in light.c:
        assert column.name in real.c, f"{real.name} has no column {column.name}"
        assert _kind(column.type) is _kind(real.c[column.name].type), column.name


def test_hub_status_does_not_import_the_orm_or_the_worker(tmp_path):
    """What keeps ``hub status`` quick to start. The full command (a configuration not
    checked before): no sqlmodel/ORM, no worker, and of the plugins only their entry
    modules and settings (checked at every command), not zeep or lxml. Once the
    configuration passed that check, the quick path: no SQLAlchemy, no pydantic, no plugin."""
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    script = (
        "import sys, json\n"
        "from hub.cli.entry import main\n"
        "sys.argv = ['hub', 'status']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m for m in sys.modules"
        " if m.startswith(('sqlmodel', 'sqlalchemy', 'pydantic', 'click', 'hub.core.queue', 'plugins', 'zeep',"
        " 'lxml')))))\n"
    )
    checked = {"HUB_DATABASE_URL": url, "PATH": "", "XDG_CACHE_HOME": str(tmp_path / "checked")}
    init = subprocess.run([sys.executable, "-c", "from hub.cli.main import main; main(['init'])"],
                          capture_output=True, text=True, cwd=tmp_path, env=checked)
    assert init.returncode == 0, init.stderr
    unchecked = {**checked, "XDG_CACHE_HOME": str(tmp_path / "unchecked")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, env=unchecked)
    assert done.returncode == 0, done.stderr
    loaded = [m for m in json.loads(done.stdout.strip().splitlines()[-1])
              if not m.startswith(("sqlalchemy", "pyd", "click"))]
    # The queue's settings model comes with the hub's settings: [queue] is checked at every command.
    assert loaded == ["hub.core.queue", "hub.core.queue.clock", "hub.core.queue.messages",
                      "hub.core.queue.settings", "hub.core.queue.status", "hub.core.queue.status_view",
                      "plugins", "plugins.contracts", "plugins.contracts.plugin", "plugins.contracts.settings",
                      "plugins.ecommerce", "plugins.ecommerce.plugin", "plugins.ecommerce.settings",
                      "plugins.erp_sap",
                      "plugins.erp_sap.plugin", "plugins.erp_sap.settings", "plugins.loyalty_pos",
                      "plugins.loyalty_pos.plugin", "plugins.loyalty_pos.settings"]
    # `hub init` wrote hub.toml after its check: the first status checks it in full, the next is quick.
    for _ in range(2):
        quick = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path,
                               env=checked)
        assert quick.returncode == 0, quick.stderr
    assert json.loads(quick.stdout.strip().splitlines()[-1]) == [
        "hub.core.queue", "hub.core.queue.status_sql", "hub.core.queue.status_view"]
