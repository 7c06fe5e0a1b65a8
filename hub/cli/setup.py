"""Set-up commands: ``hub init`` and ``hub plugins``."""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli.context import pass_runtime
from hub.cli.output import json_option, print_json, print_table
from hub.core.runtime import HubRuntime
from hub.core.settings import DEFAULT_CONFIG_FILE
from hub.core.store import migrate

STARTER_CONFIG = """\
# CRM Hub configuration. Every key can be overridden by an environment variable
# HUB_<KEY> (for example HUB_DATABASE_URL=postgresql://user@host/db).

database_url = "sqlite:///var/hub.db"
mappings_dir = "mappings"
# Match probability (0 to 1) from which `hub partner duplicates` reports a pair.
duplicate_threshold = 0.5
# Processes that parse and map waiting IDoc files side by side (posted in arrival order);
# 2 by default, 1 on a one-core machine.
# ingest_workers = 2
# Log lines as text, or one JSON object per line for a log collector.
# log_format = "json"

# Several `hub run` processes on one database elect the one that runs scheduled jobs
# (docs/operations.md); a standby takes over after the leader died.
# [scheduler]
# lease_seconds = 15
# heartbeat_seconds = 5

# Which system wins for which field of the golden record (first listed wins).
[source_priority.partner]
default = ["erp_sap", "ecommerce", "loyalty_pos"]
[source_priority.partner.fields]
tax_numbers = ["erp_sap"]
sales_areas = ["erp_sap"]
emails = ["ecommerce", "erp_sap"]

# A web shop per table (plugin ecommerce); its webhooks arrive at
# POST /ecommerce/<name>/webhooks. Remove the leading "# " of a shop's lines to use it.
# Secrets can stay out of this file; the environment is merged into it, e.g.
# HUB_PLUGINS='{"ecommerce": {"shops": {"eu": {"webhook_secret": "..."}}}}'.
# [plugins.ecommerce.shops.eu]
# platform = "shopify"
# base_url = "https://eu-store.myshopify.com"
# webhook_secret = "the shop's webhook signing secret"
# access_token = "shpat_..."
# currency = "EUR"
# reconcile_minutes = 15
#
# [plugins.ecommerce.shops.uk]
# platform = "woocommerce"
# base_url = "https://uk-store.example"
# webhook_secret = "the secret set on the WooCommerce webhooks"
# consumer_key = "ck_..."
# consumer_secret = "cs_..."
# currency = "GBP"
"""


@click.command()
@click.option("--config-file", type=click.Path(dir_okay=False), default=DEFAULT_CONFIG_FILE,
              show_default=True, help="Where to write the starter configuration.")
@json_option
@pass_runtime
def init(runtime: HubRuntime, config_file: str, as_json: bool) -> None:
    """Create the database (or upgrade an older one) and a starter hub.toml."""
    config_path = Path(config_file)
    wrote_config = not config_path.exists()
    if wrote_config:
        config_path.write_text(STARTER_CONFIG, encoding="utf-8")
    before = migrate.current_revision(runtime.engine)
    migrate.upgrade(runtime.engine)
    after = migrate.current_revision(runtime.engine)
    result = {
        "database": runtime.engine.url.render_as_string(hide_password=True),
        "schema_before": before,
        "schema_now": after,
        "config_file": str(config_path),
        "config_written": wrote_config,
    }
    if as_json:
        print_json(result)
        return
    action = "created" if before is None else ("upgraded" if before != after else "already current")
    click.echo(f"database {result['database']}: {action} (schema {after})")
    click.echo(f"config {config_path}: {'written' if wrote_config else 'kept as it is'}")


@click.command()
@json_option
@pass_runtime
def plugins(runtime: HubRuntime, as_json: bool) -> None:
    """List discovered plugins and what each registered."""
    infos = [info.as_dict() for info in runtime.plugins.info()]
    if as_json:
        print_json(infos)
        return
    print_table(
        ["name", "version", "module", "document kinds", "codecs", "transports", "commands", "jobs"],
        [
            (i["name"], i["version"], i["module"], ", ".join(i["document_kinds"]),
             ", ".join(i["codecs"]), ", ".join(i["transports"]), ", ".join(i["commands"]),
             ", ".join(i["jobs"]))
            for i in infos
        ],
        title="Plugins",
    )


commands = [init, plugins]
