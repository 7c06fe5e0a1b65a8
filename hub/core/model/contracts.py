"""Contracts: value and quantity sales contracts, and service contracts.

A sales contract is a framework agreement that release orders call off (each release
order references the contract). A service contract covers objects at agreed service
levels and is billed periodically (billing plan) and/or by usage (meter readings).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, Field, model_validator

from hub.core.model.base import (
    CanonicalModel,
    CurrencyCode,
    Document,
    DocumentReference,
    ExactDecimal,
    Money,
    Quantity,
    UnitCode,
    field_error,
)
from hub.core.model.checks import check_currency, check_period, check_unique, check_unit
from hub.core.model.sales import PartnerFunction, PricingCondition, StatusChange


class ContractStatus(StrEnum):
    """Life-cycle status of a contract."""

    draft = "draft"
    active = "active"
    completed = "completed"
    cancelled = "cancelled"
    expired = "expired"


class SalesContractKind(StrEnum):
    """Value contracts cap the released value; quantity contracts the released quantities."""

    value = "value"
    quantity = "quantity"


class ContractItem(CanonicalModel):
    """A product agreed in a sales contract, with its target and what was released so far."""

    item_number: int = Field(gt=0)
    product_hub_id: str | None = None
    product_external_id: str | None = None
    description: str | None = None
    target_quantity: Quantity | None = None
    released_quantity: Quantity | None = None
    net_price: Money | None = None
    conditions: list[PricingCondition] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_units(self) -> ContractItem:
        if self.target_quantity is not None:
            check_unit(self.released_quantity, self.target_quantity.unit, "released_quantity")
        return self


class _ContractHeader(Document):
    """Header fields shared by both contract kinds (not a document type itself)."""

    contract_type: str = Field(default="standard", min_length=1)
    status: ContractStatus = ContractStatus.active
    currency: CurrencyCode
    sold_to_hub_id: str = Field(min_length=1)
    partners: list[PartnerFunction] = Field(default_factory=list)
    sales_org: str | None = None
    distribution_channel: str | None = None
    division: str | None = None
    customer_reference: str | None = None
    payment_terms: str | None = None
    valid_from: dt.date
    valid_to: dt.date | None = None
    references: list[DocumentReference] = Field(default_factory=list)
    status_history: list[StatusChange] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_header(self) -> _ContractHeader:
        check_period(self.valid_from, self.valid_to, "valid_to")
        return self

    def is_valid_on(self, day: dt.date) -> bool:
        """Whether ``day`` lies within the contract's validity."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class SalesContract(_ContractHeader):
    """A value or quantity contract: customer agrees to buy up to a target over a period.

    Value contracts need ``target_value``; quantity contracts need a ``target_quantity``
    on every item. ``release_orders`` lists the orders that called off the contract.
    """

    doc_type: ClassVar[str] = "sales_contract"
    id_prefix: ClassVar[str] = "sc"

    contract_kind: SalesContractKind
    target_value: Money | None = None
    released_value: Money | None = None
    items: list[ContractItem] = Field(default_factory=list)
    release_orders: list[DocumentReference] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_targets(self) -> SalesContract:
        check_unique((i.item_number for i in self.items), "items", "item_number")
        if self.contract_kind is SalesContractKind.value and self.target_value is None:
            raise field_error("target_value", "a value contract needs target_value")
        if self.contract_kind is SalesContractKind.quantity:
            for index, item in enumerate(self.items):
                if item.target_quantity is None:
                    raise field_error(f"items.{index}.target_quantity", "a quantity contract needs a target per item")
        check_currency(self.target_value, self.currency, "target_value")
        check_currency(self.released_value, self.currency, "released_value")
        for index, item in enumerate(self.items):
            check_currency(item.net_price, self.currency, f"items.{index}.net_price")
        for index, ref in enumerate(self.release_orders):
            if ref.doc_type != "sales_order":
                raise field_error(f"release_orders.{index}.doc_type",
                                  f"release orders are sales orders, not {ref.doc_type}")
        return self

    def remaining_value(self) -> Money | None:
        """Target value minus released value (value contracts), else None."""
        if self.target_value is None:
            return None
        released = self.released_value.amount if self.released_value else 0
        return Money(amount=self.target_value.amount - released, currency=self.currency)


class ResponseTime(CanonicalModel):
    """How fast the provider must react to a request of ``priority``."""

    priority: str = Field(min_length=1, description="e.g. 1-very high, 2-high, 3-medium")
    within: dt.timedelta = Field(description="ISO 8601 duration in JSON, e.g. PT4H.")


class ServiceLevel(CanonicalModel):
    """An agreed service level: response times per priority and service hours."""

    code: str = Field(min_length=1)
    description: str | None = None
    response_times: list[ResponseTime] = Field(default_factory=list)
    service_hours: str | None = Field(default=None, description="e.g. Mon-Fri 08:00-18:00 CET")
    availability_percent: ExactDecimal | None = Field(default=None, ge=0, le=100)


class CoveredObject(CanonicalModel):
    """An object the contract covers: an installation, a piece of equipment, a product."""

    kind: str = Field(min_length=1, description="installation, equipment, product, ...")
    object_id: str | None = None
    product_hub_id: str | None = None
    serial_number: str | None = None
    description: str | None = None


class BillingFrequency(StrEnum):
    """How often a billing plan bills."""

    monthly = "monthly"
    quarterly = "quarterly"
    half_yearly = "half_yearly"
    yearly = "yearly"


class BillingPlanDate(CanonicalModel):
    """One date of a periodic billing plan and whether it was billed."""

    billing_date: dt.date
    period_start: dt.date
    period_end: dt.date
    amount: Money
    billed: bool = False
    billing_document_hub_id: str | None = None


class BillingPlan(CanonicalModel):
    """Periodic billing: ``amount`` every period, in advance or in arrears."""

    frequency: BillingFrequency
    amount: Money
    start_date: dt.date
    end_date: dt.date | None = None
    in_advance: bool = True
    dates: list[BillingPlanDate] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_plan(self) -> BillingPlan:
        check_period(self.start_date, self.end_date, "end_date")
        for index, entry in enumerate(self.dates):
            check_period(entry.period_start, entry.period_end, f"dates.{index}.period_end")
            check_currency(entry.amount, self.amount.currency, f"dates.{index}.amount")
        return self

    def due(self, on: dt.date) -> list[BillingPlanDate]:
        """Dates not yet billed whose billing date is ``on`` or earlier."""
        return [d for d in self.dates if not d.billed and d.billing_date <= on]


class MeterReading(CanonicalModel):
    """A counter reading; ``estimated`` readings are corrected by the next actual one."""

    read_at: AwareDatetime
    reading: Quantity
    estimated: bool = False
    billed: bool = False


class UsageBilling(CanonicalModel):
    """Usage-based billing from meter readings: price per unit above an included quantity."""

    meter_id: str = Field(min_length=1)
    unit: UnitCode
    price_per_unit: Money
    included_quantity: Quantity | None = None
    readings: list[MeterReading] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_readings(self) -> UsageBilling:
        check_unit(self.included_quantity, self.unit, "included_quantity")
        previous: MeterReading | None = None
        for index, reading in enumerate(self.readings):
            check_unit(reading.reading, self.unit, f"readings.{index}.reading")
            if previous is not None:
                if reading.read_at <= previous.read_at:
                    raise field_error(f"readings.{index}.read_at", "readings must be in time order")
                if reading.reading.value < previous.reading.value:
                    raise field_error(f"readings.{index}.reading.value", "a meter reading may not go down")
            previous = reading
        return self


class ServiceContractItem(CanonicalModel):
    """A service product under contract, for the covered objects, at a service level."""

    item_number: int = Field(gt=0)
    product_hub_id: str | None = None
    product_external_id: str | None = None
    description: str | None = None
    covered_objects: list[CoveredObject] = Field(default_factory=list)
    service_level: ServiceLevel | None = None
    billing_plan: BillingPlan | None = None
    usage_billing: UsageBilling | None = None


class RenewalTerms(CanonicalModel):
    """Whether and how the contract renews itself, and the notice needed to stop that."""

    auto_renew: bool = False
    renewal_months: int | None = Field(default=None, gt=0)
    notice_days: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _check_terms(self) -> RenewalTerms:
        if self.auto_renew and self.renewal_months is None:
            raise field_error("renewal_months", "automatic renewal needs renewal_months")
        return self


class Cancellation(CanonicalModel):
    """A cancellation: requested on one day, effective on another, by one side."""

    requested_on: dt.date
    effective_on: dt.date
    by: str = Field(min_length=1, description="customer or provider")
    reason: str | None = None

    @model_validator(mode="after")
    def _check_dates(self) -> Cancellation:
        check_period(self.requested_on, self.effective_on, "effective_on")
        return self


class ServiceContract(_ContractHeader):
    """A service contract: covered objects, service levels, periodic and usage billing."""

    doc_type: ClassVar[str] = "service_contract"
    id_prefix: ClassVar[str] = "svc"

    items: list[ServiceContractItem] = Field(default_factory=list)
    renewal: RenewalTerms = Field(default_factory=RenewalTerms)
    cancellation: Cancellation | None = None

    @model_validator(mode="after")
    def _check_items(self) -> ServiceContract:
        check_unique((i.item_number for i in self.items), "items", "item_number")
        for index, item in enumerate(self.items):
            if item.billing_plan is not None:
                check_currency(item.billing_plan.amount, self.currency, f"items.{index}.billing_plan.amount")
            if item.usage_billing is not None:
                check_currency(item.usage_billing.price_per_unit, self.currency,
                               f"items.{index}.usage_billing.price_per_unit")
        return self
