"""``hub shop sync SHOP [--since TIME]``: the reconcile poll of one shop, on demand."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from hub.api import DeliveryError, PluginContext, json_option, pass_plugin_context, print_json, print_table
from plugins.ecommerce.reconcile import ReconcileError, reconcile
from plugins.ecommerce.settings import PLUGIN


def _instant(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time (2024-06-01 or 2024-06-01T08:00:00+02:00)",
                                 param_hint="--since") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@click.group("shop")
def shop() -> None:
    """Web shops: reconcile what their webhooks missed."""


@shop.command("sync")
@click.argument("shop_name", metavar="SHOP")
@click.option("--since", help="Read changes since this time (ISO 8601, UTC unless it says); default: the cursor.")
@json_option
@pass_plugin_context(PLUGIN)
def sync(context: PluginContext, shop_name: str, since: str | None, as_json: bool) -> None:
    """Read SHOP's customers and orders changed since its cursor (or --since) and post them."""
    try:
        result = reconcile(context, shop_name, _instant(since))
    except ReconcileError as exc:
        raise click.UsageError(str(exc)) from None
    except DeliveryError as exc:
        raise click.ClickException(f"shop {shop_name}: the reconcile stopped: {exc}") from None
    counts = result.counts()
    if as_json:
        print_json({"shop": shop_name, "pages": result.pages, "documents": counts, "cursors": result.cursors})
        return
    print_table(["shop", "pages", *sorted(counts), "cursors"],
                [(shop_name, result.pages, *(counts[k] for k in sorted(counts)),
                  ", ".join(f"{k} {v}" for k, v in result.cursors.items()))], title="Reconcile")


commands = [shop]
