"""The configuration as every command sees it: checked whole before any command runs,
every problem on its own line; `hub config show` with every secret masked.

The real `hub` console script runs in a temporary folder with its own hub.toml, as an
administrator would run it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HUB = str(Path(sys.executable).parent / "hub")


def hub(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``hub ARGS`` in ``folder`` with the given HUB_* variables only."""
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("HUB_")}
    return subprocess.run([HUB, *args], cwd=folder, capture_output=True, text=True, env={**clean, **env},
                          timeout=60)


def write(folder: Path, toml: str) -> Path:
    path = folder / "hub.toml"
    path.write_text(toml, encoding="utf-8")
    return path


def errors(done: subprocess.CompletedProcess[str]) -> list[str]:
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert all(line.startswith("error: ") for line in lines), done.stderr
    return [line.removeprefix("error: ") for line in lines]


def test_a_queue_typo_stops_hub_status(tmp_path: Path) -> None:
    write(tmp_path, "[queue]\nlease_secnds = 10\n")
    assert errors(hub(tmp_path, "status")) == [
        "hub.toml: [queue] lease_secnds: unknown key (did you mean 'lease_seconds'?)"]


@pytest.mark.parametrize("command", [["status"], ["plugins"], ["init"], ["config", "show"], ["messages"]])
def test_a_misspelt_plugin_key_stops_every_command(tmp_path: Path, command: list[str]) -> None:
    write(tmp_path, f'database_url = "sqlite:///{tmp_path}/var/hub.db"\n[plugins.erp_sap]\ninbound_dr = "in"\n')
    assert errors(hub(tmp_path, *command)) == [
        "hub.toml: [plugins.erp_sap] inbound_dr: unknown key (did you mean 'inbound_dir'?)"]
    assert not (tmp_path / "var").exists()  # `hub init` created nothing


def test_every_problem_of_every_section_comes_in_one_run_one_per_line(tmp_path: Path) -> None:
    write(tmp_path, 'duplicate_threshold = 7\n[http]\nusername = "sap"\n[queue.retry]\nmax_attempts = 0\n'
                    '[source_priority.partner]\ndefaults = ["erp_sap"]\n'
                    '[plugins.erp_sap]\ninbound_dr = "in"\n[plugins.shopify]\nshop = "eu"\n')
    assert sorted(errors(hub(tmp_path, "status"))) == sorted([
        "hub.toml: duplicate_threshold: Input should be less than or equal to 1",
        "hub.toml: [http]: username is set but password is not; basic auth needs both (or neither, for none)",
        "hub.toml: [queue.retry] max_attempts: Input should be greater than or equal to 1",
        "hub.toml: [source_priority.partner] defaults: unknown key (did you mean 'default'?)",
        "hub.toml: [plugins.erp_sap] inbound_dr: unknown key (did you mean 'inbound_dir'?)",
        "hub.toml: [plugins.shopify]: no plugin 'shopify' is installed",
    ])


def test_a_value_from_the_environment_names_its_variable(tmp_path: Path) -> None:
    assert errors(hub(tmp_path, "status", HUB_DUPLICATE_THRESHOLD="7")) == [
        "HUB_DUPLICATE_THRESHOLD: Input should be less than or equal to 1"]


@pytest.mark.parametrize("command", ["init", "status"])
def test_an_in_memory_database_is_refused_where_the_hub_must_persist(tmp_path: Path, command: str) -> None:
    assert errors(hub(tmp_path, command, HUB_DATABASE_URL="sqlite://")) == [
        "HUB_DATABASE_URL: an in-memory SQLite database is gone when the command ends;"
        " name a file, e.g. sqlite:///var/hub.db"]


def test_a_database_url_problem_hides_the_password(tmp_path: Path) -> None:
    write(tmp_path, 'database_url = "mysql://hub:s3cret@db/hub"\n')
    found = errors(hub(tmp_path, "status"))
    assert found == ["hub.toml: database_url: database 'mysql' is not supported;"
                     " use sqlite:///FILE or postgresql://USER@HOST/DATABASE"]
    assert "s3cret" not in hub(tmp_path, "--debug", "status").stderr


def test_version_and_help_need_no_valid_configuration(tmp_path: Path) -> None:
    write(tmp_path, "[queue]\nlease_secnds = 10\n")
    version = hub(tmp_path, "--version")
    assert version.returncode == 0 and "hub, version" in version.stdout
    write(tmp_path, "")
    help_text = hub(tmp_path, "--help")
    listed = {line.split()[0] for line in help_text.stdout.splitlines() if line.startswith("  ")}
    assert help_text.returncode == 0 and {"config", "status", "idoc"} <= listed


SECRETS = ("dbsecret", "httpsecret", "erpsecret", "idocsecret", "querysecret")
CONFIG_WITH_SECRETS = (
    'database_url = "postgresql://hub:dbsecret@db.example:5432/hub?sslmode=require"\n'
    '[http]\nusername = "sap"\npassword = "httpsecret"\n'
    '[plugins.erp_sap]\nusername = "HUBUSER"\npassword = "erpsecret"\n'
    'idoc_url = "http://idoc:idocsecret@erp.example/idoc?password=querysecret&client=100"\n'
)


def test_config_show_masks_every_secret(tmp_path: Path) -> None:
    write(tmp_path, CONFIG_WITH_SECRETS)
    done = hub(tmp_path, "config", "show", HUB_DUPLICATE_THRESHOLD="0.8")
    assert done.returncode == 0, done.stderr
    assert not [s for s in SECRETS if s in done.stdout]
    lines = done.stdout.splitlines()
    assert 'database_url = "postgresql://hub:***@db.example:5432/hub?sslmode=require"  # from hub.toml' in lines
    assert "duplicate_threshold = 0.8  # from HUB_DUPLICATE_THRESHOLD" in lines
    assert 'mappings_dir = "mappings"  # default' in lines
    http = lines.index("[http]")
    assert lines[http + 3:http + 5] == ['username = "sap"  # from hub.toml', 'password = "***"  # from hub.toml']
    erp = lines[lines.index("[plugins.erp_sap]"):]
    assert 'password = "***"  # from hub.toml' in erp and "# endpoint: not set (default)" in erp
    assert 'idoc_url = "http://idoc:***@erp.example/idoc?password=***&client=100"  # from hub.toml' in erp
    assert 'poll_seconds = 5.0  # default' in erp


def test_config_show_json_masks_every_secret_and_says_where_values_came_from(tmp_path: Path) -> None:
    write(tmp_path, CONFIG_WITH_SECRETS)
    done = hub(tmp_path, "config", "show", "--json", HUB_INGEST_WORKERS="1")
    assert done.returncode == 0, done.stderr
    assert not [s for s in SECRETS if s in done.stdout]
    shown = json.loads(done.stdout)
    settings, sources = shown["settings"], shown["sources"]
    assert shown["config_file"] == "hub.toml"
    assert settings["database_url"] == "postgresql://hub:***@db.example:5432/hub?sslmode=require"
    assert settings["http"]["password"] == "***" and settings["plugins"]["erp_sap"]["password"] == "***"
    assert settings["plugins"]["erp_sap"]["idoc_url"] == "http://idoc:***@erp.example/idoc?password=***&client=100"
    assert settings["queue"]["retry"]["max_attempts"] == 10 and settings["ingest_workers"] == 1
    assert sources["http.password"] == "hub.toml" and sources["plugins.erp_sap.password"] == "hub.toml"
    assert sources["ingest_workers"] == "HUB_INGEST_WORKERS" and sources["queue.retry.max_attempts"] == "default"
