"""How CLI commands reach the hub: ``pass_runtime`` hands core commands the shared
HubRuntime (a plugin's commands take their context: ``hub.cli.plugin_context``)."""

from __future__ import annotations

import click

from hub.core.runtime import HubRuntime

pass_runtime = click.make_pass_decorator(HubRuntime)
