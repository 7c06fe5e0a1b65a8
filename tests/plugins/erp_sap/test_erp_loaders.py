"""``hub load erp_sap customers|products``: files, the simulator's master data, a real crash."""

from __future__ import annotations

import json
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from erp_fixtures import PYTHON, count_documents, erp_numbers, erp_runtime, write_hub_toml

from hub.cli.main import build_cli
from hub.core.errors import ConfigError, NotFoundError
from hub.core.runtime import HubRuntime
from plugins.erp_sap.loaders import count_idocs
from plugins.erp_sap.simulator.masterdata import customer
from plugins.erp_sap.simulator.masterdata_idocs import write_debmas, write_matmas
from plugins.erp_sap.simulator.server import ErpSimulator


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[HubRuntime]:
    hub = erp_runtime(database_url, tmp_path)
    yield hub
    hub.close()


def _load(runtime: HubRuntime, *args: str) -> Result:
    return CliRunner().invoke(build_cli(runtime), ["load", "erp_sap", *args, "--json"], obj=runtime)


def _summary(result: Result) -> dict[str, object]:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_customers_load_from_a_file_once(runtime: HubRuntime, tmp_path: Path) -> None:
    source = tmp_path / "DEBMAS.xml"
    write_debmas(source, 120)
    assert count_idocs(source) == 120
    first = _summary(_load(runtime, "customers", "--source", str(source)))
    assert (first["status"], first["done"], first["created"], first["failed"]) == ("completed", 120, 120, 0)
    again = _summary(_load(runtime, "customers", "--source", str(source)))
    assert (again["status"], again["created"], again["resumed_from"]) == ("completed", 0, 120)
    numbers = erp_numbers(runtime.engine, "partner")
    assert len(numbers) == 120 and set(numbers.values()) == {1}
    assert numbers.keys() >= {customer(0).number.lstrip("0"), customer(119).number.lstrip("0")}


def test_products_load_from_a_file(runtime: HubRuntime, tmp_path: Path) -> None:
    source = tmp_path / "MATMAS.xml"
    write_matmas(source, 40)
    summary = _summary(_load(runtime, "products", "--source", str(source)))
    assert (summary["done"], summary["created"], summary["failed"]) == (40, 40, 0), summary["errors"]
    assert count_documents(runtime.engine, "product") == 40


def test_customers_load_from_the_erps_master_data_endpoint(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(downloads))
    with ErpSimulator() as sim:
        hub = erp_runtime(database_url, tmp_path,
                          masterdata_url=f"{sim.base_url}/sim/idocs/{{message_type}}?count=300")
        try:
            summary = _summary(_load(hub, "customers"))
            assert (summary["done"], summary["created"], summary["failed"]) == (300, 300, 0), summary["errors"]
            assert summary["key"].endswith("/sim/idocs/DEBMAS?count=300")
            assert len(erp_numbers(hub.engine, "partner")) == 300
            assert list(downloads.iterdir()) == [], "the downloaded extract is removed"
            again = _summary(_load(hub, "customers"))
            assert (again["status"], again["created"]) == ("completed", 0)
            assert list(downloads.iterdir()) == [], "also when the load was complete already"
        finally:
            hub.close()


def test_load_errors_name_what_is_wrong(runtime: HubRuntime, tmp_path: Path) -> None:
    missing = _load(runtime, "customers", "--source", str(tmp_path / "nope.xml"))
    assert isinstance(missing.exception, ConfigError) and "nope.xml is not a file" in str(missing.exception)
    no_url = _load(runtime, "customers")
    assert isinstance(no_url.exception, ConfigError) and "no masterdata_url set" in str(no_url.exception)
    unknown = _load(runtime, "vendors")
    assert isinstance(unknown.exception, NotFoundError) and "customers, products" in str(unknown.exception)
    assert count_documents(runtime.engine, "partner") == 0


# ``hub load`` in a process of its own, with chunks of 100, that is killed (SIGKILL) in
# the transaction of its third chunk: two chunks committed, one half-written.
CRASHING_LOAD = """
import os, signal, sys
from hub.cli.main import main
from hub.core.inbound import load

init, load_chunk = load.InitialLoad.__init__, load.InitialLoad._load_chunk

def small_chunks(self, *args, **kwargs):
    init(self, *args, **kwargs)
    self.chunk = 100

def dies_in_third_chunk(self, chunk, result):
    if result.done == 200:
        self.ingestor.posting.masterdata.listeners.append(lambda conn, change: os.kill(os.getpid(), signal.SIGKILL))
    return load_chunk(self, chunk, result)

load.InitialLoad.__init__ = small_chunks
load.InitialLoad._load_chunk = dies_in_third_chunk
main(sys.argv[1:])
"""


def test_a_load_killed_mid_way_resumes_and_loads_every_customer_once(
        runtime: HubRuntime, tmp_path: Path, database_url: str) -> None:
    source = tmp_path / "DEBMAS.xml"
    write_debmas(source, 300)
    workdir = tmp_path / "work"
    workdir.mkdir()
    write_hub_toml(workdir, database_url, tmp_path)
    child = subprocess.run([PYTHON, "-c", CRASHING_LOAD, "load", "erp_sap", "customers", "--source", str(source),
                            "--json"], cwd=workdir, capture_output=True, timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    assert count_documents(runtime.engine, "partner") == 200

    summary = _summary(_load(runtime, "customers", "--source", str(source)))
    assert (summary["status"], summary["resumed_from"], summary["done"]) == ("completed", 200, 300)
    assert (summary["created"], summary["failed"]) == (100, 0)
    numbers = erp_numbers(runtime.engine, "partner")
    assert len(numbers) == 300 and set(numbers.values()) == {1}
    assert count_documents(runtime.engine, "partner") == 300
