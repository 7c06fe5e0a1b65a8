"""``hub config show``: the effective configuration, secrets masked.

What the hub really runs with (hub.toml, then HUB_* variables, then defaults, plugins'
settings included) is otherwise spread over three places; an administrator checking a
setting, or pasting the configuration into a ticket, needs it in one, without passwords.
"""

from __future__ import annotations

import json
from typing import Any

import click

from hub.cli.context import pass_runtime
from hub.cli.output import json_option, print_json
from hub.core.config.effective import SET_IN_CODE, EffectiveConfig, effective_config
from hub.core.config.origin import DEFAULT, KeyPath
from hub.core.config.problems import dotted
from hub.core.runtime import HubRuntime


def _said(source: str) -> str:
    return {DEFAULT: "default", SET_IN_CODE: "set in code"}.get(source, f"from {source}")


def _line(key: str, value: Any, source: str) -> str:
    if value is None:
        return f"# {key}: not set ({_said(source)})"
    return f"{key} = {json.dumps(value, ensure_ascii=False)}  # {_said(source)}"


def toml_lines(config: EffectiveConfig, table: dict[str, Any] | None = None, path: KeyPath = ()) -> list[str]:
    """The configuration as TOML-like text, each value followed by where it came from."""
    table = config.values if table is None else table
    scalars = [(k, v) for k, v in table.items() if not (isinstance(v, dict) and v)]
    tables = [(k, v) for k, v in table.items() if isinstance(v, dict) and v]
    lines = ["", f"[{dotted(path)}]"] if path and scalars else []
    lines += [_line(dotted((key,)), value, config.sources.get(dotted((*path, key)), DEFAULT))
              for key, value in scalars]
    for key, sub in tables:
        lines += toml_lines(config, sub, (*path, key))
    return lines


@click.group("config")
def config() -> None:
    """The hub's configuration."""


@config.command("show")
@json_option
@pass_runtime
def show(runtime: HubRuntime, as_json: bool) -> None:
    """Print the effective configuration (file, environment, defaults), secrets masked."""
    settings = runtime.settings
    effective = effective_config(settings, settings.origin, runtime.loaded_plugins.settings)
    if as_json:
        print_json({"config_file": effective.config_file, "settings": effective.values,
                    "sources": effective.sources})
        return
    source = effective.config_file or "no config file"
    click.echo(f"# {source}, HUB_* variables and defaults; secrets shown as ***")
    for line in toml_lines(effective):
        click.echo(line)


commands = [config]
