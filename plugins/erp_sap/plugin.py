"""The erp_sap plugin: SAP ERP over IDoc (flat and XML, file and HTTP ports) and SOAP.

Every ``hub`` command imports this module to validate ``[plugins.erp_sap]``, so it
imports only the settings model; each hook imports what it registers, and only the
commands that collect registrations (``hub run``, ``hub ingest``...) pay for zeep, lxml
and the IDoc codec.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hub import hookimpl
from plugins.erp_sap.settings import ErpSapSettings

if TYPE_CHECKING:
    from hub.api import PluginRegistry, SettingsRegistry


@hookimpl
def hub_register_settings(registry: SettingsRegistry) -> None:
    """The ``[plugins.erp_sap]`` table."""
    registry.set_settings(ErpSapSettings)


@hookimpl
def hub_register_mappings(registry: PluginRegistry) -> None:
    """The shipped tables and value lists (an installation's ``mappings/erp_sap/`` overrides them)."""
    registry.add_mapping_folder(Path(__file__).resolve().parent / "mappings")


@hookimpl
def hub_register_codecs(registry: PluginRegistry) -> None:
    """The IDoc codecs: flat files and IDoc-XML."""
    from plugins.erp_sap.idoc.codec import IdocCodecs, codec_specs

    for spec in codec_specs(IdocCodecs.from_settings(registry.settings_as(ErpSapSettings))):
        registry.add_codec(spec)


@hookimpl
def hub_register_transports(registry: PluginRegistry) -> None:
    """Sales orders (SOAP or ORDERS05), contracts (ORDERS05), partners (DEBMAS) and IDocs addressed
    explicitly (ALEAUD)."""
    from hub.api import TransportSpec
    from plugins.erp_sap.contracts_out import CONTRACT_TYPES, ContractTransport
    from plugins.erp_sap.idoc_out import IdocTransport
    from plugins.erp_sap.pos import PosTransport
    from plugins.erp_sap.transports import order_transport_factory

    registry.add_transport(TransportSpec("orders", order_transport_factory, ("sales_order",),
                                         "Sales orders: SOAP service or ORDERS05 IDoc, per order_channel"))
    registry.add_transport(TransportSpec("idoc", IdocTransport, (), "IDoc-XML to the ERP's port"))
    registry.add_transport(TransportSpec("contracts", ContractTransport, CONTRACT_TYPES,
                                         "Sales and service contracts as ORDERS05 (WK1, KM, WV), changes as ORDCHG"))
    registry.add_transport(TransportSpec("pos", PosTransport, ("retail_transaction",),
                                         "POS sales: WPUBON per receipt or WPUUMS per store and day, per pos_channel"))
    if registry.settings_as(ErpSapSettings).replicate_partners:
        registry.add_transport(TransportSpec("partners", IdocTransport, ("partner",),
                                             "Partners created or changed outside the ERP, as DEBMAS IDocs"))


@hookimpl
def hub_register_inbound(registry: PluginRegistry) -> None:
    """ALEAUD from the ERP confirms our IDocs; REMADV reports payments; deliveries become
    shipments of their orders, billing documents move them; every processed IDoc of the
    ERP is acknowledged back; an EDI partner's IDocs are that partner's system's."""
    from hub.api import InboundSpec
    from plugins.erp_sap.acks import aleaud_handler
    from plugins.erp_sap.edi import source_system
    from plugins.erp_sap.inbound import chunk_listener
    from plugins.erp_sap.payments import payment_handler

    registry.add_inbound(InboundSpec({"ALEAUD": aleaud_handler, "REMADV": payment_handler}, chunk_listener,
                                     source_system))


@hookimpl
def hub_register_loaders(registry: PluginRegistry) -> None:
    """Initial loads of customers (DEBMAS) and products (MATMAS)."""
    from plugins.erp_sap.loaders import LOADERS

    for loader in LOADERS:
        registry.add_loader(loader)


@hookimpl
def hub_register_routes(registry: PluginRegistry) -> None:
    """The IDoc-XML HTTP port, behind the hub's Basic auth."""
    from hub.api import RouteSpec
    from plugins.erp_sap.httpport import PATH, receive_idoc

    limit = registry.settings_as(ErpSapSettings).max_body_bytes
    registry.add_route(RouteSpec(PATH, receive_idoc, ("POST",), "IDoc-XML from the ERP", max_body_bytes=limit))


@hookimpl
def hub_register_jobs(registry: PluginRegistry) -> None:
    """The file port's polling; the request load (with ``request_url``); with WPUUMS,
    closing the stores' complete business days."""
    from hub.api import JobSpec
    from plugins.erp_sap.fileport import poll_job
    from plugins.erp_sap.pos import pos_days_job

    settings = registry.settings_as(ErpSapSettings)
    registry.add_job(JobSpec("erp_sap.file_port", poll_job, "interval", {"seconds": settings.poll_seconds},
                             "Pick up IDoc files from the inbound folder"))
    if settings.request_url is not None:
        from plugins.erp_sap.requestload import request_load_job

        registry.add_job(JobSpec("erp_sap.request_load", request_load_job, "interval",
                                 {"seconds": settings.poll_seconds},
                                 "Ask the ERP for customers and materials that waiting documents need"))
    if settings.pos_channel == "wpuums":
        registry.add_job(JobSpec("erp_sap.pos_days", pos_days_job, "interval",
                                 {"seconds": settings.pos_close_minutes * 60},
                                 "Send each store's complete business days as WPUUMS"))


@hookimpl
def hub_register_commands(registry: PluginRegistry) -> None:
    """``hub idoc ...`` and ``hub erp-sim ...``."""
    from plugins.erp_sap.idoc.cli import idoc
    from plugins.erp_sap.simulator.cli import erp_sim

    registry.add_command(idoc)
    registry.add_command(erp_sim)


@hookimpl
def hub_register_demo(registry: PluginRegistry) -> None:
    """Order to cash with the ERP simulator, first of ``hub demo``'s parts."""
    from hub.api import DemoSpec
    from plugins.erp_sap.demo import ErpDemo

    registry.add_demo(DemoSpec("order to cash", ErpDemo, order=10,
                               description="Loads, sales orders over SOAP, a blocked queue retried, ORDRSP, INVOIC"))
