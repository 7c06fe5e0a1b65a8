"""The ``hub`` command: a click group assembled from core commands and plugin commands.

Errors print one clear line and exit non-zero; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any

import click

from hub import __version__
from hub.cli import output
from hub.core.config.stamp import remember_checked
from hub.core.errors import ConfigError, HubError
from hub.core.runtime import HubRuntime

# Core commands by name, and the module that defines each (its ``commands`` list). A
# module is imported only when one of its commands runs, so `hub status` does not pay for
# loading the canonical model, the mapping engine and every plugin.
CORE_COMMANDS = {
    "init": "hub.cli.setup", "plugins": "hub.cli.setup", "partner": "hub.cli.partners",
    "schema": "hub.cli.schema", "status": "hub.cli.status", "messages": "hub.cli.queue",
    "message": "hub.cli.queue", "retry": "hub.cli.queue", "skip": "hub.cli.queue",
    "replay": "hub.cli.queue", "queue": "hub.cli.queue", "run": "hub.cli.run", "worker": "hub.cli.run",
    "ingest": "hub.cli.ingest", "mapping": "hub.cli.mapping", "dry-run": "hub.cli.mapping",
    "load": "hub.cli.load", "inbound": "hub.cli.inbound", "demo": "hub.cli.demo", "config": "hub.cli.config",
    "document": "hub.cli.documents", "order": "hub.cli.documents", "invoice": "hub.cli.documents",
    "quotation": "hub.cli.documents", "api-key": "hub.cli.apikeys", "import": "hub.cli.lists",
}


class HubGroup(click.Group):
    """The root group: core commands imported on use, plugin commands loaded when asked for."""

    def __init__(self, runtime: HubRuntime, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runtime = runtime

    def _plugin_commands(self) -> dict[str, click.Command]:
        self.runtime.check()  # `hub --help` with a broken configuration lists every problem
        commands = {}
        for command in self.runtime.plugins.commands():
            if command.name in CORE_COMMANDS:
                raise ConfigError([f"plugin command {command.name!r} clashes with a core command"])
            commands[command.name or ""] = command
        return commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(CORE_COMMANDS) | set(self._plugin_commands()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in CORE_COMMANDS:
            module = import_module(CORE_COMMANDS[cmd_name])
            return next(c for c in module.commands if c.name == cmd_name)
        return self._plugin_commands().get(cmd_name)


def build_cli(runtime: HubRuntime) -> click.Group:
    """The root group with core commands and the commands of ``runtime``'s plugins.

    The runtime stays open when a command ends: whoever built it closes it (``main``
    does). A live hub runs commands on the runtime its server and workers share, and
    closing it after each command disposed the engine under a request in flight, whose
    connection then went back to the discarded pool and was never closed.
    """

    @click.group(cls=HubGroup, runtime=runtime)
    @click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
    @click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                  help="Path of hub.toml (default: ./hub.toml or $HUB_CONFIG).")
    @click.version_option(__version__, prog_name="hub")
    @click.pass_context
    def cli(ctx: click.Context, debug: bool, config_path: str | None) -> None:
        """CRM Hub: canonical CRM data replicated to ERP, shops and stores."""
        ctx.meta["debug"] = debug
        # Before any command runs, not when it first needs a setting: a broken [queue] or
        # [plugins.NAME] stops `hub status` as surely as `hub run`. (--version and --help
        # are answered before this and need no valid configuration.)
        runtime.check()
        if runtime.from_files:
            remember_checked(config_path)

    return cli


def _config_from_argv(argv: list[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--config" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--config="):
            return arg.split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        runtime = HubRuntime(config_path=_config_from_argv(args))
        try:
            # Without standalone mode click returns an Exit's code instead of raising it.
            code = build_cli(runtime).main(args=args, prog_name="hub", obj=runtime, standalone_mode=False)
        finally:
            runtime.close()
        if isinstance(code, int) and code:
            sys.exit(code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        output.error_console.print("aborted")
        sys.exit(130)
    except HubError as exc:
        if debug:
            raise
        # One line per problem: a ConfigError or MappingError lists every one of them.
        for line in str(exc).splitlines() or [""]:
            _print_error(line)
        sys.exit(1)
    except Exception as exc:  # the CLI's promise: one line, no traceback, unless --debug
        if debug:
            raise
        _print_error(f"{type(exc).__name__}: {exc} (use --debug for the traceback)")
        sys.exit(1)


def _print_error(text: str) -> None:
    # Escaped: "[http]" in a problem's location is text, not rich markup.
    from rich.markup import escape

    output.error_console.print(f"[red]error:[/red] {escape(text)}", highlight=False, markup=True, soft_wrap=True)
