"""The plugin host: discovery through entry points, registries and a typed facade."""

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
    "ENTRY_POINT_GROUP",
    "CodecSpec",
    "HubPlugins",
    "InboundSpec",
    "JobSpec",
    "LoaderSpec",
    "OpenedSource",
    "PluginRegistry",
    "RouteSpec",
    "TransportSpec",
    "build_plugin_manager",
]
