"""Release orders: sales orders that call off a sales contract update what it released.

An order refers to its contract in its header references (or an item's), by hub id or
by the contract's number in a system (the ERP's). Each order version replaces what the
order counted before (``contract_releases``): its net value, and per contract item the
quantity of the order items that refer to that item or sell its product. A cancelled
order counts nothing. The contract's ``released_value``, items' ``released_quantity``
and ``release_orders`` are then summed from the counted releases and written back.

A release that would take the contract beyond its target value (value contract) or an
item beyond its target quantity (quantity contract) is, as ``over_release`` says,
refused (kept with its reason, not counted, logged as an error) or flagged (counted,
kept as over the target, logged as a warning).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from hub.api import (
    ApplyChange,
    CanonicalChange,
    DocumentReference,
    JsonValue,
    Money,
    NotFoundError,
    PluginTransaction,
    Quantity,
    SalesContract,
    SalesContractKind,
    SalesOrder,
    utcnow,
)
from plugins.contracts.settings import ContractsSettings
from plugins.contracts.tables import COUNTED, FLAGGED, REFUSED, plain, releases
from plugins.contracts.writes import write_contracts

log = logging.getLogger("hub.plugins.contracts")


def _contract_refs(order: SalesOrder) -> list[DocumentReference]:
    refs = [r for r in order.references if r.doc_type == "sales_contract"]
    refs += [r for item in order.items for r in item.references if r.doc_type == "sales_contract"]
    return refs


def calls_off_contract(doc_type: str, data: Mapping[str, JsonValue]) -> bool:
    """Whether an order's content names a sales contract (header or item references):
    the release subscription's ``wants``, so that the shops' and the ERP's orders, which
    name none, queue no release message at all."""
    items = data.get("items")
    for holder in [data, *(items if isinstance(items, list) else ())]:
        references = holder.get("references") if isinstance(holder, Mapping) else None
        if isinstance(references, list) and any(isinstance(r, Mapping) and r.get("doc_type") == "sales_contract"
                                                for r in references):
            return True
    return False


def _contract_id(transaction: PluginTransaction, ref: DocumentReference) -> str | None:
    if ref.hub_id:
        return ref.hub_id
    if ref.external_id and ref.external_system:
        return transaction.find("sales_contract", ref.external_id, ref.external_system)
    return None


def order_value(order: SalesOrder) -> Decimal:
    """The order's net value: as given, else the sum of its items' (or quantity times price)."""
    if order.net_value is not None:
        return order.net_value.amount
    total = Decimal(0)
    for item in order.items:
        if item.net_value is not None:
            total += item.net_value.amount
        elif item.net_price is not None:
            total += item.quantity.value * item.net_price.amount
    return total


def order_quantities(transaction: PluginTransaction, order: SalesOrder, contract: SalesContract,
                     source_system: str) -> dict[int, str]:
    """Quantity per contract item number (as text) that the order calls off. An order item
    names its product by hub id, or by the id the order's source system uses (an ERP's
    order confirmation), which the key map turns into the hub id."""
    by_product = {i.product_hub_id or i.product_external_id: i.item_number for i in contract.items
                  if i.product_hub_id or i.product_external_id}
    quantities: dict[int, Decimal] = {}
    for item in order.items:
        target = next((r.item_number for r in item.references
                       if r.doc_type == "sales_contract" and r.item_number), None)
        product = item.product_hub_id
        if product is None and item.product_external_id:
            product = transaction.find("product", item.product_external_id, source_system) \
                or item.product_external_id
        if target is None:
            target = by_product.get(product or "")
        if target is not None:
            quantities[target] = quantities.get(target, Decimal(0)) + item.quantity.value
    return {number: str(value) for number, value in quantities.items()}


def _others(conn: sa.Connection, contract_id: str, order_id: str) -> list[sa.Row]:
    c = releases.c
    return list(conn.execute(sa.select(c.order_hub_id, c.value, c.quantities, c.state).where(
        c.contract_hub_id == contract_id, c.order_hub_id != order_id, c.state != REFUSED)))


def over_target(contract: SalesContract, value: Decimal, quantities: dict[int, str],
                counted: list[sa.Row]) -> str | None:
    """Why counting this release takes the contract beyond a target, or None."""
    if contract.contract_kind is SalesContractKind.value and contract.target_value is not None:
        released = plain(sum((Decimal(r.value or 0) for r in counted), Decimal(0)) + value) or Decimal(0)
        if released > contract.target_value.amount:
            return (f"released value would be {released} {contract.currency}, beyond the target "
                    f"{contract.target_value.amount} {contract.currency}")
    if contract.contract_kind is SalesContractKind.quantity:
        for item in contract.items:
            if item.target_quantity is None:
                continue
            released = sum((Decimal(r.quantities.get(str(item.item_number), 0)) for r in counted), Decimal(0))
            released += Decimal(quantities.get(item.item_number, "0"))
            if released > item.target_quantity.value:
                return (f"item {item.item_number}: released quantity would be {released} "
                        f"{item.target_quantity.unit}, beyond the target {item.target_quantity.value}")
    return None


def _record(conn: sa.Connection, contract_id: str, order: SalesOrder, value: Decimal,
            quantities: dict[int, str], state: str, reason: str | None) -> None:
    assert order.hub_id is not None
    c = releases.c
    conn.execute(sa.delete(releases).where(c.contract_hub_id == contract_id, c.order_hub_id == order.hub_id))
    conn.execute(sa.insert(releases).values(
        contract_hub_id=contract_id, order_hub_id=order.hub_id, order_version=order.version, value=value,
        quantities={str(k): v for k, v in quantities.items()}, state=state, reason=reason, recorded_at=utcnow()))


def summed(contract: SalesContract, rows: list[Any]) -> SalesContract:
    """The contract with released value, quantities and release orders summed from ``rows``."""
    copy = contract.model_copy(deep=True)
    counted = [r for r in rows if r.state != REFUSED]
    released = plain(sum((Decimal(r.value or 0) for r in counted), Decimal(0)))
    copy.released_value = Money(amount=released or Decimal(0), currency=contract.currency)
    for item in copy.items:
        total = sum((Decimal(r.quantities.get(str(item.item_number), 0)) for r in counted), Decimal(0))
        unit = item.target_quantity.unit if item.target_quantity else None
        if unit is not None:
            item.released_quantity = Quantity(value=total, unit=unit)
    copy.release_orders = [DocumentReference(doc_type="sales_order", hub_id=r.order_hub_id)
                           for r in sorted(counted, key=lambda r: r.order_hub_id)]
    return copy


def apply_release(transaction: PluginTransaction, order: SalesOrder, settings: ContractsSettings,
                  today: dt.date, source_system: str = "hub") -> list[str]:
    """Count ``order`` against every contract it calls off; notes for the message history."""
    notes = []
    conn = transaction.connection
    for contract_id in dict.fromkeys(filter(None, (_contract_id(transaction, r) for r in _contract_refs(order)))):
        try:
            contract = transaction.document(contract_id)
        except NotFoundError:
            notes.append(f"contract {contract_id} not known: release not counted")
            continue
        if not isinstance(contract, SalesContract):
            notes.append(f"{contract_id} is a {contract.doc_type}, not a sales contract: release not counted")
            continue
        assert order.hub_id is not None
        counted = _others(conn, contract_id, order.hub_id)
        reason: str | None
        if order.status.value == "cancelled":
            value, quantities, state, reason = Decimal(0), {}, COUNTED, "order cancelled"
        else:
            value = order_value(order)
            quantities = {int(k): v for k, v in order_quantities(transaction, order, contract,
                                                                     source_system).items()}
            reason = over_target(contract, value, quantities, counted)
            state = COUNTED if reason is None else REFUSED if settings.over_release == "refuse" else FLAGGED
        if reason and state != COUNTED:
            (log.error if state == REFUSED else log.warning)(
                "release order %s of contract %s %s: %s", order.hub_id, contract_id, state, reason)
        _record(conn, contract_id, order, value, quantities, state, reason if state != COUNTED else None)
        rows = list(conn.execute(sa.select(releases.c.order_hub_id, releases.c.value, releases.c.quantities,
                                           releases.c.state).where(releases.c.contract_hub_id == contract_id)))
        updated = summed(contract, rows)
        if updated.business_data() != contract.business_data():
            write_contracts(transaction, [updated], settings, today)
        notes.append(f"release for {contract_id} {state}" + (f": {reason}" if reason and state != COUNTED else ""))
    return notes


def release_subscriber(settings: ContractsSettings) -> ApplyChange:
    """The subscription's apply function for sales orders."""

    def apply(transaction: PluginTransaction, change: CanonicalChange) -> str | None:
        order = change.document()
        assert isinstance(order, SalesOrder)
        if not _contract_refs(order):
            return None
        return "; ".join(apply_release(transaction, order, settings, utcnow().date(), change.source_system)) or None

    return apply
