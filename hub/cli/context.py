"""How CLI commands reach the hub: ``pass_runtime`` hands them the shared HubRuntime."""

from __future__ import annotations

import click

from hub.core.runtime import HubRuntime

pass_runtime = click.make_pass_decorator(HubRuntime)
