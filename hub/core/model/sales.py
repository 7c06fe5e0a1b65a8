"""Sales documents: quotations and sales orders, and the parts other documents reuse.

``PartnerFunction``, ``PricingCondition``, ``Tax``, ``ScheduleLine`` and ``SalesItem``
are shared with contracts and billing documents. All amounts of a document are in its
``currency``; a mapping that mixes currencies is refused with the offending field.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, Field, field_validator, model_validator

from hub.core.model.base import (
    CanonicalModel,
    CurrencyCode,
    Document,
    DocumentReference,
    ExactDecimal,
    Money,
    Quantity,
    field_error,
)
from hub.core.model.checks import check_currency, check_period, check_total, check_unique, check_unit
from hub.core.model.partner import Address, normalise_email
from hub.core.model.shipments import Shipment


class OrderStatus(StrEnum):
    """Overall status of a sales order."""

    open = "open"
    in_process = "in_process"
    completed = "completed"
    cancelled = "cancelled"
    credit_blocked = "credit_blocked"


class QuotationStatus(StrEnum):
    """Overall status of a quotation; ``accepted``: the customer took it, and the hub made
    the sales order that follows from it; ``completed`` means fully turned into orders."""

    open = "open"
    in_process = "in_process"
    accepted = "accepted"
    completed = "completed"
    cancelled = "cancelled"
    rejected = "rejected"
    expired = "expired"


class ItemStatus(StrEnum):
    """Status of one item of a sales document."""

    open = "open"
    in_process = "in_process"
    completed = "completed"
    cancelled = "cancelled"
    rejected = "rejected"


class PartnerFunctionRole(StrEnum):
    """The part a partner plays in one document (SAP partner function AG, WE, RE, RG, ...)."""

    sold_to = "sold_to"
    ship_to = "ship_to"
    bill_to = "bill_to"
    payer = "payer"
    contact_person = "contact_person"
    sales_rep = "sales_rep"
    employee_responsible = "employee_responsible"
    forwarding_agent = "forwarding_agent"
    vendor = "vendor"


class PartnerFunction(CanonicalModel):
    """A partner in a function; by hub id, or by external id before the hub knows it.

    ``name``, ``email``, ``phone`` and ``address`` are what this document says of the
    partner (SAP keeps them in the document's partner segment): the delivery address of
    one order, or all there is of a one-time partner such as a web shop's guest, who
    has no id anywhere yet.
    """

    function: PartnerFunctionRole
    partner_hub_id: str | None = None
    external_id: str | None = None
    name: str | None = Field(default=None, min_length=1, description="The partner's name as the document gives it.")
    email: str | None = None
    phone: str | None = Field(default=None, min_length=1)
    address: Address | None = Field(default=None, description="The partner's address for this document.")

    @field_validator("email")
    @classmethod
    def _check_email(cls, email: str | None) -> str | None:
        return None if email is None else normalise_email(email)

    @model_validator(mode="after")
    def _has_partner(self) -> PartnerFunction:
        if self.partner_hub_id is None and self.external_id is None \
                and self.name is None and self.email is None and self.address is None:
            raise field_error("partner_hub_id", "a partner function needs partner_hub_id or external_id,"
                                                " or the one-time partner's name, email or address")
        return self


class ConditionCalculation(StrEnum):
    """How a pricing condition's ``rate`` is applied."""

    percentage = "percentage"
    fixed_amount = "fixed_amount"
    per_quantity = "per_quantity"


class PricingCondition(CanonicalModel):
    """One pricing element: base price, discount, surcharge, freight...

    ``rate`` is a percentage (``-5`` = 5 % off) for ``percentage``, an amount per
    ``pricing_unit`` for ``per_quantity``, or an amount for ``fixed_amount``; ``value``
    is what the condition came to on the item. Discounts carry negative rates and values.
    """

    type: str = Field(min_length=1, description="Condition type, e.g. base_price or SAP PR00.")
    description: str | None = None
    calculation: ConditionCalculation
    rate: ExactDecimal
    currency: CurrencyCode | None = None
    pricing_unit: Quantity | None = None
    value: Money | None = None
    statistical: bool = Field(default=False, description="Shown, but not part of the net value.")

    @model_validator(mode="after")
    def _check_basis(self) -> PricingCondition:
        if self.calculation is not ConditionCalculation.percentage and self.currency is None:
            raise field_error("currency", f"a {self.calculation.value} condition needs a currency")
        if self.calculation is ConditionCalculation.per_quantity and self.pricing_unit is None:
            raise field_error("pricing_unit", "a per_quantity condition needs a pricing_unit")
        return self


class Tax(CanonicalModel):
    """Tax of one code: ``rate`` in percent (``19`` = 19 %), ``amount`` as charged."""

    code: str = Field(min_length=1, description="Tax code, e.g. SAP MWST code or 'VAT19'.")
    rate: ExactDecimal
    amount: Money
    base: Money | None = Field(default=None, description="The amount the tax was computed on.")


class ScheduleLine(CanonicalModel):
    """A delivery date with the quantity asked for and the quantity the ERP confirmed."""

    date: dt.date
    quantity: Quantity
    confirmed_quantity: Quantity | None = None


class SalesItem(CanonicalModel):
    """One item of a quotation or order."""

    item_number: int = Field(gt=0)
    product_hub_id: str | None = None
    product_external_id: str | None = None
    description: str | None = None
    item_category: str | None = Field(
        default=None, description="How the item is processed (standard, free_of_charge, service, text, ...;"
                                  " SAP item category).")
    quantity: Quantity
    net_price: Money | None = Field(default=None, description="Net price per one unit of quantity.")
    net_value: Money | None = None
    conditions: list[PricingCondition] = Field(default_factory=list)
    taxes: list[Tax] = Field(default_factory=list)
    schedule_lines: list[ScheduleLine] = Field(default_factory=list)
    status: ItemStatus = ItemStatus.open
    higher_level_item: int | None = Field(default=None, gt=0, description="Parent item (BOM, free goods).")
    references: list[DocumentReference] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_item(self) -> SalesItem:
        if self.quantity.value < 0:
            raise field_error("quantity.value", f"must not be negative, got {self.quantity.value}")
        if self.product_hub_id is None and self.product_external_id is None and not self.description:
            raise field_error("product_hub_id", "an item needs a product (hub or external id) or a description")
        for index, line in enumerate(self.schedule_lines):
            check_unit(line.quantity, self.quantity.unit, f"schedule_lines.{index}.quantity")
            check_unit(line.confirmed_quantity, self.quantity.unit, f"schedule_lines.{index}.confirmed_quantity")
        return self


class OrderPaymentStatus(StrEnum):
    """How far a sales order has been paid: as the channel that took the payment says (a
    web shop's financial status), or as the ERP's payments against its invoices say."""

    pending = "pending"
    authorized = "authorized"
    partially_paid = "partially_paid"
    paid = "paid"
    partially_refunded = "partially_refunded"
    refunded = "refunded"
    voided = "voided"


class StatusChange(CanonicalModel):
    """One entry of a document's status history: what it became, when, and who said so."""

    status: str = Field(min_length=1)
    changed_at: AwareDatetime
    system: str | None = Field(default=None, description="System that reported it, e.g. erp_sap.")
    reason: str | None = None


class SalesDocument(Document):
    """Header and items shared by quotations and sales orders (not a document type itself)."""

    currency: CurrencyCode
    sold_to_hub_id: str = Field(min_length=1)
    sales_org: str | None = None
    distribution_channel: str | None = None
    division: str | None = None
    customer_reference: str | None = None
    payment_terms: str | None = None
    incoterms: str | None = None
    incoterms_location: str | None = None
    partners: list[PartnerFunction] = Field(default_factory=list)
    items: list[SalesItem] = Field(default_factory=list)
    conditions: list[PricingCondition] = Field(
        default_factory=list, description="Header conditions: freight, order discounts, surcharges.")
    net_value: Money | None = None
    tax_amount: Money | None = None
    gross_value: Money | None = None
    references: list[DocumentReference] = Field(default_factory=list)
    status_history: list[StatusChange] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_amounts(self) -> SalesDocument:
        check_unique((i.item_number for i in self.items), "items", "item_number")
        for index, item in enumerate(self.items):
            check_currency(item.net_price, self.currency, f"items.{index}.net_price")
            check_currency(item.net_value, self.currency, f"items.{index}.net_value")
            for t, tax in enumerate(item.taxes):
                check_currency(tax.amount, self.currency, f"items.{index}.taxes.{t}.amount")
        for index, condition in enumerate(self.conditions):
            check_currency(condition.value, self.currency, f"conditions.{index}.value")
        for name in ("net_value", "tax_amount", "gross_value"):
            check_currency(getattr(self, name), self.currency, name)
        check_total(self.net_value, self.tax_amount, self.gross_value, "gross_value")
        return self

    def item(self, item_number: int) -> SalesItem | None:
        """The item with ``item_number``, if any."""
        return next((i for i in self.items if i.item_number == item_number), None)

    def partner(self, function: PartnerFunctionRole) -> PartnerFunction | None:
        """The first partner in ``function``, if any."""
        return next((p for p in self.partners if p.function == function), None)


class Quotation(SalesDocument):
    """A quotation: an offer to a customer, valid until ``valid_to``, that orders follow from."""

    doc_type: ClassVar[str] = "quotation"
    id_prefix: ClassVar[str] = "qt"

    quotation_type: str = Field(default="standard", min_length=1)
    status: QuotationStatus = QuotationStatus.open
    quotation_date: dt.date
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    @model_validator(mode="after")
    def _check_validity(self) -> Quotation:
        check_period(self.valid_from or self.quotation_date, self.valid_to, "valid_to")
        return self


class SalesOrder(SalesDocument):
    """A sales order. Owned by the CRM side, replicated to the ERP, which confirms it,
    delivers and bills; confirmations and delivery status come back into this document.

    ``delivery_status`` is the overall delivery status as mapped (typically
    ``not_delivered``, ``partially_delivered``, ``delivered``); ``shipments`` are the
    deliveries themselves, with carrier and tracking number.
    """

    doc_type: ClassVar[str] = "sales_order"
    id_prefix: ClassVar[str] = "so"

    order_type: str = Field(default="standard", min_length=1)
    status: OrderStatus = OrderStatus.open
    order_date: dt.date
    requested_delivery_date: dt.date | None = None
    delivery_status: str | None = None
    payment_status: OrderPaymentStatus | None = Field(
        default=None, description="How far the order is paid, where the channel that took it (web shops) or the"
                                  " ERP's payments against its invoices say.")
    shipments: list[Shipment] = Field(default_factory=list, description="What was shipped, with tracking.")
    confirmed_at: AwareDatetime | None = Field(default=None, description="When the ERP last confirmed the order.")

    @model_validator(mode="after")
    def _check_shipments(self) -> SalesOrder:
        units = {item.item_number: item.quantity.unit for item in self.items}
        for s, shipment in enumerate(self.shipments):
            for i, shipped in enumerate(shipment.items):
                where = f"shipments.{s}.items.{i}"
                if shipped.item_number not in units:
                    raise field_error(f"{where}.item_number", f"the order has no item {shipped.item_number}")
                check_unit(shipped.quantity, units[shipped.item_number], f"{where}.quantity")
        return self
