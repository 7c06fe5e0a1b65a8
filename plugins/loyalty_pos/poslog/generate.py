"""Realistic day-end POSLog files, for benchmarks, the demo and tests.

    python -m plugins.loyalty_pos.poslog.generate --count 100000 --seed 7 day.xml

A store chain's business day: every till signs on, rings up sales (a share with a
loyalty card, some with a coupon, a voided line, a points tender, cash with change),
returns of earlier receipts of the same day, now and then a training-mode, cancelled
or suspended transaction, and signs off. Amounts are exact and add up (line amounts,
tax included in the price, tenders less change make the total), so every transaction
maps. Vendor extensions appear in another namespace; ``--old-names`` writes the older
element names (``RetailStoreID``, flags as elements).

The same seed gives the same file (with or without extensions and old names: the same
transactions). Each transaction is built, written and dropped in
turn, so a file of any size takes the memory of one transaction.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO

import click
from lxml import etree

NAMESPACE = "http://www.nrf-arts.org/IXRetail/namespace/"
VENDOR = "urn:acme-retail:poslog-extensions"
CENT = Decimal("0.01")
TAX_RATES = (Decimal(19), Decimal(7))


@dataclass(frozen=True)
class Item:
    """One article of the generated assortment."""

    item_id: str
    gtin: str
    description: str
    group: str
    price: Decimal
    tax_rate: Decimal


@dataclass
class Till:
    """One till's state through the day."""

    store: str
    workstation: str
    sequence: int
    clock: datetime
    signed_on: bool = False


def gtin13(body: str) -> str:
    """``body`` (12 digits) with its GS1 check digit."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def card_number(member: int) -> str:
    """A loyalty card number of the generated programme."""
    return f"9276{member:012d}"


class DayGenerator:
    """Transaction elements of one business day, seeded."""

    def __init__(self, seed: int, count: int, stores: int, tills: int, day: date, card_share: float,
                 old_names: bool, extensions: bool) -> None:
        self.random = random.Random(seed)
        self.count = count
        self.day = day
        self.card_share = card_share
        self.old_names = old_names
        self.extensions = extensions
        opening = datetime.combine(day, datetime.min.time()).replace(hour=8)
        self.tills = [Till(f"S{s:03d}", f"{t:02d}", 1, opening + timedelta(minutes=self.random.randint(0, 30)))
                      for s in range(1, stores + 1) for t in range(1, tills + 1)]
        self.items = [self._item(n) for n in range(1, 501)]
        self.recent: dict[str, deque[tuple[str, int, Item]]] = {}
        # Thirteen opening hours shared out among the transactions of each till.
        self.gap = max(2, 13 * 3600 * len(self.tills) // max(count, 1))

    def _item(self, number: int) -> Item:
        price = (Decimal(self.random.randint(49, 9999)) * CENT).quantize(CENT)
        return Item(f"{100000 + number}", gtin13(f"400638{number:06d}"), f"Article {number}",
                    f"G{number % 17:02d}", price, TAX_RATES[number % 5 == 0])

    def transactions(self) -> Iterator[etree._Element]:
        """The day's transactions, tills taking turns, each till signing on first."""
        for _ in range(self.count):
            till = self.random.choice(self.tills)
            if not till.signed_on:
                till.signed_on = True
                yield self._control(till, "OperatorSignOn")
                continue
            roll = self.random.random()
            if roll < 0.01:
                yield self._control(till, self.random.choice(("OperatorSignOff", "TillLoan", "NoSale")))
            elif roll < 0.06 and self.recent.get(till.store):
                yield self._return(till)
            else:
                yield self._sale(till, training=self.random.random() < 0.01, status=_status(self.random.random()))

    def _header(self, till: Till) -> etree._Element:
        began = till.clock
        till.clock += timedelta(seconds=self.random.randint(1, self.gap // 2 + 1))
        transaction = etree.Element("Transaction")
        if self.old_names:
            self._sub(transaction, "RetailStoreID", till.store)
        else:
            unit = self._sub(self._sub(transaction, "BusinessUnit"), "UnitID", till.store)
            unit.set("TypeCode", "RetailStore")
        self._sub(transaction, "WorkstationID", till.workstation)
        self._sub(transaction, "SequenceNumber", str(till.sequence))
        self._sub(transaction, "BusinessDayDate", self.day.isoformat())
        self._sub(transaction, "BeginDateTime", began.isoformat())
        self._sub(transaction, "EndDateTime", till.clock.isoformat())
        self._sub(transaction, "OperatorID", f"{1000 + int(till.workstation)}")
        self._sub(transaction, "CurrencyCode", "EUR")
        till.sequence += 1
        till.clock += timedelta(seconds=self.random.randint(1, self.gap))
        return transaction

    def _control(self, till: Till, action: str) -> etree._Element:
        transaction = self._header(till)
        control = self._sub(transaction, "ControlTransaction")
        self._sub(control, action)
        return transaction

    def _flag(self, transaction: etree._Element, name: str, value: bool) -> None:
        if self.old_names:
            self._sub(transaction, name, "true" if value else "false")
        elif value:
            transaction.set(name, "true")

    def _sale(self, till: Till, training: bool, status: str) -> etree._Element:
        transaction = self._header(till)
        self._flag(transaction, "TrainingModeFlag", training)
        self._flag(transaction, "CancelFlag", status == "Canceled")
        body = self._sub(transaction, "RetailTransaction")
        if status != "Finished":
            body.set("TransactionStatus", status)
        total = Decimal(0)
        number = 0
        for _ in range(self.random.randint(1, 8)):
            number += 1
            item = self.random.choice(self.items)
            quantity = self.random.choice((1, 1, 1, 2, 3))
            voided = self.random.random() < 0.03
            coupon = Decimal("0.50") * self.random.randint(1, 4) if self.random.random() < 0.05 else Decimal(0)
            coupon = min(coupon, item.price * quantity)
            amount = item.price * quantity - coupon
            self._line(body, number, "Sale", item, quantity, amount, coupon, voided)
            if not voided:
                total += amount
                if status == "Finished" and not training:
                    self.recent.setdefault(till.store, deque(maxlen=50)).append(
                        (f"{till.workstation}:{till.sequence - 1}", number, item))
        member = None
        if status == "Finished":
            number = self._tenders(body, number, total)
            if self.random.random() < self.card_share:
                member = self.random.randint(1, 5000)
                number += 1
                reward = self._sub(self._line_item(body, number), "LoyaltyReward")
                self._sub(reward, "PromotionID", "BASE")
                self._sub(reward, "PointsAwarded", str(int(total)))
        if status != "Canceled":
            self._total(body, total)
        if member is not None:
            self._sub(self._sub(body, "LoyaltyAccount"), "LoyaltyCardNumber", card_number(member))
        if self.random.random() < 0.3 and self.extensions:
            basket = etree.SubElement(body, f"{{{VENDOR}}}Basket", nsmap={"acme": VENDOR})
            etree.SubElement(basket, f"{{{VENDOR}}}Channel").text = "store"
        return transaction

    def _return(self, till: Till) -> etree._Element:
        """One article of an earlier receipt of the store brought back, refunded in cash."""
        sold_at, line, item = self.random.choice(self.recent[till.store])
        workstation, sequence = sold_at.split(":")
        transaction = self._header(till)
        body = self._sub(transaction, "RetailTransaction")
        returned = self._line(body, 1, "Return", item, 1, item.price, Decimal(0), False)
        link = self._sub(returned, "TransactionLink")
        link.set("ReasonCode", "Return")
        self._sub(link, "WorkstationID", workstation)
        self._sub(link, "SequenceNumber", sequence)
        self._sub(link, "BusinessDayDate", self.day.isoformat())
        self._sub(link, "LineItemSequenceNumber", str(line))
        tender = self._sub(self._line_item(body, 2), "Tender")
        tender.set("TenderType", "Cash")
        tender.set("TypeCode", "Refund")
        self._sub(tender, "Amount", str(-item.price))
        self._total(body, -item.price)
        return transaction

    def _line(self, body: etree._Element, number: int, kind: str, item: Item, quantity: int, amount: Decimal,
              coupon: Decimal, voided: bool) -> etree._Element:
        line_item = self._line_item(body, number)
        if voided:
            line_item.set("VoidFlag", "true")
        line = self._sub(line_item, kind)
        self._sub(line, "ItemID", item.item_id)
        identity = self._sub(line, "POSIdentity")
        identity.set("POSIDType", "GTIN")
        self._sub(identity, "POSItemID", item.gtin)
        self._sub(line, "MerchandiseHierarchy", item.group).set("Level", "Department")
        self._sub(line, "Description", item.description)
        self._sub(line, "RegularSalesUnitPrice", str(item.price))
        sign = -1 if kind == "Return" else 1
        self._sub(line, "ExtendedAmount", str(sign * (amount + coupon)))
        self._sub(line, "Quantity", str(sign * quantity)).set("UnitOfMeasureCode", "EA")
        if coupon:
            modifier = self._sub(line, "RetailPriceModifier")
            self._sub(modifier, "Amount", str(coupon)).set("Action", "Subtract")
            self._sub(self._sub(modifier, "PriceDerivationRule"), "PriceDerivationRuleID", "COUPON")
        tax = (amount * item.tax_rate / (100 + item.tax_rate)).quantize(CENT)
        tax_element = self._sub(line, "Tax")
        tax_element.set("TaxType", "VAT")
        self._sub(tax_element, "TaxableAmount", str(sign * (amount - tax)))
        self._sub(tax_element, "Amount", str(sign * tax))
        self._sub(tax_element, "Percent", str(item.tax_rate))
        shelf = f"{self.random.choice('ABCDEF')}{number}" if self.random.random() < 0.2 else None
        if shelf is not None and self.extensions:
            etree.SubElement(line, f"{{{VENDOR}}}Shelf", nsmap={"acme": VENDOR}).text = shelf
        return line

    def _tenders(self, body: etree._Element, number: int, total: Decimal) -> int:
        roll = self.random.random()
        parts: list[tuple[str, Decimal, Decimal]] = []
        if roll < 0.04 and total > 5:
            parts.append(("LoyaltyPoints", Decimal(5), Decimal(500)))
            total -= 5
        if roll < 0.5:
            paid = (total / 10).to_integral_value(rounding="ROUND_CEILING") * 10
            parts.append(("Cash", paid, Decimal(0)))
        else:
            parts.append(("CreditDebit", total, Decimal(0)))
        for kind, amount, points in parts:
            number += 1
            tender = self._sub(self._line_item(body, number), "Tender")
            tender.set("TenderType", kind)
            self._sub(tender, "Amount", str(amount))
            if points:
                self._sub(self._sub(tender, "LoyaltyRedemption"), "PointsRedeemed", str(points))
            if kind == "Cash" and amount > total:
                self._sub(self._sub(tender, "TenderChange"), "Amount", str(amount - total))
        return number

    def _line_item(self, body: etree._Element, number: int) -> etree._Element:
        line_item = self._sub(body, "LineItem")
        self._sub(line_item, "SequenceNumber", str(number))
        return line_item

    def _total(self, body: etree._Element, total: Decimal) -> None:
        self._sub(body, "Total", str(total)).set("TotalType", "TransactionGrandAmount")

    def _sub(self, parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
        element = etree.SubElement(parent, name)
        if text is not None:
            element.text = text
        return element


def _status(roll: float) -> str:
    if roll < 0.01:
        return "Canceled"
    if roll < 0.02:
        return "Suspended"
    return "Finished"


def write_day(out: IO[bytes], count: int, seed: int = 1, stores: int = 20, tills: int = 6,
              day: date = date(2024, 5, 18), card_share: float = 0.4, old_names: bool = False,
              extensions: bool = True) -> None:
    """Write a POSLog file of ``count`` transactions to ``out``, one transaction at a time.

    Transactions are built without a namespace and written inside a root that declares
    POSLog's as the default, where they read as POSLog elements, as store systems write them.
    """
    generator = DayGenerator(seed, count, stores, tills, day, card_share, old_names, extensions)
    vendor = f' xmlns:acme="{VENDOR}"' if extensions else ""
    out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<POSLog xmlns="{NAMESPACE}"{vendor}>\n'.encode())
    for transaction in generator.transactions():
        out.write(etree.tostring(transaction, encoding="UTF-8", xml_declaration=False))
        out.write(b"\n")
    out.write(b"</POSLog>\n")


@click.command()
@click.option("--count", type=click.IntRange(min=1), default=1000, show_default=True, help="Transactions.")
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same file.")
@click.option("--stores", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--tills", type=click.IntRange(min=1), default=6, show_default=True, help="Tills per store.")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), default="2024-05-18", show_default=True,
              help="Business day.")
@click.option("--card-share", type=click.FloatRange(0, 1), default=0.4, show_default=True,
              help="Share of sales with a loyalty card.")
@click.option("--old-names", is_flag=True, help="Write RetailStoreID and flags as elements (POSLog before 6.0).")
@click.option("--no-extensions", is_flag=True, help="Leave out the vendor extension elements.")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def main(count: int, seed: int, stores: int, tills: int, day: datetime, card_share: float, old_names: bool,
         no_extensions: bool, out: Path) -> None:
    """Write a generated day-end POSLog file of COUNT transactions to OUT."""
    with out.open("wb") as handle:
        write_day(handle, count, seed, stores, tills, day.date(), card_share, old_names, not no_extensions)
    click.echo(f"{out}: {count} transactions")


if __name__ == "__main__":
    main()
