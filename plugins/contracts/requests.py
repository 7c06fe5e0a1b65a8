"""The billing request of one billing-plan date: a sales order the ERP bills.

SAP bills a period of a contract from a sales document that refers to it; the hub sends
each due date as a debit memo request (order type L2, ``request_order_type``) through
the same channel and mapping tables as every order, so the ERP answers it as it answers
an order (its number back, then the invoice that bills it, which names it). The request
refers to the contract and item it bills; its id in the ``contracts`` system is
``CONTRACT:ITEM:DATE``, so writing it twice yields the same order, never a second one.
Item 1 is the period's amount, item 2 (when the contract item is billed by usage) the
metered consumption beyond what is included.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hub.api import (
    DocumentReference,
    ExternalRef,
    Money,
    Quantity,
    SalesItem,
    SalesOrder,
    ServiceContract,
    ServiceContractItem,
)
from plugins.contracts.settings import PLUGIN
from plugins.contracts.usage import Usage

PERIOD_UNIT = "PCE"
"""The unit of a period's charge: one period."""


def request_key(contract_hub_id: str, item_number: int, billing_date: dt.date) -> str:
    """The billing request's id in the ``contracts`` system."""
    return f"{contract_hub_id}:{item_number}:{billing_date.isoformat()}"


def billing_request(contract: ServiceContract, item: ServiceContractItem, billing_date: dt.date,
                    period: tuple[dt.date, dt.date], amount: Decimal, metered: Usage | None,
                    order_type: str) -> SalesOrder:
    """The sales order that asks the ERP to bill ``item`` of ``contract`` for ``period``."""
    assert contract.hub_id is not None
    currency = contract.currency
    label = f"{item.description or 'service'} {period[0].isoformat()}..{period[1].isoformat()}"
    items = [SalesItem(item_number=1, product_hub_id=item.product_hub_id,
                       product_external_id=item.product_external_id, description=label[:120],
                       quantity=Quantity(value=Decimal(1), unit=PERIOD_UNIT),
                       net_price=Money(amount=amount, currency=currency),
                       net_value=Money(amount=amount, currency=currency))]
    if metered is not None and item.usage_billing is not None and metered.billable > 0:
        meter = item.usage_billing
        items.append(SalesItem(item_number=2, product_hub_id=item.product_hub_id,
                               product_external_id=item.product_external_id,
                               description=f"usage of meter {meter.meter_id}"[:120],
                               quantity=Quantity(value=metered.billable, unit=meter.unit),
                               net_price=Money(amount=meter.price_per_unit.amount, currency=currency),
                               net_value=Money(amount=metered.amount, currency=currency)))
    total = sum((i.net_value.amount for i in items if i.net_value), Decimal(0))
    return SalesOrder(
        external_ids=[ExternalRef(system=PLUGIN, id=request_key(contract.hub_id, item.item_number, billing_date))],
        order_type=order_type, order_date=billing_date, currency=currency, sold_to_hub_id=contract.sold_to_hub_id,
        partners=contract.partners, sales_org=contract.sales_org, distribution_channel=contract.distribution_channel,
        division=contract.division, payment_terms=contract.payment_terms,
        customer_reference=f"billing {period[0].isoformat()}..{period[1].isoformat()}",
        items=items, net_value=Money(amount=total, currency=currency),
        references=[DocumentReference(doc_type="service_contract", hub_id=contract.hub_id,
                                      item_number=item.item_number)],
    )
