"""Payments the ERP reports against its billing documents: REMADV IDocs (basic type PEXR2002).

SAP's payment advice (REMADV, PEXR2002) is the IDoc FI sends for a payment: the
payment or clearing document (E1IDKU1 BGMREF), its date (E1EDK03 qualifier 026), the
payer (E1EDKA1 RG) and, per document it settles, an E1IDPU1 with that document's number
(E1EDP02 qualifier 009, the billing document number as INVOIC carried it) and the amount
paid against it (E1IDPU5 qualifier 001, MOABETR in CUXWAERZ). FIDCC2 (FIDCCP02) would
carry whole FI documents, meant for another SAP system's ledger; the advice carries
what a CRM needs: which invoice, how much, when.

Each advice is one payment; a billing document's payments add up. They are kept per
billing document in the plugin's state (payment document -> amount), so the same advice
posted again (a replay) counts once. The billing document gets ``paid_amount`` and
``payment_status`` (``cleared`` once its gross value is paid: FI clears the open item;
``partially_paid`` before), and each order it bills its payment status (see
``billing``), in the transaction that posts the advice. An advice that cannot be read,
names a billing document the hub does not know, pays in another currency or more than
is open is refused whole with document, field and reason; nothing of it is written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from hub.api import (
    BillingDocument,
    DocumentError,
    MessageHandler,
    Money,
    PaymentStatus,
    PluginContext,
    PluginTransaction,
    RawDocument,
    Segment,
)
from plugins.erp_sap.acks import erp_number
from plugins.erp_sap.billing import BILLING, orders_of, settle_order

PAID = "001"
"""E1IDPU5 qualifier of the amount paid against the document."""
INVOICE_NUMBER = "009"
"""E1EDP02 qualifier of the settled document's number."""
_WRITTEN = frozenset({"hub_id", "payment_status", "paid_amount"})


@dataclass(frozen=True)
class PaymentLine:
    """What one payment pays against one billing document."""

    at: str
    """Where the line is in the IDoc (``E1IDPU1[2]``), for errors."""
    billing_number: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class PaymentAdvice:
    """One payment (or clearing) document and the billing documents it settles."""

    number: str
    paid_on: date | None
    lines: list[PaymentLine]


def parse_advice(raw: RawDocument) -> PaymentAdvice:
    """The payment a REMADV IDoc reports; DocumentError naming the field when it cannot be read."""
    where = f"REMADV {raw.document_id}"
    segments = raw.body if isinstance(raw.body, list) else []
    header = _first(segments, "E1IDKU1")
    number = (header.fields.get("BGMREF") or "").strip() if header is not None else ""
    if not number:
        raise DocumentError(where, "E1IDKU1.BGMREF", "the payment document number is missing")
    paid_on = None
    for dated in _all(segments, "E1EDK03", header):
        if dated.fields.get("IDDAT") == "026":
            paid_on = _date(where, "E1EDK03[IDDAT=026].DATUM", dated.fields.get("DATUM"))
    lines = []
    for index, item in enumerate((s for s in segments if s.name == "E1IDPU1"), start=1):
        at = f"E1IDPU1[{index}]"
        reference = next((c for c in item.children if c.name == "E1EDP02"
                          and c.fields.get("QUALF") == INVOICE_NUMBER), None)
        billed = (reference.fields.get("BELNR") or "").strip() if reference is not None else ""
        if not billed:
            raise DocumentError(where, f"{at}/E1EDP02[QUALF={INVOICE_NUMBER}].BELNR",
                                "the billing document the payment settles is not named")
        amount = next((c for c in item.children if c.name == "E1IDPU5" and c.fields.get("MOAQUAL") == PAID), None)
        if amount is None:
            raise DocumentError(where, f"{at}/E1IDPU5[MOAQUAL={PAID}]", f"no amount paid against {billed}")
        field = f"{at}/E1IDPU5[MOAQUAL={PAID}].MOABETR"
        value = _amount(where, field, amount.fields.get("MOABETR"))
        currency = (amount.fields.get("CUXWAERZ") or "").strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise DocumentError(where, f"{at}/E1IDPU5[MOAQUAL={PAID}].CUXWAERZ",
                                f"{currency!r} is not an ISO 4217 currency code")
        lines.append(PaymentLine(at, erp_number(billed), value, currency))
    if not lines:
        raise DocumentError(where, "E1IDPU1", "the advice settles no billing document")
    return PaymentAdvice(number, paid_on, lines)


def payment_handler(context: PluginContext) -> MessageHandler:
    """Handler of inbound REMADV: payments reach their billing documents and orders."""

    def handle(transaction: PluginTransaction, raw: RawDocument) -> str:
        advice = parse_advice(raw)
        where = f"REMADV {raw.document_id}"
        paid: dict[str, Decimal] = defaultdict(Decimal)
        for line in advice.lines:
            paid[line.billing_number] += line.amount
        notes = []
        for number, amount in paid.items():
            line = next(li for li in advice.lines if li.billing_number == number)
            billing = apply_payment(transaction, where, line, advice.number, amount)
            for order in orders_of(transaction, billing):
                settle_order(transaction, order, billing)
            notes.append(f"billing document {number} {billing.payment_status.value}"
                         f" ({billing.paid_amount.amount if billing.paid_amount else 0} of"
                         f" {billing.gross_value.amount} {billing.currency} paid)")
        when = f" of {advice.paid_on.isoformat()}" if advice.paid_on else ""
        return f"payment {advice.number}{when}: " + "; ".join(notes)

    return handle


def apply_payment(transaction: PluginTransaction, where: str, line: PaymentLine, payment: str,
                  amount: Decimal) -> BillingDocument:
    """Record ``amount`` of payment document ``payment`` on the billing document ``line``
    names; the billing document as updated."""
    hub_id = transaction.find(BILLING, line.billing_number)
    document = transaction.document(hub_id) if hub_id else None
    if not isinstance(document, BillingDocument):
        raise DocumentError(where, f"{line.at}/E1EDP02[QUALF={INVOICE_NUMBER}].BELNR",
                            f"no billing document {line.billing_number} of the ERP is known to the hub")
    if line.currency != document.currency:
        raise DocumentError(where, f"{line.at}/E1IDPU5[MOAQUAL={PAID}].CUXWAERZ",
                            f"paid in {line.currency}, but billing document {line.billing_number} is in"
                            f" {document.currency}")
    state = f"payments:{hub_id}"
    kept = transaction.state(state)
    payments = {str(k): str(v) for k, v in kept.items()} if isinstance(kept, dict) else {}
    payments[payment] = str(amount)
    total = sum((Decimal(v) for v in payments.values()), Decimal(0))
    if total > document.gross_value.amount:
        raise DocumentError(where, f"{line.at}/E1IDPU5[MOAQUAL={PAID}].MOABETR",
                            f"{total} {line.currency} paid in all exceeds the gross value"
                            f" {document.gross_value.amount} of billing document {line.billing_number}")
    status = PaymentStatus.cleared if total == document.gross_value.amount else PaymentStatus.partially_paid
    transaction.set_state({state: dict(payments)})
    updated = BillingDocument.model_validate({**document.model_dump(), "payment_status": status,
                                              "paid_amount": Money(amount=total, currency=document.currency)})
    transaction.upsert([BillingDocument.model_construct(_fields_set=set(_WRITTEN), **dict(updated))])
    return updated


def _first(segments: list[Segment], name: str) -> Segment | None:
    return next((s for s in segments if s.name == name), None)


def _all(segments: list[Segment], name: str, parent: Segment | None) -> list[Segment]:
    inner = [c for c in parent.children if c.name == name] if parent is not None else []
    return inner + [s for s in segments if s.name == name]


def _date(where: str, field: str, text: str | None) -> date | None:
    if not text or not text.strip("0 "):
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise DocumentError(where, field, f"{text!r} is not a date (YYYYMMDD)") from None


def _amount(where: str, field: str, text: str | None) -> Decimal:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        raise DocumentError(where, field, f"{text!r} is not an amount") from None
    if not value.is_finite() or value <= 0:
        raise DocumentError(where, field, f"{text!r}: a payment is a positive amount")
    return value
