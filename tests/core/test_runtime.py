"""The runtime opens the hub's database only where it persists, and says which setting
is wrong when it cannot."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.core.errors import ConfigError
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings, load_settings


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_is_refused_when_the_hub_opens_it(url: str) -> None:
    runtime = HubRuntime(HubSettings(database_url=url))
    with pytest.raises(ConfigError) as caught:
        runtime.engine  # noqa: B018 - the property raises
    assert str(caught.value) == ("database_url: an in-memory SQLite database is gone when the command ends;"
                                 " name a file, e.g. sqlite:///var/hub.db")


def test_the_refusal_names_the_variable_that_set_the_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", "sqlite://")
    config = tmp_path / "hub.toml"
    config.write_text('database_url = "sqlite:///var/hub.db"\n', encoding="utf-8")
    runtime = HubRuntime(load_settings(config))
    with pytest.raises(ConfigError, match=r"^HUB_DATABASE_URL: an in-memory SQLite database"):
        runtime.engine  # noqa: B018 - the property raises


def test_a_sqlite_folder_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    (tmp_path / "plain_file").write_text("not a folder")
    config = tmp_path / "hub.toml"
    config.write_text(f'database_url = "sqlite:///{tmp_path}/plain_file/var/hub.db"\n', encoding="utf-8")
    runtime = HubRuntime(load_settings(config))
    with pytest.raises(ConfigError) as caught:
        runtime.engine  # noqa: B018 - the property raises
    assert str(caught.value) == (f"{config}: database_url: cannot create the folder {tmp_path}/plain_file/var"
                                 " for the SQLite file: Not a directory")


def test_check_reports_the_sections_and_the_plugins_problems_together(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text('duplicate_threshold = 7\n[queue]\nbatch_sise = 10\n[http]\nusername = "sap"\n'
                      'password = "s3cret"\npasswd = "x"\n[plugins.erp_sap]\ninbound_dr = "in"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        HubRuntime(config_path=config).check()
    assert sorted(str(p) for p in caught.value.problems) == sorted([
        f"{config}: duplicate_threshold: Input should be less than or equal to 1",
        f"{config}: [queue] batch_sise: unknown key (did you mean 'batch_size'?)",
        f"{config}: [http] passwd: unknown key (did you mean 'password'?)",
        f"{config}: [plugins.erp_sap] inbound_dr: unknown key (did you mean 'inbound_dir'?)",
    ])


def test_check_reports_the_plugins_problems_alone_when_the_rest_is_right(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text("[plugins.erp_sap]\ninbound_dr = 'in'\n[plugins.shopify]\nshop = 'eu'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        HubRuntime(config_path=config).check()
    assert sorted(str(p) for p in caught.value.problems) == sorted([
        f"{config}: [plugins.erp_sap] inbound_dr: unknown key (did you mean 'inbound_dir'?)",
        f"{config}: [plugins.shopify]: no plugin 'shopify' is installed",
    ])
