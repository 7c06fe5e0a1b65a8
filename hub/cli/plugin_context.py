"""How a plugin's CLI commands reach the hub: through the plugin's ``PluginContext``.

Apart from ``hub.cli.context`` so that core commands (``hub status``) do not import
what a plugin context draws on.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

import click

from hub.core.plugins.context import PluginContext
from hub.core.runtime import HubRuntime

P = ParamSpec("P")
R = TypeVar("R")


def pass_plugin_context(plugin: str) -> Callable[[Callable[Concatenate[PluginContext, P], R]], Callable[P, R]]:
    """A decorator for a plugin's click command: its callback receives the context of
    ``plugin`` (the plugin's own name) as its first argument."""

    def decorate(command: Callable[Concatenate[PluginContext, P], R]) -> Callable[P, R]:
        @functools.wraps(command)
        def with_context(*args: P.args, **kwargs: P.kwargs) -> R:
            runtime = click.get_current_context().find_object(HubRuntime)
            if runtime is None:
                raise click.UsageError(f"{plugin}: this command runs inside `hub` only")
            return command(runtime.plugin_context(plugin), *args, **kwargs)

        return with_context

    return decorate
