"""`hub init`, `hub plugins`, `hub partner ...` and the CLI's error contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import build_cli
from hub.core.masterdata import MasterDataService
from hub.core.model.partner import Partner
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings

HUB = str(Path(sys.executable).parent / "hub")


def run(runtime: HubRuntime, *args: str) -> object:
    result = CliRunner().invoke(build_cli(runtime), list(args), obj=runtime, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if "--json" in args else result.output


def test_init_creates_then_recognises_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runtime = HubRuntime(HubSettings(database_url=f"sqlite:///{tmp_path / 'var' / 'hub.db'}"))
    first = run(runtime, "init", "--json")
    assert first["schema_before"] is None and first["config_written"] is True  # type: ignore[index]
    assert (tmp_path / "hub.toml").exists() and (tmp_path / "var" / "hub.db").exists()
    second = run(runtime, "init", "--json")
    assert second["schema_before"] == second["schema_now"] and second["config_written"] is False  # type: ignore[index]
    runtime.close()


def test_a_command_leaves_open_the_runtime_it_was_lent(hub_runtime: HubRuntime) -> None:
    """A live hub runs commands on the runtime its server and workers share: a request
    holding a connection while a command ends gives it back to the same, open pool
    (closing the runtime after each command disposed that pool under the request, and
    its connection was then never closed). Whoever built the runtime closes it."""
    pool = hub_runtime.engine.pool
    with hub_runtime.engine.connect() as in_flight:
        run(hub_runtime, "status", "--json")
        assert in_flight.exec_driver_sql("SELECT 1").scalar_one() == 1
    assert hub_runtime.engine.pool is pool
    assert pool.checkedout() == 0 and pool.checkedin() >= 1


def test_plugins_json_lists_the_built_in_plugins(tmp_path: Path) -> None:
    out = subprocess.run([HUB, "plugins", "--json"], cwd=tmp_path, capture_output=True, text=True, check=True)
    names = {p["name"] for p in json.loads(out.stdout)}
    assert {"erp_sap", "ecommerce", "loyalty_pos"} <= names


def test_disabled_plugins_are_left_out(tmp_path: Path) -> None:
    env = {"HUB_DISABLED_PLUGINS": "ecommerce, loyalty_pos", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([HUB, "plugins", "--json"], cwd=tmp_path, capture_output=True, text=True,
                         check=True, env=env)
    assert "ecommerce" not in {p["name"] for p in json.loads(out.stdout)}


def test_errors_are_one_line_without_traceback_unless_debug(tmp_path: Path) -> None:
    out = subprocess.run([HUB, "partner", "show", "nobody"], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 1
    assert "run `hub init`" in out.stderr and "Traceback" not in out.stderr
    debug = subprocess.run([HUB, "--debug", "partner", "show", "nobody"], cwd=tmp_path,
                           capture_output=True, text=True)
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_broken_config_is_reported_with_every_problem(tmp_path: Path) -> None:
    (tmp_path / "hub.toml").write_text('duplicate_threshold = "high"\nnot_a_setting = 1\n')
    out = subprocess.run([HUB, "plugins"], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 1
    assert "duplicate_threshold" in out.stderr and "not_a_setting" in out.stderr


def test_partner_show_and_duplicates(hub_runtime: HubRuntime) -> None:
    service = MasterDataService.from_settings(hub_runtime.engine, hub_runtime.settings)
    a = service.upsert(Partner(kind="organisation", organisation_name="Müller GmbH", emails=["info@m.de"]),
                       "erp_sap", "0000100001")
    b = service.upsert(Partner(kind="organisation", organisation_name="Mueller AG", emails=["info@m.de"]),
                       "ecommerce", "c-1")
    view = run(hub_runtime, "partner", "show", "0000100001", "--json")
    assert view["partner"]["hub_id"] == a.hub_id  # type: ignore[index]
    assert view["history"][0]["source"] == "erp_sap"  # type: ignore[index]
    assert run(hub_runtime, "partner", "show", "ecommerce:c-1", "--json")["partner"]["hub_id"] == b.hub_id  # type: ignore[index]
    assert "Müller GmbH" in str(run(hub_runtime, "partner", "show", a.hub_id))
    pairs = run(hub_runtime, "partner", "duplicates", "--json")
    assert [{p["hub_id"], p["other_hub_id"]} for p in pairs] == [{a.hub_id, b.hub_id}]  # type: ignore[union-attr]
    run(hub_runtime, "partner", "merge", a.hub_id, "ecommerce:c-1")
    assert run(hub_runtime, "partner", "duplicates", "--json") == []


def test_the_starter_configs_example_shops_are_valid_once_uncommented(tmp_path: Path) -> None:
    """The example shops `hub init` writes load as they are, one secret coming from the environment."""
    subprocess.run([HUB, "init"], cwd=tmp_path, capture_output=True, text=True, check=True)
    config = tmp_path / "hub.toml"
    lines = config.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# [plugins.ecommerce.shops."))
    shops_part = [line.removeprefix("#").removeprefix(" ") for line in lines[start:]]
    without_uk_secret = [line for line in shops_part
                         if not (line.startswith("webhook_secret") and "WooCommerce" in line)]
    config.write_text("\n".join(lines[:start] + without_uk_secret) + "\n", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin",
           "HUB_PLUGINS": json.dumps({"ecommerce": {"shops": {"uk": {"webhook_secret": "from-env"}}}})}
    out = subprocess.run([HUB, "config", "show", "--json"], cwd=tmp_path, capture_output=True, text=True,
                         env=env)
    assert out.returncode == 0, out.stderr
    assert "from-env" not in out.stdout and "shpat_" not in out.stdout
    shops = json.loads(out.stdout)["settings"]["plugins"]["ecommerce"]["shops"]
    assert {name: shop["platform"] for name, shop in shops.items()} == {"eu": "shopify", "uk": "woocommerce"}
    assert shops["uk"]["webhook_secret"] == "***" and shops["uk"]["currency"] == "GBP"
