"""Plugin settings: declared by the plugin, validated by the host when plugins load,
every problem of every plugin at once, located by file, table and key."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from hub import hookimpl
from hub.core.errors import ConfigError
from hub.core.plugins import PluginRegistry, SettingsRegistry, TransportSpec, build_plugin_manager
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings

BUILT_IN = ["erp_sap", "ecommerce", "loyalty_pos", "contracts"]


class ShopSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    platform: Literal["shopify", "woocommerce"]
    base_url: str
    access_token: SecretStr | None = None


class ShopPluginSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    poll_seconds: float = Field(default=60.0, gt=0)
    shops: dict[str, ShopSettings] = Field(default_factory=dict)


class LaxSettings(BaseModel):
    shops: dict[str, ShopSettings] = Field(default_factory=dict)


class LaxShop(BaseModel):
    base_url: str


class LaxNested(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shops: dict[str, LaxShop] = Field(default_factory=dict)


def plugin(model: type[BaseModel] | None = None, seen: list[object] | None = None) -> types.ModuleType:
    """A plugin declaring ``model``; its transport hook records the settings it gets in ``seen``."""
    module = types.ModuleType("settings_test_plugin")

    @hookimpl
    def hub_register_settings(registry: SettingsRegistry) -> None:
        if model is not None:
            registry.set_settings(model)

    @hookimpl
    def hub_register_transports(registry: PluginRegistry) -> None:
        if seen is not None and model is not None:
            seen.append(registry.settings_as(model))
        registry.add_transport(TransportSpec("out", lambda context: context, ("partner",)))

    module.hub_register_settings = hub_register_settings  # type: ignore[attr-defined]
    module.hub_register_transports = hub_register_transports  # type: ignore[attr-defined]
    return module


def hub_toml(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return path


def check(path: Path, extra: dict[str, object]) -> list[str]:
    """The problems HubRuntime.check reports for the config at ``path`` with ``extra`` plugins."""
    with pytest.raises(ConfigError) as caught:
        HubRuntime(config_path=path, extra_plugins=extra).check()
    return [str(p) for p in caught.value.problems]


def test_plugins_receive_their_validated_settings_nested_tables_included(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = hub_toml(tmp_path, f"disabled_plugins = {BUILT_IN!r}\n"
                              "[plugins.shop]\npoll_seconds = 30\n"
                              '[plugins.shop.shops.eu]\nplatform = "shopify"\nbase_url = "https://eu.example"\n'
                              'access_token = "tok"\n', monkeypatch)
    seen: list[object] = []
    runtime = HubRuntime(config_path=path, extra_plugins={"shop": plugin(ShopPluginSettings, seen)})
    runtime.check()
    settings = runtime.plugin_settings("shop", ShopPluginSettings)
    assert settings.poll_seconds == 30 and settings.shops["eu"].platform == "shopify"
    assert settings.shops["eu"].access_token is not None
    assert settings.shops["eu"].access_token.get_secret_value() == "tok"
    assert "shop/out" in runtime.plugins.transports()
    assert seen == [settings]
    assert runtime.plugins.settings_of("shop") is settings


def test_every_problem_of_every_plugin_is_located_and_reported_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = hub_toml(tmp_path, f"disabled_plugins = {BUILT_IN!r}\n"
                              "[plugins.shop]\npoll_secnds = 30\n"
                              '[plugins.shop.shops.eu]\nplatform = "magento"\nbase_url = "https://eu.example"\n'
                              'acess_token = "tok"\n'
                              "[plugins.shop.shops.us]\nplatform = 'shopify'\n"
                              "[plugins.other]\nx = 1\n"
                              "[plugins.shpo]\nx = 1\n", monkeypatch)
    found = check(path, {"shop": plugin(ShopPluginSettings), "other": plugin()})
    assert sorted(found) == sorted([
        f"{path}: [plugins.shop] poll_secnds: unknown key (did you mean 'poll_seconds'?)",
        f"{path}: [plugins.shop.shops.eu] platform: Input should be 'shopify' or 'woocommerce'",
        f"{path}: [plugins.shop.shops.eu] acess_token: unknown key (did you mean 'access_token'?)",
        f"{path}: [plugins.shop.shops.us] base_url: missing (required)",
        f"{path}: [plugins.other]: plugin other takes no settings",
        f"{path}: [plugins.shpo]: no plugin 'shpo' is installed (did you mean 'shop'?)",
    ])


def test_the_erp_plugin_reports_a_misspelt_key_with_its_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = hub_toml(tmp_path, '[plugins.erp_sap]\ninbound_dr = "in"\npoll_seconds = 0\n', monkeypatch)
    assert sorted(check(path, {})) == sorted([
        f"{path}: [plugins.erp_sap] inbound_dr: unknown key (did you mean 'inbound_dir'?)",
        f"{path}: [plugins.erp_sap] poll_seconds: Input should be greater than 0",
    ])


def test_a_disabled_plugins_table_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = hub_toml(tmp_path, 'disabled_plugins = ["erp_sap"]\n[plugins.erp_sap]\ninbound_dr = "in"\n', monkeypatch)
    runtime = HubRuntime(config_path=path)
    runtime.check()
    assert "erp_sap" not in runtime.loaded_plugins.settings


def test_plugin_tables_given_in_code_are_validated_when_plugins_load(tmp_path: Path) -> None:
    settings = HubSettings(database_url=f"sqlite:///{tmp_path / 'hub.db'}", disabled_plugins=BUILT_IN,
                           plugins={"shop": {"shops": {"eu": {"platform": "shopify"}}}})
    with pytest.raises(ConfigError) as caught:
        HubRuntime(settings, extra_plugins={"shop": plugin(ShopPluginSettings)}).check()
    assert [str(p) for p in caught.value.problems] == ["[plugins.shop.shops.eu] base_url: missing (required)"]


def test_a_table_from_the_environment_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = hub_toml(tmp_path, f"disabled_plugins = {BUILT_IN!r}\n", monkeypatch)
    monkeypatch.setenv("HUB_PLUGINS", '{"shop": {"poll_seconds": -1}}')
    assert check(path, {"shop": plugin(ShopPluginSettings)}) == [
        "HUB_PLUGINS: [plugins.shop] poll_seconds: Input should be greater than 0"]


@pytest.mark.parametrize(("model", "lax"), [(LaxSettings, "LaxSettings"), (LaxNested, "LaxShop")])
def test_a_settings_model_must_refuse_unknown_keys(model: type[BaseModel], lax: str) -> None:
    with pytest.raises(ConfigError, match=f"plugin shop: settings model {lax} must refuse unknown keys"):
        build_plugin_manager(disabled=BUILT_IN, extra={"shop": plugin(model)})


def test_settings_must_be_a_model_declared_once() -> None:
    twice = types.ModuleType("twice")

    @hookimpl
    def hub_register_settings(registry: SettingsRegistry) -> None:
        registry.set_settings(ShopPluginSettings)
        registry.set_settings(ShopPluginSettings)

    twice.hub_register_settings = hub_register_settings  # type: ignore[attr-defined]
    with pytest.raises(ConfigError) as caught:
        build_plugin_manager(disabled=BUILT_IN, extra={"twice": twice, "dict": _declaring(dict)})
    assert sorted(str(p) for p in caught.value.problems) == [
        "plugin dict: settings must be a pydantic model class, not <class 'dict'>",
        "plugin twice: declares its settings twice",
    ]


def _declaring(model: object) -> types.ModuleType:
    module = types.ModuleType("declaring")

    @hookimpl
    def hub_register_settings(registry: SettingsRegistry) -> None:
        registry.set_settings(model)  # type: ignore[arg-type]

    module.hub_register_settings = hub_register_settings  # type: ignore[attr-defined]
    return module


def test_asking_for_settings_a_plugin_did_not_declare_is_an_error(tmp_path: Path) -> None:
    settings = HubSettings(database_url=f"sqlite:///{tmp_path / 'hub.db'}", disabled_plugins=BUILT_IN)
    runtime = HubRuntime(settings, extra_plugins={"shop": plugin(ShopPluginSettings), "bare": plugin()})
    assert runtime.plugin_settings("shop", ShopPluginSettings).shops == {}
    with pytest.raises(ConfigError, match="plugin bare: has no settings, not ShopPluginSettings"):
        runtime.plugin_settings("bare", ShopPluginSettings)
    with pytest.raises(ConfigError, match="plugin shop: has settings of type ShopPluginSettings, not ShopSettings"):
        runtime.plugin_settings("shop", ShopSettings)
