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

    registry.add_codec(codec_spec())


@hookimpl
def hub_register_mappings(registry: PluginRegistry) -> None:
    """The shipped tables: customers, orders and refunds of both platforms."""
    registry.add_mapping_folder(MAPPINGS)


@hookimpl
def hub_register_commands(registry: PluginRegistry) -> None:
    """``hub shop-sim``: the shop simulator on its own."""
    from plugins.ecommerce.simulator.cli import shop_sim

    registry.add_command(shop_sim)
