"""``hub erp-sim``: run the ERP simulator, or export its master data as IDoc-XML.

``hub erp-sim --port 0 --followups file:/tmp/hub-in`` prints the simulator's URLs and
serves until SIGTERM/SIGINT. ``hub erp-sim export-customers N FILE`` and
``export-products N FILE`` write DEBMAS07 / MATMAS05 files in constant memory.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from pydantic import SecretStr

from plugins.erp_sap.simulator.masterdata_idocs import write_debmas, write_matmas
from plugins.erp_sap.simulator.server import ErpSimulator


def _secret(value: str | None) -> SecretStr | None:
    return SecretStr(value) if value is not None else None


@click.group("erp-sim", invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8070, show_default=True, type=click.IntRange(0, 65535),
              help="Port; 0 picks a free one.")
@click.option("--followups", default=None,
              help="Send ORDRSP/INVOIC02/ALEAUD01 after each order: file:/dir or http(s)://url.")
@click.option("--followup-user", default=None, help="Basic-auth user for HTTP follow-ups.")
@click.option("--followup-password", envvar="HUB_ERP_SIM_FOLLOWUP_PASSWORD", default=None,
              help="Basic-auth password for HTTP follow-ups (or $HUB_ERP_SIM_FOLLOWUP_PASSWORD).")
@click.option("--user", default=None, help="Require basic auth with this user on SOAP and IDoc ports.")
@click.option("--password", envvar="HUB_ERP_SIM_PASSWORD", default=None,
              help="Password for --user (or $HUB_ERP_SIM_PASSWORD).")
@click.option("--seed", default=1, show_default=True, help="Master data seed.")
@click.option("--customers", default=1000, show_default=True, help="Customers the ERP knows.")
@click.option("--products", default=1000, show_default=True, help="Materials the ERP knows.")
@click.option("--state-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Keep orders and number ranges in this JSON file across restarts.")
@click.option("--timeout-seconds", default=30.0, show_default=True,
              help="How long an injected 'timeout' failure holds the caller.")
@click.option("--json", "as_json", is_flag=True, help="Print the URLs as one JSON line.")
@click.pass_context
def erp_sim(ctx: click.Context, host: str, port: int, followups: str | None,
            followup_user: str | None, followup_password: str | None, user: str | None,
            password: str | None, seed: int, customers: int, products: int,
            state_file: Path | None, timeout_seconds: float, as_json: bool) -> None:
    """Run the bundled ERP simulator (SOAP order service, IDoc ports, master data)."""
    if ctx.invoked_subcommand is not None:
        return
    sim = ErpSimulator(
        host=host, port=port, seed=seed, customer_count=customers, product_count=products,
        state_file=state_file, followups=followups, followup_username=followup_user,
        followup_password=_secret(followup_password), username=user, password=_secret(password),
        timeout_seconds=timeout_seconds,
    )

    def announce(running: ErpSimulator) -> None:
        urls = {"base_url": running.base_url, "wsdl_url": running.wsdl_url,
                "endpoint_url": running.endpoint_url, "idoc_url": running.idoc_url,
                "followups": running.followups.describe() if running.followups else None}
        if as_json:
            click.echo(json.dumps(urls))
        else:
            click.echo(f"ERP simulator listening on {running.base_url}")
            click.echo(f"WSDL: {running.wsdl_url}")
            click.echo(f"IDoc inbound (ORDERS05): {running.idoc_url}")
            click.echo(f"Follow-ups: {urls['followups'] or 'off'}")
            click.echo("Stop with Ctrl+C or SIGTERM.")
        sys.stdout.flush()

    sim.serve_forever(on_ready=announce)


def _export(kind: str, count: int, file: Path, seed: int, start: int) -> None:
    writer = write_debmas if kind == "DEBMAS" else write_matmas
    written = writer(file, count, seed=seed, start=start)
    click.echo(f"wrote {written} {kind} IDocs to {file}")


@erp_sim.command("export-customers")
@click.argument("count", type=click.IntRange(0))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seed", default=1, show_default=True, help="Master data seed.")
@click.option("--start", default=0, show_default=True, type=click.IntRange(0),
              help="Index of the first customer.")
def export_customers(count: int, file: Path, seed: int, start: int) -> None:
    """Write COUNT customers as DEBMAS07 IDoc-XML to FILE (streamed, constant memory)."""
    _export("DEBMAS", count, file, seed, start)


@erp_sim.command("export-products")
@click.argument("count", type=click.IntRange(0))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seed", default=1, show_default=True, help="Master data seed.")
@click.option("--start", default=0, show_default=True, type=click.IntRange(0),
              help="Index of the first material.")
def export_products(count: int, file: Path, seed: int, start: int) -> None:
    """Write COUNT materials as MATMAS05 IDoc-XML to FILE (streamed, constant memory)."""
    _export("MATMAS", count, file, seed, start)
