"""Billing and payments in the simulated ERP: the billing documents it issued
(INVOIC02 of each SAP billing type) and the payments it books against them (REMADV).

- ``bill``: an invoice (F2), credit memo (G2) or debit memo (L2) of an order, for all
  of it or for some items' quantities;
- ``cancel``: the cancellation (S1 of an invoice, S2 of a credit memo) of a billing
  document, naming it in E1EDK02 qualifier 011;
- ``pay``: a payment against a billing document, reported as a payment advice REMADV
  (basic type PEXR2002): E1IDKU1 with the payment document (BGMREF), E1EDK03 026 its
  date, E1EDKA1 RG the payer, E1IDKU5 the total, and per settled document an E1IDPU1
  with its number (E1EDP02 qualifier 009) and the amount paid (E1IDPU5 qualifier 001).

What was issued and paid is kept in memory, so a payment can be checked against what
is still open, as FI would.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from lxml import etree

from plugins.erp_sap.simulator.erp import alpha
from plugins.erp_sap.simulator.followup_idocs import billed_gross, invoic_idoc
from plugins.erp_sap.simulator.idocxml import DEFAULT_PARTNERS, Partners, new_idoc, segment
from plugins.erp_sap.simulator.state import SimulatorState, StoredOrder

KINDS = {"invoice": "F2", "credit_memo": "G2", "debit_memo": "L2"}
"""Billing kinds ``bill`` issues, by their SAP billing type (FKART)."""
CANCELLATIONS = {"F2": "S1", "L2": "S1", "G2": "S2"}
"""The cancellation type of each billing type."""


@dataclass
class Issued:
    """A billing document the simulated ERP issued."""

    number: str
    erp_order_id: str
    billing_type: str
    gross: Decimal
    currency: str
    sold_to: str
    paid: Decimal = Decimal(0)
    cancelled_by: str | None = None


class BillingDesk:
    """The simulated ERP's billing (SD) and receivables (FI) for its orders."""

    def __init__(self, state: SimulatorState, seed: int = 1, partners: Partners = DEFAULT_PARTNERS) -> None:
        self.state = state
        self.seed = seed
        self.partners = partners
        self.issued: dict[str, Issued] = {}
        self._payments = iter(range(1400000001, 10**10))
        self._lock = threading.Lock()

    def bill(self, order: StoredOrder, kind: str = "invoice",
             quantities: dict[str, Decimal] | None = None) -> tuple[Issued, etree._Element]:
        """Issue a billing document of ``kind`` (invoice, credit_memo, debit_memo) for
        ``order`` (all of it, or the items ``quantities`` names); it and its INVOIC02."""
        if kind not in KINDS:
            raise ValueError(f"no billing kind {kind!r}; one of {', '.join(KINDS)}")
        number = self.state.next_invoice()
        idoc = invoic_idoc(order, number, self.state.next_docnum(), self.seed, partners=self.partners,
                           billing_type=KINDS[kind], quantities=quantities)
        return self._keep(Issued(number, order.erp_id, KINDS[kind], billed_gross(order, self.seed, quantities),
                                 order.currency, order.request.sold_to)), idoc

    def keep_invoice(self, order: StoredOrder, number: str) -> Issued:
        """Remember the full invoice the follow-ups of a new order sent."""
        return self._keep(Issued(number, order.erp_id, "F2", billed_gross(order, self.seed), order.currency,
                                 order.request.sold_to))

    def cancel(self, order: StoredOrder, number: str) -> tuple[Issued, etree._Element]:
        """Cancel billing document ``number`` of ``order``: the cancellation and its INVOIC02."""
        with self._lock:
            original = self._open(number)
            if original.billing_type not in CANCELLATIONS:
                raise ValueError(f"billing document {number} is a {original.billing_type}, which is not cancelled")
            cancellation = self.state.next_invoice()
            original.cancelled_by = cancellation
            number = original.number
        fkart = CANCELLATIONS[original.billing_type]
        idoc = invoic_idoc(order, cancellation, self.state.next_docnum(), self.seed, partners=self.partners,
                           billing_type=fkart, cancels=number)
        return self._keep(Issued(cancellation, order.erp_id, fkart, original.gross, order.currency,
                                 order.request.sold_to)), idoc

    def pay(self, number: str, amount: Decimal | None = None,
            paid_on: datetime | None = None) -> tuple[Issued, etree._Element]:
        """Book a payment of ``amount`` (default: what is open) against billing document
        ``number``; the document and the payment advice (REMADV) reporting it."""
        with self._lock:
            issued = self._open(number)
            open_amount = issued.gross - issued.paid
            paying = open_amount if amount is None else amount
            if paying <= 0 or paying > open_amount:
                raise ValueError(f"billing document {number} has {open_amount} {issued.currency} open;"
                                 f" a payment of {paying} does not fit")
            issued.paid += paying
            payment = str(next(self._payments))
        return issued, remadv_idoc(payment, issued, paying, self.state.next_docnum(), paid_on, self.partners)

    def find(self, number: str) -> Issued | None:
        """The billing document ``number`` (with or without leading zeros), if issued."""
        return self.issued.get(alpha(number, 10))

    def _open(self, number: str) -> Issued:
        issued = self.find(number)
        if issued is None:
            raise KeyError(f"no billing document {number} in the simulator")
        if issued.cancelled_by is not None:
            raise ValueError(f"billing document {number} is cancelled by {issued.cancelled_by}")
        return issued

    def _keep(self, issued: Issued) -> Issued:
        with self._lock:
            self.issued[issued.number] = issued
        return issued


def remadv_idoc(payment: str, issued: Issued, amount: Decimal, docnum: str, paid_on: datetime | None = None,
                partners: Partners = DEFAULT_PARTNERS) -> etree._Element:
    """The payment advice (REMADV / PEXR2002) of payment ``payment`` of ``amount`` against ``issued``."""
    when = paid_on or datetime.now(UTC)
    idoc = new_idoc("PEXR2002", "REMADV", docnum, paid_on, partners)
    header = segment(idoc, "E1IDKU1", [("BGMTYP", "481"), ("BGMREF", payment)])
    segment(header, "E1EDK03", [("IDDAT", "026"), ("DATUM", when.strftime("%Y%m%d"))])
    segment(header, "E1EDKA1", [("PARVW", "RG"), ("PARTN", issued.sold_to)])
    segment(idoc, "E1IDKU5", [("MOAQUAL", "001"), ("MOABETR", f"{amount:.2f}"), ("CUXWAERZ", issued.currency)])
    line = segment(idoc, "E1IDPU1", [("DOCNAME", "CRM" if issued.billing_type == "G2" else "INV")])
    segment(line, "E1EDP02", [("QUALF", "009"), ("BELNR", issued.number)])
    segment(line, "E1IDPU5", [("MOAQUAL", "001"), ("MOABETR", f"{amount:.2f}"), ("CUXWAERZ", issued.currency)])
    return idoc
