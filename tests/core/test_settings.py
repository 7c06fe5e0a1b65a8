"""hub.toml and HUB_* settings: every section refuses unknown keys, checks types and
ranges, and every problem is reported at once with where it is."""

from __future__ import annotations

import os
import traceback
from pathlib import Path

import pytest

from hub.core.errors import ConfigError
from hub.core.settings import HubSettings, load_settings


def problems(tmp_path: Path, toml: str) -> list[str]:
    """The problems load_settings reports for a hub.toml with ``toml``, one string each."""
    path = tmp_path / "hub.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return [str(p) for p in caught.value.problems]


def load(tmp_path: Path, toml: str) -> HubSettings:
    path = tmp_path / "hub.toml"
    path.write_text(toml, encoding="utf-8")
    return load_settings(path)


@pytest.fixture(autouse=True)
def no_hub_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests' own HUB_* variables only (a developer's shell may set some)."""
    for name in list(os.environ):
        if name.upper().startswith("HUB_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize(("key", "meant"), [("user", "username"), ("passwd", "password")])
def test_misspelt_http_credentials_are_refused_not_ignored(tmp_path: Path, key: str, meant: str) -> None:
    # Ignored, these would start the server with no authentication at all.
    found = problems(tmp_path, f'[http]\nusername = "sap"\npassword = "s3cret"\n{key} = "x"\n')
    assert found == [f"{tmp_path / 'hub.toml'}: [http] {key}: unknown key (did you mean {meant!r}?)"]


def test_http_username_without_password_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, '[http]\nusername = "sap"\n')
    assert found == [f"{tmp_path / 'hub.toml'}: [http]: username is set but password is not;"
                     " basic auth needs both (or neither, for none)"]


def test_http_password_without_username_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, '[http]\npassword = "s3cret"\n')
    assert len(found) == 1 and "password is set but username is not" in found[0] and "s3cret" not in found[0]


def test_http_credentials_in_pairs_are_taken(tmp_path: Path) -> None:
    http = load(tmp_path, '[http]\nusername = "sap"\npassword = "s3cret"\n').http
    assert http.username == "sap" and http.password is not None
    assert http.password.get_secret_value() == "s3cret"


def test_duplicate_threshold_is_a_share(tmp_path: Path) -> None:
    assert problems(tmp_path, "duplicate_threshold = 7\n") == [
        f"{tmp_path / 'hub.toml'}: duplicate_threshold: Input should be less than or equal to 1"]
    assert load(tmp_path, "duplicate_threshold = 0.9\n").duplicate_threshold == 0.9


def test_a_value_from_the_environment_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_DUPLICATE_THRESHOLD", "7")
    assert problems(tmp_path, "duplicate_threshold = 0.5\n") == [
        "HUB_DUPLICATE_THRESHOLD: Input should be less than or equal to 1"]


def test_a_table_from_the_environment_names_the_variable_and_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_HTTP", '{"username": "sap", "passwd": "s3cret"}')
    found = problems(tmp_path, "")
    assert "HUB_HTTP: [http] passwd: unknown key (did you mean 'password'?)" in found
    monkeypatch.setenv("HUB_HTTP", '{"username": "sap", "password": s3cret}')
    assert problems(tmp_path, "") == [
        "HUB_HTTP: is not valid JSON (this setting takes a JSON object or list)"]


def test_queue_keys_are_checked_when_settings_load(tmp_path: Path) -> None:
    found = problems(tmp_path, "[queue]\nlease_secnds = 10\nbatch_size = 0\n"
                               '[queue.policies."erp_sap.cancel"]\nmax_attemps = 3\n')
    toml = tmp_path / "hub.toml"
    assert sorted(found) == sorted([
        f"{toml}: [queue] lease_secnds: unknown key (did you mean 'lease_seconds'?)",
        f"{toml}: [queue] batch_size: Input should be greater than or equal to 1",
        f'{toml}: [queue.policies."erp_sap.cancel"] max_attemps: unknown key (did you mean \'max_attempts\'?)',
    ])


def test_queue_settings_are_a_model_after_loading(tmp_path: Path) -> None:
    queue = load(tmp_path, "[queue]\nlease_seconds = 10\n[queue.policies.erp_sap]\nmax_attempts = 2\n").queue
    assert queue.lease_seconds == 10 and queue.policy_for("erp_sap", "upsert").max_attempts == 2


def test_source_priority_refuses_unknown_keys(tmp_path: Path) -> None:
    found = problems(tmp_path, '[source_priority.partner]\ndefault = ["erp_sap"]\n'
                               '[source_priority.partner.fileds]\nemails = ["erp_sap"]\n'
                               "[source_priority.product.fields]\nnames = \"erp_sap\"\n")
    toml = tmp_path / "hub.toml"
    assert sorted(found) == sorted([
        f"{toml}: [source_priority.partner] fileds: unknown key (did you mean 'fields'?)",
        f"{toml}: [source_priority.product.fields] names: Input should be a valid list",
    ])


def test_every_problem_of_every_section_is_reported_at_once(tmp_path: Path) -> None:
    found = problems(tmp_path, "databse_url = 'sqlite:///x.db'\nduplicate_threshold = 7\n"
                               '[http]\nusername = "sap"\npassword = "s3cret"\npasswd = "x"\n'
                               "[queue]\nbatch_sise = 10\n")
    assert len(found) == 4
    assert any("databse_url: unknown key (did you mean 'database_url'?)" in p for p in found)
    assert any("duplicate_threshold:" in p for p in found)
    assert any("[http] passwd:" in p for p in found)
    assert any("[queue] batch_sise: unknown key (did you mean 'batch_size'?)" in p for p in found)


def test_a_config_file_named_explicitly_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "hub.tmol")


def test_the_default_config_file_may_be_absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings().database_url == "sqlite:///var/hub.db"


def test_the_origin_says_where_each_value_came_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_INGEST_WORKERS", "1")
    settings = load(tmp_path, "duplicate_threshold = 0.5\n[http]\nport = 9000\n")
    origin, toml = settings.origin, str(tmp_path / "hub.toml")
    assert origin.source(("duplicate_threshold",)) == toml and origin.source(("http", "port")) == toml
    assert origin.source(("ingest_workers",)) == "HUB_INGEST_WORKERS"
    assert origin.source(("http", "host")) == "default" and origin.source(("mappings_dir",)) == "default"


@pytest.mark.parametrize(("url", "reason"), [
    ("mysql://hub:s3cret@db/hub", "database 'mysql' is not supported"),
    ("postgresql://hub:s3cret@db:port/hub", "cannot be read as a database URL"),
])
def test_database_url_problems_name_the_setting_and_hide_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, reason: str
) -> None:
    found = problems(tmp_path, f'database_url = "{url}"\n')
    assert len(found) == 1 and found[0].startswith(f"{tmp_path / 'hub.toml'}: database_url: {reason}")
    monkeypatch.setenv("HUB_DATABASE_URL", url)
    found = problems(tmp_path, "")
    assert len(found) == 1 and found[0].startswith(f"HUB_DATABASE_URL: {reason}")
    assert not any("s3cret" in p or "\n" in p for p in found)


def test_a_validation_error_does_not_travel_with_the_config_error(tmp_path: Path) -> None:
    # Its input values (passwords included) would show in a --debug traceback.
    path = tmp_path / "hub.toml"
    path.write_text('[http]\nusername = "sap"\npassword = "s3cret"\nport = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert "s3cret" not in "".join(traceback.format_exception(caught.value))
