"""The ecommerce plugin: Shopify and WooCommerce shops, webhooks in, status back.

Every ``hub`` command imports this module to validate ``[plugins.ecommerce]``, so it
imports only the settings model (``hub.api`` only for type checking); each hook imports
what it registers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hub import hookimpl
from plugins.ecommerce.settings import EcommerceSettings

if TYPE_CHECKING:
    from hub.api import PluginRegistry, SettingsRegistry

MAPPINGS = Path(__file__).resolve().parent / "mappings"


@hookimpl
def hub_register_settings(registry: SettingsRegistry) -> None:
    """The ``[plugins.ecommerce]`` table with one ``[plugins.ecommerce.shops.NAME]`` per shop."""
    registry.set_settings(EcommerceSettings)


@hookimpl
def hub_register_codecs(registry: PluginRegistry) -> None:
    """The shop envelopes: webhooks and reconcile polls as the hub archived them."""
    from plugins.ecommerce.codecs.spec import codec_spec

    registry.add_codec(codec_spec(registry.settings_as(EcommerceSettings)))


@hookimpl
def hub_register_mappings(registry: PluginRegistry) -> None:
    """The shipped tables: customers, orders and refunds of both platforms."""
    registry.add_mapping_folder(MAPPINGS)


@hookimpl
def hub_register_inbound(registry: PluginRegistry) -> None:
    """Guest checkouts: the guest's partner found by e-mail or made, before the order posts;
    WooCommerce's order.deleted: the order cancelled; each Shopify order linked to its
    sold-to party, for its refunds."""
    from hub.api import InboundSpec
    from plugins.ecommerce.codecs.guests import guest_message_type
    from plugins.ecommerce.codecs.topics import PLATFORMS
    from plugins.ecommerce.deletions import DELETED, deletion_handler
    from plugins.ecommerce.guests import guest_handler
    from plugins.ecommerce.refund_links import refund_link_listener

    handlers = {guest_message_type(platform): guest_handler for platform in PLATFORMS}
    registry.add_inbound(InboundSpec({**handlers, DELETED: deletion_handler}, refund_link_listener))


@hookimpl
def hub_register_transports(registry: PluginRegistry) -> None:
    """Order states, stock and prices back to the shops, each through its per-shop, per-object queue."""
    from hub.api import TransportSpec
    from plugins.ecommerce.pushes import TRANSPORT, subscription
    from plugins.ecommerce.transport import ShopTransport

    registry.add_transport(TransportSpec(TRANSPORT, ShopTransport, (),
                                         "Order states, fulfilments, stock and prices to the shops' Admin REST APIs"))
    settings = registry.settings_as(EcommerceSettings)
    if settings.shops:  # with no shop to push to, no change needs queueing for one
        registry.add_subscription(subscription(settings))


@hookimpl
def hub_register_routes(registry: PluginRegistry) -> None:
    """``POST /ecommerce/<shop>/webhooks`` for every configured shop, signature-checked."""
    from plugins.ecommerce.webhooks import webhook_routes

    for route in webhook_routes(registry.settings_as(EcommerceSettings)):
        registry.add_route(route)


@hookimpl
def hub_register_commands(registry: PluginRegistry) -> None:
    """``hub shop sync`` (the reconcile on demand) and ``hub shop-sim`` (the shop simulator)."""
    from plugins.ecommerce.cli import shop
    from plugins.ecommerce.simulator.cli import shop_sim

    registry.add_command(shop)
    registry.add_command(shop_sim)


@hookimpl
def hub_register_jobs(registry: PluginRegistry) -> None:
    """The reconcile poll of each shop, every ``reconcile_minutes``."""
    from hub.api import JobSpec
    from plugins.ecommerce.reconcile import reconcile_job

    for name, shop in registry.settings_as(EcommerceSettings).shops.items():
        registry.add_job(JobSpec(f"ecommerce.reconcile.{name}", reconcile_job(name), "interval",
                                 {"seconds": shop.reconcile_minutes * 60},
                                 f"Poll shop {name} for the orders and customers its webhooks missed"))


@hookimpl
def hub_register_demo(registry: PluginRegistry) -> None:
    """Web-shop orders by webhook to the ERP and back, after the ERP's part."""
    from hub.api import DemoSpec
    from plugins.ecommerce.demo import ShopDemo

    registry.add_demo(DemoSpec("web shops", ShopDemo, order=20,
                               description="Shopify and WooCommerce orders by webhook to the ERP; confirmation,"
                                           " fulfilment with tracking, invoice, stock and prices back"))
