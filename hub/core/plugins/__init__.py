"""The plugin host: discovery through entry points, registries and a typed facade."""

from hub.core.plugins.authentication import BASIC, PUBLIC, ApiKey, Authentication, Basic, Public, Verify
from hub.core.plugins.manager import ENTRY_POINT_GROUP, HubPlugins, LoadedPlugins, build_plugin_manager, load_plugins
from hub.core.plugins.registry import (
    CodecSpec,
    InboundSpec,
    JobSpec,
    LoaderSpec,
    PluginRegistry,
    RouteSpec,
    SubscriptionSpec,
    TransportSpec,
)
from hub.core.plugins.settings import SettingsRegistry

__all__ = [
    "BASIC",
    "ENTRY_POINT_GROUP",
    "PUBLIC",
    "ApiKey",
    "Authentication",
    "Basic",
    "CodecSpec",
    "HubPlugins",
    "InboundSpec",
    "JobSpec",
    "LoadedPlugins",
    "LoaderSpec",
    "PluginRegistry",
    "Public",
    "RouteSpec",
    "SubscriptionSpec",
    "SettingsRegistry",
    "TransportSpec",
    "Verify",
    "build_plugin_manager",
    "load_plugins",
]
