"""The plugin host: discovery through entry points, registries and a typed facade."""

from hub.core.plugins.authentication import BASIC, PUBLIC, ApiKey, Authentication, Basic, Public, Verify
from hub.core.plugins.manager import ENTRY_POINT_GROUP, HubPlugins, build_plugin_manager
from hub.core.plugins.registry import (
    CodecSpec,
    InboundSpec,
    JobSpec,
    LoaderSpec,
    OpenedSource,
    PluginRegistry,
    RouteSpec,
    TransportSpec,
)

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
    "LoaderSpec",
    "OpenedSource",
    "PluginRegistry",
    "Public",
    "RouteSpec",
    "TransportSpec",
    "Verify",
    "build_plugin_manager",
]
