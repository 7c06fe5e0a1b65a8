"""The loyalty_pos plugin: POS transactions in (ARTS POSLog XML and a JSON shape).

Every ``hub`` command imports this module to validate ``[plugins.loyalty_pos]``, so it
imports only the settings model; each hook imports what it registers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hub import hookimpl
from plugins.loyalty_pos.settings import LoyaltyPosSettings

if TYPE_CHECKING:
    from hub.api import PluginRegistry, SettingsRegistry

MAPPINGS = Path(__file__).resolve().parent / "mappings"
TRANSACTION_BYTES = 256 * 1024
"""Largest JSON transaction a till may send when max_body_bytes is not set."""
TILL_BYTES = 4 * 1024
"""Largest body of the till API's other requests (a reservation, a coupon redemption)."""


@hookimpl
def hub_register_settings(registry: SettingsRegistry) -> None:
    """The ``[plugins.loyalty_pos]`` table."""
    registry.set_settings(LoyaltyPosSettings)


@hookimpl
def hub_register_codecs(registry: PluginRegistry) -> None:
    """POSLog XML and the JSON transaction."""
    from plugins.loyalty_pos.codecs import codec_specs

    for spec in codec_specs(registry.settings_as(LoyaltyPosSettings)):
        registry.add_codec(spec)


@hookimpl
def hub_register_mappings(registry: PluginRegistry) -> None:
    """The table from the transaction shape to the canonical retail transaction."""
    registry.add_mapping_folder(MAPPINGS)


@hookimpl
def hub_register_inbound(registry: PluginRegistry) -> None:
    """Transactions the POSLog codec could not read fail with their reason; posted
    receipts earn (and returns reverse) points in the transaction that posts them."""
    from hub.api import InboundSpec
    from plugins.loyalty_pos.listener import earning_listener
    from plugins.loyalty_pos.rejected import rejected_handler
    from plugins.loyalty_pos.shape import REJECTED

    registry.add_inbound(InboundSpec({REJECTED: rejected_handler}, earning_listener))


@hookimpl
def hub_register_transports(registry: PluginRegistry) -> None:
    """Members earn on their web-shop orders: sales orders from any system."""
    from hub.api import SubscriptionSpec
    from plugins.loyalty_pos.listener import order_subscriber

    window = registry.settings_as(LoyaltyPosSettings).return_window_days
    registry.add_subscription(SubscriptionSpec("orders", ("sales_order",), order_subscriber(window),
                                               description="Points for members' web-shop orders"))


@hookimpl
def hub_register_jobs(registry: PluginRegistry) -> None:
    """The file port's polling; expiry of points, lapsed reservations, coupons and tiers, hourly."""
    from hub.api import JobSpec
    from plugins.loyalty_pos.engine.expiry import expiry_job
    from plugins.loyalty_pos.fileport import poll_job

    registry.add_job(JobSpec("loyalty_pos.file_port", poll_job, "interval",
                             {"seconds": registry.settings_as(LoyaltyPosSettings).poll_seconds},
                             "Pick up POSLog files from the inbound folder"))
    registry.add_job(JobSpec("loyalty_pos.expiry", expiry_job, "interval", {"hours": 1},
                             "Expire points and coupons, lapse reservations, re-evaluate tiers"))


@hookimpl
def hub_register_routes(registry: PluginRegistry) -> None:
    """POSLog in (Basic auth), JSON transactions and the till API (store API keys, checked
    by the plugin so that a refusal is problem+json like every other answer)."""
    from hub.api import PUBLIC, RouteSpec
    from plugins.loyalty_pos.ports import POSLOG_PATH, TRANSACTIONS_PATH, receive_poslog, receive_transaction
    from plugins.loyalty_pos.till.api import ENDPOINTS

    limit = registry.settings_as(LoyaltyPosSettings).max_body_bytes
    registry.add_route(RouteSpec(POSLOG_PATH, receive_poslog, ("POST",), "POSLog XML from a store's back office",
                                 max_body_bytes=limit))
    registry.add_route(RouteSpec(TRANSACTIONS_PATH, receive_transaction, ("POST",),
                                 "One JSON transaction from a till (store API key)", auth=PUBLIC,
                                 max_body_bytes=limit or TRANSACTION_BYTES))
    for path, endpoint, methods, description in ENDPOINTS:
        registry.add_route(RouteSpec(path, endpoint, methods, description, auth=PUBLIC, max_body_bytes=TILL_BYTES))


@hookimpl
def hub_register_loaders(registry: PluginRegistry) -> None:
    """``hub load loyalty_pos day --source FILE``: a day-end POSLog file in constant memory."""
    from hub.api import LoaderSpec
    from plugins.loyalty_pos.loader import open_day

    registry.add_loader(LoaderSpec("day", "retail_transaction", open_day,
                                   "A day-end POSLog file, streamed and resumable", codec="poslog"))


@hookimpl
def hub_register_commands(registry: PluginRegistry) -> None:
    """``hub loyalty ...``."""
    from plugins.loyalty_pos.cli import loyalty

    registry.add_command(loyalty)


@hookimpl
def hub_register_demo(registry: PluginRegistry) -> None:
    """A store's day: points earned, redeemed at a till, reversed by a return; receipts to the ERP."""
    from hub.api import DemoSpec
    from plugins.loyalty_pos.demo import PosDemo

    registry.add_demo(DemoSpec("stores and loyalty", PosDemo, order=30,
                               description="Day-end POSLog, points earned, a till redeems, a return reverses"))
