"""POSLog ``LineItem``s into the parts of the transaction shape: lines, tenders, receipt
taxes and discounts, loyalty rewards, and the customer and card named on the receipt.

A line item holds one of ``Sale``, ``Return``, ``Tender``, ``Tax``, ``Discount``,
``LoyaltyReward`` (and ``LoyaltyAccount`` or ``Customer`` in some dialects); its
``SequenceNumber`` numbers it on the receipt and ``@VoidFlag`` marks it taken back.
Amounts come out positive, direction is in the kind (the canonical model's rule), so a
return written with negative quantities or amounts reads the same as one written with
positive ones. What each element becomes, and the older names also read, is listed in
``plugins/loyalty_pos/README.md``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from plugins.loyalty_pos.poslog import values
from plugins.loyalty_pos.poslog.elements import Node

ZERO = Decimal(0)


class LineItems:
    """Reads the line items of one retail transaction body into ``shape``."""

    def __init__(self, body: Node, shape: dict[str, Any]) -> None:
        self.body = body
        self.shape = shape
        self.change = ZERO

    def read(self) -> None:
        """Every line item, in order, then the customer and card named on the receipt."""
        dialect = self.body.dialect
        for position, element in enumerate(self.body.children("LineItem"), 1):
            item = Node(dialect, element, f"{self.body.path}/LineItem#{position}")
            number = item.typed("SequenceNumber", values.integer) or position
            item.path = f"{self.body.path}/LineItem[{number}]"
            voided = bool(item.attribute("VoidFlag", values.flag))
            is_line = False
            for name, found in item.index.items():
                reader = _READERS.get(name)
                if reader is None and name not in _CUSTOMER:
                    continue
                for child in found:
                    node = Node(dialect, child, f"{item.path}/{name}")
                    if name in _CUSTOMER:
                        self.customer(node)
                    elif reader is not None:
                        reader(self, node, item, number, voided)
                        if name in _LINES:
                            is_line = True
                        else:
                            node.keep_extensions(self.shape["extensions"], f"LineItem[{number}]/{name}/")
            if not is_line:
                item.keep_extensions(self.shape["extensions"], f"LineItem[{number}]/")
        for name in _CUSTOMER:
            customer = self.body.child(name)
            if customer is not None:
                self.customer(customer)
        if self.change:
            self.shape["change"] = self.change

    def sale(self, node: Node, item: Node, number: int, voided: bool) -> None:
        """A ``Sale``: one line of the receipt, with its signs as written (a negative
        quantity on a sale is refused by the model, never turned into a return)."""
        self.line(node, item, number, voided, is_return=False)

    def return_line(self, node: Node, item: Node, number: int, voided: bool) -> None:
        """A ``Return``: one line giving money back; quantities and amounts made positive."""
        self.line(node, item, number, voided, is_return=True)

    def line(self, node: Node, item: Node, number: int, voided: bool, is_return: bool) -> None:
        """One line: ``amount`` is ExtendedAmount less the line's RetailPriceModifiers.

        ExtendedDiscountAmount is not used: POS vendors fill it with the discount, with
        the amount after it, or with something else again.
        """
        sign = abs if is_return else _same
        quantity_node = node.child("Quantity")
        quantity = sign(node.typed("Quantity", values.decimal) or Decimal(1))
        regular = node.typed("RegularSalesUnitPrice", values.decimal)
        actual = node.typed("ActualSalesUnitPrice", values.decimal)
        unit_price = next((p for p in (actual, regular, node.typed("UnitListPrice", values.decimal))
                           if p is not None), None)
        if unit_price is None:
            raise node.problem("no price: ActualSalesUnitPrice, RegularSalesUnitPrice or UnitListPrice is needed")
        extended = node.typed("ExtendedAmount", values.decimal)
        if extended is None:
            extended = unit_price * quantity
        discounts = [self.modifier(Node(node.dialect, m, f"{node.path}/RetailPriceModifier"))
                     for m in node.children("RetailPriceModifier")]
        line: dict[str, Any] = {
            "line": number, "kind": "return" if is_return else "sale",
            "item_id": node.text("ItemID") or _pos_item_id(node), "gtin": _gtin(node),
            "description": node.text("Description"), "product_group": node.text("MerchandiseHierarchy"),
            "quantity": quantity,
            "unit": None if quantity_node is None else quantity_node.element.get("UnitOfMeasureCode"),
            "regular_unit_price": None if regular is None else sign(regular), "unit_price": sign(unit_price),
            "amount": sign(extended) - sum((d["amount"] for d in discounts), ZERO), "discounts": discounts,
            "taxes": [t for t in (self.tax(Node(node.dialect, e, f"{node.path}/Tax")) for e in node.children("Tax"))
                      if t is not None],
            "voided": voided, "extensions": {},
        }
        if is_return:
            link = node.child("TransactionLink")
            if link is not None:
                line["returned_from"] = self.link(link)
        node.keep_extensions(line["extensions"])
        item.keep_extensions(line["extensions"])
        self.shape["lines"].append(line)

    def modifier(self, node: Node) -> dict[str, Any]:
        """A ``RetailPriceModifier``: a discount (or, with ``Action="Add"``, a surcharge)."""
        amount_node = node.child("Amount")
        amount = node.typed("Amount", values.decimal)
        if amount is None or amount_node is None:
            raise node.problem("a price modifier needs an Amount")
        surcharge = amount_node.element.get("Action") == "Add"
        return {"reason": _reason(node) or node.element.get("MethodCode") or "RetailPriceModifier",
                "amount": -abs(amount) if surcharge else abs(amount), "coupon": node.text("CouponNumber")}

    def tax(self, node: Node) -> dict[str, Any] | None:
        """A ``Tax``; only one with both ``Percent`` and ``Amount`` becomes a tax of the shape
        (the canonical tax needs both; the kept payload holds the rest)."""
        rate = node.typed("Percent", values.decimal)
        amount = node.typed("Amount", values.decimal)
        if rate is None or amount is None:
            return None
        return {"code": node.text("TaxGroupID") or node.element.get("TaxType") or "TAX", "rate": rate,
                "amount": abs(amount), "base": _abs(node.typed("TaxableAmount", values.decimal))}

    def link(self, node: Node) -> dict[str, Any]:
        """A ``TransactionLink``: the receipt a returned item was sold on."""
        unit = node.child("BusinessUnit")
        return {"store": (unit.text("UnitID") if unit is not None else None) or node.text("RetailStoreID"),
                "workstation": node.text("WorkstationID"), "sequence_number": node.text("SequenceNumber"),
                "business_day": _iso(node.typed("BusinessDayDate", values.day)),
                "line": node.typed("LineItemSequenceNumber", values.integer)}

    def tender(self, node: Node, item: Node, number: int, voided: bool) -> None:
        """A ``Tender``: one payment, and the change given back from it."""
        kind = node.element.get("TenderType") or node.text("TenderType") or node.text("TenderID")
        if kind is None:
            raise node.problem("a tender needs its TenderType")
        amount = node.typed("Amount", values.decimal)
        if amount is None:
            raise node.problem("a tender needs an Amount")
        change = node.child("TenderChange")
        if change is not None and not voided:
            self.change += abs(change.typed("Amount", values.decimal) or ZERO)
        card = node.child("CreditDebit")
        redemption = node.child("LoyaltyRedemption")
        points = redemption.typed("PointsRedeemed", values.decimal) if redemption is not None \
            else node.typed("Points", values.decimal)
        self.shape["tenders"].append({
            "type": kind, "amount": abs(amount), "points": _abs(points), "voided": voided,
            "card_brand": None if card is None else card.element.get("TypeCode"),
            "card_masked": None if card is None else _masked(card.text("PrimaryAccountNumber")),
        })

    def receipt_tax(self, node: Node, item: Node, number: int, voided: bool) -> None:
        """A ``Tax`` line item: tax of the whole receipt at one rate."""
        tax = self.tax(node)
        if tax is not None and not voided:
            self.shape["taxes"].append(tax)

    def discount(self, node: Node, item: Node, number: int, voided: bool) -> None:
        """A ``Discount`` line item: a discount on the whole receipt."""
        amount = node.typed("Amount", values.decimal)
        if amount is None:
            raise node.problem("a discount needs an Amount")
        if not voided:
            self.shape["discounts"].append({"reason": _reason(node) or "Discount", "amount": abs(amount),
                                            "coupon": node.text("CouponNumber")})

    def reward(self, node: Node, item: Node, number: int, voided: bool) -> None:
        """A ``LoyaltyReward``: points or a promotion the POS granted itself."""
        if voided:
            return
        self.shape["rewards"].append({
            "line": number, "promotion": node.first_text("PromotionID", "LoyaltyProgramID"),
            "reason": node.text("ReasonCode"), "points": _abs(node.typed("PointsAwarded", values.decimal)),
            "amount": _abs(node.typed("Amount", values.decimal)),
        })

    def customer(self, node: Node) -> None:
        """A ``LoyaltyAccount`` or ``Customer``: who bought, and with which card."""
        customer = node.text("CustomerID")
        card = node.first_text("LoyaltyCardNumber", "LoyaltyCardID", "LoyaltyAccountID")
        if customer is not None:
            self.shape["customer"] = customer
        if card is not None:
            self.shape["loyalty_card"] = card


_LINES = ("Sale", "Return")
_CUSTOMER = ("LoyaltyAccount", "Customer")
_READERS = {
    "Sale": LineItems.sale, "Return": LineItems.return_line, "Tender": LineItems.tender, "Tax": LineItems.receipt_tax,
    "Discount": LineItems.discount, "LoyaltyReward": LineItems.reward,
}


def _pos_item_id(node: Node) -> str | None:
    identity = node.child("POSIdentity")
    return None if identity is None else identity.text("POSItemID")


def _gtin(node: Node) -> str | None:
    """The GTIN: a ``POSIdentity`` of POSIDType GTIN, or a ``SerialNumber`` or ``ItemID`` typed so."""
    for identity in node.children("POSIdentity"):
        if identity.get("POSIDType") == "GTIN":
            return Node(node.dialect, identity, node.path).text("POSItemID")
    for name in ("SerialNumber", "ItemID"):
        for element in node.children(name):
            if "GTIN" in (element.get("Type"), element.get("Name")):
                return (element.text or "").strip() or None
    return None


def _reason(node: Node) -> str | None:
    rule = node.child("PriceDerivationRule")
    found = rule.first_text("PriceDerivationRuleID", "ReasonCode") if rule is not None else None
    return found or node.text("ReasonCode")


def _masked(number: str | None) -> str | None:
    """A card number with all but its last four digits hidden (a full number is never kept)."""
    if number is None:
        return None
    digits = "".join(c for c in number if c.isdigit())
    return "****" + digits[-4:]


def _same(value: Decimal) -> Decimal:
    return value


def _abs(value: Decimal | None) -> Decimal | None:
    return None if value is None else abs(value)


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()
