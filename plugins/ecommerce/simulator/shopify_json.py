"""Shopify's Admin REST shapes of the simulator's objects: customers, addresses, line
items, products and variants, with money as decimal strings and ids as numbers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from plugins.ecommerce.simulator.state import Variant, cents


def gid(kind: str, object_id: int) -> str:
    """The GraphQL id every REST object carries."""
    return f"gid://shopify/{kind}/{object_id}"


def money_set(amount: str, currency: str) -> dict[str, Any]:
    """``price_set`` and friends: the amount in shop and presentment currency."""
    return {"shop_money": {"amount": amount, "currency_code": currency},
            "presentment_money": {"amount": amount, "currency_code": currency}}


def when(moment: datetime | None) -> str | None:
    """A time as Shopify writes it (seconds, with offset)."""
    return None if moment is None else moment.isoformat()


def address(given: dict[str, Any], address_id: int | None = None, customer_id: int | None = None,
            default: bool = False) -> dict[str, Any]:
    """A customer or order address from the simulator's input (address1, zip, country...)."""
    first, last = given.get("first_name"), given.get("last_name")
    shaped = {"first_name": first, "last_name": last, "company": given.get("company"),
              "address1": given.get("address1"), "address2": given.get("address2") or "",
              "city": given.get("city"), "province": None, "country": given.get("country"),
              "zip": given.get("zip"), "phone": given.get("phone"),
              "name": " ".join(p for p in (first, last) if p), "province_code": given.get("region"),
              "country_code": given.get("country")}
    if address_id is not None:
        shaped = {"id": address_id, "customer_id": customer_id, **shaped, "country_name": given.get("country"),
                  "default": default}
    return shaped


def customer(customer_id: int, given: dict[str, Any], address_id: int, currency: str,
             moment: datetime) -> dict[str, Any]:
    """A new customer as ``customers/create`` carries it."""
    home = address({**given, **given.get("address", {})}, address_id, customer_id, default=True)
    consent = "subscribed" if given.get("accepts_marketing") else "not_subscribed"
    return {"id": customer_id, "email": given.get("email"), "created_at": when(moment), "updated_at": when(moment),
            "first_name": given.get("first_name"), "last_name": given.get("last_name"), "orders_count": 0,
            "state": "enabled", "total_spent": "0.00", "last_order_id": None, "note": None, "verified_email": True,
            "multipass_identifier": None, "tax_exempt": False, "tags": given.get("tags", ""),
            "last_order_name": None, "currency": currency, "phone": given.get("phone"), "addresses": [home],
            "tax_exemptions": [],
            "email_marketing_consent": {"state": consent, "opt_in_level": "single_opt_in",
                                        "consent_updated_at": when(moment)},
            "sms_marketing_consent": None, "admin_graphql_api_id": gid("Customer", customer_id),
            "default_address": home}


def embedded_customer(stored: dict[str, Any]) -> dict[str, Any]:
    """The customer as an order embeds it (without addresses and order counts)."""
    left_out = {"addresses", "orders_count", "total_spent", "last_order_id", "last_order_name"}
    return {key: value for key, value in stored.items() if key not in left_out}


def tax_line(amount: Decimal, rate: Decimal, currency: str) -> dict[str, Any]:
    """One tax on a line: Shopify writes its rate as a fraction (0.19)."""
    price = cents(amount)
    return {"price": price, "rate": float(rate), "title": "VAT", "price_set": money_set(price, currency),
            "channel_liable": False}


def line_item(line_id: int, variant: Variant, quantity: int, tax: Decimal, rate: Decimal,
              currency: str) -> dict[str, Any]:
    """One ordered variant."""
    price = cents(variant.price)
    return {"id": line_id, "admin_graphql_api_id": gid("LineItem", line_id), "current_quantity": quantity,
            "fulfillable_quantity": quantity, "fulfillment_service": "manual", "fulfillment_status": None,
            "gift_card": False, "grams": 0, "name": variant.title, "price": price,
            "price_set": money_set(price, currency), "product_exists": True, "product_id": variant.product_id,
            "properties": [], "quantity": quantity, "requires_shipping": True, "sku": variant.sku, "taxable": True,
            "title": variant.title, "total_discount": "0.00", "total_discount_set": money_set("0.00", currency),
            "variant_id": variant.variant_id, "variant_inventory_management": "shopify", "variant_title": None,
            "vendor": None, "tax_lines": [tax_line(tax, rate, currency)], "duties": [], "discount_allocations": []}


def variant(v: Variant, moment: datetime) -> dict[str, Any]:
    """A product variant with its price and stock (summed over locations)."""
    stock = sum(v.stock.values())
    return {"id": v.variant_id, "product_id": v.product_id, "title": "Default Title", "price": cents(v.price),
            "sku": v.sku, "position": 1, "inventory_policy": "deny", "compare_at_price": None,
            "fulfillment_service": "manual", "inventory_management": "shopify", "option1": "Default Title",
            "option2": None, "option3": None, "created_at": when(moment), "updated_at": when(moment),
            "taxable": True, "barcode": None, "grams": 0, "weight": 0.0, "weight_unit": "kg",
            "inventory_item_id": v.inventory_item_id, "inventory_quantity": stock, "old_inventory_quantity": stock,
            "requires_shipping": True, "admin_graphql_api_id": gid("ProductVariant", v.variant_id)}


def product(v: Variant, moment: datetime) -> dict[str, Any]:
    """A product with its one variant."""
    handle = "-".join(v.title.lower().split())
    return {"id": v.product_id, "title": v.title, "body_html": "", "vendor": "", "product_type": "",
            "created_at": when(moment), "handle": handle, "updated_at": when(moment), "published_at": when(moment),
            "template_suffix": None, "published_scope": "web", "tags": "", "status": "active",
            "admin_graphql_api_id": gid("Product", v.product_id), "variants": [variant(v, moment)],
            "options": [{"id": v.product_id, "product_id": v.product_id, "name": "Title", "position": 1,
                         "values": ["Default Title"]}], "images": [], "image": None}
