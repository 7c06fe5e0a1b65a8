"""Billing documents: invoices, credit and debit memos, cancellations.

Usually created in the ERP and replicated back, referencing the orders and contracts
they bill. Amounts are always positive; ``billing_type`` gives the sign.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import Field, model_validator

from hub.core.errors import DocumentError
from hub.core.model.base import CanonicalModel, CurrencyCode, Document, DocumentReference, Money, Quantity, field_error
from hub.core.model.checks import check_currency, check_not_negative, check_period, check_total, check_unique
from hub.core.model.sales import PartnerFunction, PricingCondition, Tax

_SIGN_RULE = "amounts stay positive; billing_type gives the sign"


class BillingType(StrEnum):
    """What a billing document does to the customer's balance."""

    invoice = "invoice"
    credit_memo = "credit_memo"
    debit_memo = "debit_memo"
    cancellation = "cancellation"


class PaymentStatus(StrEnum):
    """How far the billing document has been paid (or cleared in accounting)."""

    open = "open"
    partially_paid = "partially_paid"
    paid = "paid"
    cleared = "cleared"


_TYPE_SIGN = {BillingType.invoice: 1, BillingType.debit_memo: 1, BillingType.credit_memo: -1}


class BillingItem(CanonicalModel):
    """One billed item, pointing at the order (or contract) item it bills."""

    item_number: int = Field(gt=0)
    product_hub_id: str | None = None
    product_external_id: str | None = None
    description: str | None = None
    quantity: Quantity
    net_value: Money
    tax_amount: Money | None = None
    conditions: list[PricingCondition] = Field(default_factory=list)
    taxes: list[Tax] = Field(default_factory=list)
    reference: DocumentReference | None = Field(
        default=None, description="The order or contract item billed (item_number set)."
    )


class BillingDocument(Document):
    """An invoice, credit memo, debit memo or cancellation.

    Amounts (item values, taxes, totals, paid amount) are always positive: a credit memo
    of 100 EUR has ``gross_value`` 100 and ``billing_type`` ``credit_memo``; whoever needs
    a signed amount takes the sign from the type (``sign``, ``signed_gross``). A
    cancellation references the billing document it cancels in ``cancels`` and, when
    known, that document's type in ``cancelled_type``.
    """

    doc_type: ClassVar[str] = "billing_document"
    id_prefix: ClassVar[str] = "bd"

    billing_type: BillingType
    billing_date: dt.date
    due_date: dt.date | None = None
    payer_hub_id: str = Field(min_length=1)
    sold_to_hub_id: str = Field(min_length=1)
    bill_to_hub_id: str | None = None
    currency: CurrencyCode
    partners: list[PartnerFunction] = Field(default_factory=list)
    items: list[BillingItem] = Field(default_factory=list)
    taxes: list[Tax] = Field(default_factory=list)
    net_value: Money
    tax_amount: Money
    gross_value: Money
    payment_status: PaymentStatus = PaymentStatus.open
    paid_amount: Money | None = None
    payment_terms: str | None = None
    references: list[DocumentReference] = Field(default_factory=list)
    cancels: DocumentReference | None = None
    cancelled_type: BillingType | None = Field(default=None, description="Type of the document a cancellation cancels.")

    @model_validator(mode="after")
    def _check_amounts(self) -> BillingDocument:
        check_period(self.billing_date, self.due_date, "due_date")
        check_unique((i.item_number for i in self.items), "items", "item_number")
        for name in ("net_value", "tax_amount", "gross_value", "paid_amount"):
            check_currency(getattr(self, name), self.currency, name)
            check_not_negative(getattr(self, name), name, _SIGN_RULE)
        for index, item in enumerate(self.items):
            for name in ("net_value", "tax_amount"):
                check_currency(getattr(item, name), self.currency, f"items.{index}.{name}")
                check_not_negative(getattr(item, name), f"items.{index}.{name}", _SIGN_RULE)
        for index, tax in enumerate(self.taxes):
            check_currency(tax.amount, self.currency, f"taxes.{index}.amount")
            check_not_negative(tax.amount, f"taxes.{index}.amount", _SIGN_RULE)
        check_total(self.net_value, self.tax_amount, self.gross_value, "gross_value")
        if self.paid_amount is not None and self.paid_amount.amount > self.gross_value.amount:
            raise field_error("paid_amount.amount",
                              f"{self.paid_amount.amount} exceeds the gross value {self.gross_value.amount}")
        if self.billing_type is BillingType.cancellation:
            if self.cancels is None:
                raise field_error("cancels", "a cancellation must reference the billing document it cancels")
            if self.cancelled_type is BillingType.cancellation:
                raise field_error("cancelled_type", "a cancellation cannot cancel a cancellation")
            if self.cancels.doc_type != "billing_document":
                raise field_error("cancels.doc_type",
                                  f"a cancellation cancels a billing_document, not {self.cancels.doc_type}")
        elif self.cancels is not None or self.cancelled_type is not None:
            raise field_error("cancels", f"only a cancellation cancels a document, this is a {self.billing_type.value}")
        return self

    @property
    def sign(self) -> int:
        """+1 when the document raises what the customer owes, -1 when it lowers it.

        Invoice and debit memo +1, credit memo -1; a cancellation the opposite of the
        document it cancels, so it needs ``cancelled_type``.
        """
        if self.billing_type is BillingType.cancellation:
            if self.cancelled_type is None:
                raise DocumentError(f"billing_document {self.hub_id}", "cancelled_type",
                                    "the sign of a cancellation depends on the type it cancels, which is not known")
            return -_TYPE_SIGN[self.cancelled_type]
        return _TYPE_SIGN[self.billing_type]

    def signed_gross(self) -> Money:
        """The gross value with the sign of the billing type (credit memo: negative)."""
        return Money(amount=self.gross_value.amount * self.sign, currency=self.currency)

    def is_overdue(self, on: dt.date) -> bool:
        """Whether something is still open on ``on`` after the due date.

        Overdue is no payment status of its own: it follows from the due date and what
        is open, so it is worked out when asked and never goes stale in the store.
        """
        return self.due_date is not None and on > self.due_date and self.open_amount().amount > 0

    def open_amount(self) -> Money:
        """What is still to be paid (positive; zero when paid or cleared)."""
        if self.payment_status in (PaymentStatus.paid, PaymentStatus.cleared):
            return Money(amount=Decimal(0), currency=self.currency)
        paid = self.paid_amount.amount if self.paid_amount else Decimal(0)
        return Money(amount=self.gross_value.amount - paid, currency=self.currency)
