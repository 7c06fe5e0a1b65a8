"""The webform plugin's hooks: what it brings to the hub."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hub import hookimpl
from hub_webform.settings import WebformSettings

if TYPE_CHECKING:  # every hub command imports this module: hub.api and the rest load in the hooks
    from hub.api import PluginRegistry, SettingsRegistry


@hookimpl
def hub_register_settings(registry: SettingsRegistry) -> None:
    """The ``[plugins.webform]`` table."""
    registry.set_settings(WebformSettings)


@hookimpl
def hub_register_codecs(registry: PluginRegistry) -> None:
    """Sign-ups and contacts as JSON."""
    from hub_webform.codec import CODEC

    registry.add_codec(CODEC)


@hookimpl
def hub_register_mappings(registry: PluginRegistry) -> None:
    """The tables shipped in this package (an installation's ``mappings/webform/`` overrides them)."""
    registry.add_mapping_folder(Path(__file__).parent / "mappings")


@hookimpl
def hub_register_routes(registry: PluginRegistry) -> None:
    """The signed webhook, when the service's secret is configured."""
    from hub.api import RouteSpec
    from hub_webform.webhook import PATH, receive_signup, signature_check

    secret = registry.settings_as(WebformSettings).webhook_secret
    if secret is not None:
        registry.add_route(RouteSpec(PATH, receive_signup, ("POST",), "Sign-ups from the form service",
                                     auth=signature_check(secret.get_secret_value()), max_body_bytes=64 * 1024))


@hookimpl
def hub_register_transports(registry: PluginRegistry) -> None:
    """Partners to the service, when its endpoint is configured."""
    from hub.api import TransportSpec
    from hub_webform.transport import ContactTransport

    if registry.settings_as(WebformSettings).endpoint is not None:
        registry.add_transport(TransportSpec("contacts", ContactTransport, ("partner",),
                                             "Partners to the form service's REST API"))
