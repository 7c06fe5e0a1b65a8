"""A hub whose only plugin is a transport for partners, orders, invoices and
memberships (``peer``), and a small landscape of documents naming two partners."""

from __future__ import annotations

import types
from collections.abc import Iterator
from importlib import metadata
from typing import Any

import pytest

from hub import hookimpl
from hub.core.errors import PermanentError
from hub.core.plugins import TransportSpec
from hub.core.queue.messages import DeliveryResult, OutboundMessage
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import migrate
from hub.testing import samples

FAST_RETRY = {"max_attempts": 1, "multiplier": 0.001, "min_wait": 0.0, "max_wait": 0.01}
PEER_TYPES = ("partner", "sales_order", "billing_document", "loyalty_membership")


class Peer:
    """A transport that refuses the hub ids in ``refuse`` for good and takes the rest."""

    def __init__(self) -> None:
        self.refuse: set[str] = set()
        self.sent: list[OutboundMessage] = []

    def send(self, message: OutboundMessage) -> DeliveryResult | None:
        if message.hub_id in self.refuse:
            raise PermanentError(f"peer refuses {message.hub_id}")
        self.sent.append(message)
        return None


def _plugin(peer: Peer) -> types.ModuleType:
    plugin = types.ModuleType("view_test_peer")

    @hookimpl
    def hub_register_transports(registry: Any) -> None:
        registry.add_transport(TransportSpec("out", lambda context: peer, PEER_TYPES))

    plugin.hub_register_transports = hub_register_transports  # type: ignore[attr-defined]
    return plugin


@pytest.fixture
def peer() -> Peer:
    return Peer()


@pytest.fixture
def runtime(database_url: str, peer: Peer) -> Iterator[HubRuntime]:
    settings = HubSettings(database_url=database_url, queue={"retry": FAST_RETRY},
                           disabled_plugins=[ep.name for ep in metadata.entry_points(group="crm_hub.plugins")])
    rt = HubRuntime(settings, extra_plugins={"peer": _plugin(peer)})
    migrate.upgrade(rt.engine)
    yield rt
    rt.close()


class Landscape:
    """Hub ids of a customer, its contact person, an order, an invoice and a membership."""

    def __init__(self, runtime: HubRuntime) -> None:
        self.runtime = runtime
        service = runtime.masterdata()
        self.customer = service.upsert(samples.partner(relationships=[]), "erp_sap", "0000100042").hub_id
        self.contact = service.upsert(
            samples.person(relationships=[{"kind": "contact_person_of", "partner_hub_id": self.customer}]),
            "ecommerce", "c-7").hub_id
        self.order = service.upsert(self.order_doc(), "erp_sap", "0000004711").hub_id
        self.invoice = service.upsert(self.invoice_doc(), "erp_sap", "0090001234").hub_id
        self.membership = service.upsert(samples.loyalty_membership(partner_hub_id=self.contact), "loyalty_pos",
                                         "M-1").hub_id

    def order_doc(self, **overrides: Any) -> Any:
        """The order: sold to and shipped to the customer, the contact as contact person."""
        return samples.sales_order(**{"sold_to_hub_id": self.customer, "partners": [
            {"function": "sold_to", "partner_hub_id": self.customer},
            {"function": "ship_to", "partner_hub_id": self.customer},
            {"function": "contact_person", "partner_hub_id": self.contact}], **overrides})

    def invoice_doc(self, **overrides: Any) -> Any:
        """The invoice: the customer pays."""
        return samples.billing_document(**{"payer_hub_id": self.customer, "sold_to_hub_id": self.customer,
                                           **overrides})


@pytest.fixture
def landscape(runtime: HubRuntime) -> Landscape:
    return Landscape(runtime)
