"""Plugin discovery through entry points, blocking, registries and start-up checks."""

from __future__ import annotations

import types

import click
import pytest

from hub import hookimpl
from hub.core.errors import ConfigError
from hub.core.plugins import CodecSpec, RouteSpec, build_plugin_manager

BUILT_IN = {"erp_sap", "ecommerce", "loyalty_pos", "contracts"}


def test_built_in_plugins_are_discovered_through_entry_points() -> None:
    plugins = build_plugin_manager()
    assert BUILT_IN <= set(plugins.names)
    modules = {i.name: i.module for i in plugins.info()}
    assert modules["erp_sap"] == "plugins.erp_sap.plugin"


def test_disabled_plugins_are_not_loaded() -> None:
    plugins = build_plugin_manager(disabled=["ecommerce", "loyalty_pos"])
    assert "ecommerce" not in plugins.names and "erp_sap" in plugins.names


def _plugin(**hooks: object) -> types.ModuleType:
    module = types.ModuleType("test_plugin")
    for name, func in hooks.items():
        setattr(module, name, func)
    return module


def test_registrations_are_recorded_per_plugin() -> None:
    @hookimpl
    def hub_register_codecs(registry):  # type: ignore[no-untyped-def]
        registry.add_codec(CodecSpec(name="json", parse=lambda payload, name: iter(()),
                                     document_kinds=("orders/create",)))

    @hookimpl
    def hub_register_commands(registry):  # type: ignore[no-untyped-def]
        registry.add_command(click.Command("hello", callback=lambda: None))

    plugins = build_plugin_manager(disabled=BUILT_IN, extra={
        "shop_x": _plugin(hub_register_codecs=hub_register_codecs,
                          hub_register_commands=hub_register_commands)})
    info = {i.name: i.as_dict() for i in plugins.info()}["shop_x"]
    assert info["codecs"] == ["json"] and info["document_kinds"] == ["orders/create"]
    assert info["commands"] == ["hello"]
    assert list(plugins.codecs()) == ["shop_x/json"]
    assert [c.name for c in plugins.commands()] == ["hello"]


def test_a_misspelt_hook_fails_at_start_up() -> None:
    @hookimpl
    def hub_register_codec(registry):  # type: ignore[no-untyped-def]
        """Misspelt: the spec is hub_register_codecs."""

    with pytest.raises(ConfigError, match="hub_register_codec"):
        build_plugin_manager(disabled=BUILT_IN, extra={"typo": _plugin(hub_register_codec=hub_register_codec)})


def test_two_plugins_cannot_claim_the_same_command() -> None:
    def make() -> types.ModuleType:
        @hookimpl
        def hub_register_commands(registry):  # type: ignore[no-untyped-def]
            registry.add_command(click.Command("sync", callback=lambda: None))

        return _plugin(hub_register_commands=hub_register_commands)

    with pytest.raises(ConfigError, match="'sync' is already registered"):
        build_plugin_manager(disabled=BUILT_IN, extra={"a": make(), "b": make()})


def test_a_route_with_an_unknown_authentication_or_a_zero_limit_stops_the_hub() -> None:
    async def handler(request):  # type: ignore[no-untyped-def]
        raise AssertionError("never served")

    @hookimpl
    def hub_register_routes(registry):  # type: ignore[no-untyped-def]
        registry.add_route(RouteSpec("/in", handler, auth="public", max_body_bytes=0))  # type: ignore[arg-type]

    with pytest.raises(ConfigError) as raised:
        build_plugin_manager(disabled=BUILT_IN, extra={"routes": _plugin(hub_register_routes=hub_register_routes)})
    assert [p.message for p in raised.value.problems] == [
        "route /in: auth must be PUBLIC, BASIC, ApiKey(...) or Verify(...), not 'public'",
        "route /in: max_body_bytes must be at least 1",
    ]


def test_registration_hooks_are_called_through_pluggy() -> None:
    """An implementation may take fewer arguments than its spec offers (pluggy hands it
    only those it names): specs can gain keyword parameters without breaking plugins.
    Calling the implementation function directly broke this."""
    called: list[str] = []

    @hookimpl
    def hub_register_jobs() -> None:
        called.append("jobs")

    build_plugin_manager(disabled=BUILT_IN, extra={"minimal": _plugin(hub_register_jobs=hub_register_jobs)})
    assert called == ["jobs"]
