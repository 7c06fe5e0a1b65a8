"""``hub shop-sim``: run the shop simulator on its own until SIGTERM/SIGINT.

``hub shop-sim --port 0 --shop eu=shopify --shop fr=woocommerce --json`` prints one JSON
line with the simulator's URL and, per shop, its API base URL and credentials (webhook
secret, access token or consumer key and secret), for scripts to configure the hub
with. ``--shops-file shops.toml`` reads ``[shops.NAME]`` tables instead (platform, currency,
tax_rate, shipping_price, secrets, products, locations); ``--webhooks URL`` subscribes
every shop to every topic, ``{shop}`` in the URL standing for the shop's name.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from plugins.ecommerce.simulator.config import Platform, ShopSpec, SimConfigError, load_specs
from plugins.ecommerce.simulator.server import ShopSimulator
from plugins.ecommerce.simulator.state import SimError

_PLATFORMS: dict[str, Platform] = {"shopify": "shopify", "woocommerce": "woocommerce"}


def _flag_specs(flags: tuple[str, ...]) -> list[ShopSpec]:
    specs = []
    for flag in flags:
        name, sep, given = flag.partition("=")
        platform = _PLATFORMS.get(given)
        if not sep or platform is None:
            raise click.BadParameter(f"{flag!r}: write NAME=shopify or NAME=woocommerce", param_hint="--shop")
        specs.append(ShopSpec(name, platform))
    return specs


@click.command("shop-sim")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8090, show_default=True, type=click.IntRange(0, 65535),
              help="Port; 0 picks a free one.")
@click.option("--shop", "shops", multiple=True, metavar="NAME=PLATFORM",
              help="A shop to simulate (repeatable); default: eu=shopify and fr=woocommerce.")
@click.option("--shops-file", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TOML or JSON file with [shops.NAME] tables (instead of --shop).")
@click.option("--webhooks", "webhook_url", metavar="URL",
              help="Subscribe every shop to every topic at URL ({shop} becomes the shop's name).")
@click.option("--json", "as_json", is_flag=True, help="Print the URLs and credentials as one JSON line.")
def shop_sim(host: str, port: int, shops: tuple[str, ...], config_file: Path | None, webhook_url: str | None,
             as_json: bool) -> None:
    """Run the bundled shop simulator (Shopify and WooCommerce REST APIs, signed webhooks)."""
    if shops and config_file:
        raise click.UsageError("give shops by --shop or by --shops-file, not both")
    try:
        specs = load_specs(config_file) if config_file else _flag_specs(shops or ("eu=shopify", "fr=woocommerce"))
        sim = ShopSimulator(specs, host=host, port=port)
    except (SimConfigError, SimError) as exc:
        raise click.ClickException(str(exc)) from None

    def announce(running: ShopSimulator) -> None:
        if webhook_url:
            for name in running.shops:
                running.connect(name, webhook_url.replace("{shop}", name))
        described = running.describe()
        if as_json:
            click.echo(json.dumps(described))
        else:
            click.echo(f"Shop simulator listening on {running.base_url} (control API under /sim)")
            for name, shop in described["shops"].items():
                click.echo(f"  {name}: {shop['platform']} at {shop['base_url']}")
            click.echo("Credentials: --json, or GET /sim/shops. Stop with Ctrl+C or SIGTERM.")
        sys.stdout.flush()

    try:
        sim.serve_forever(on_ready=announce)
    except SimError as exc:
        raise click.ClickException(str(exc)) from None
