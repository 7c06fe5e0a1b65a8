"""WooCommerce REST API v3 shapes of the simulator's objects: customers, addresses,
order lines, refunds and products. Money is a decimal string, except a line's ``price``,
which WooCommerce sends as a JSON number; times come twice, site time and GMT (the
simulated site runs on UTC, so they agree), without an offset."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from plugins.ecommerce.simulator.state import Variant, cents

ADDRESS_FIELDS = ("first_name", "last_name", "company", "address_1", "address_2", "city", "state", "postcode",
                  "country")


def when(moment: datetime | None) -> str | None:
    """A time as WooCommerce writes it: no offset."""
    return None if moment is None else moment.replace(tzinfo=None).isoformat()


def dated(prefix: str, moment: datetime | None) -> dict[str, str | None]:
    """``date_created`` and ``date_created_gmt`` (or another prefix)."""
    return {prefix: when(moment), f"{prefix}_gmt": when(moment)}


def links(site: str, path: str) -> dict[str, Any]:
    """The ``_links`` every object carries."""
    collection = path.rsplit("/", 1)[0]
    return {"self": [{"href": f"{site}/wp-json/wc/v3/{path}"}],
            "collection": [{"href": f"{site}/wp-json/wc/v3/{collection}"}]}


def address(given: dict[str, Any], email: str | None = None, with_phone: bool = True) -> dict[str, Any]:
    """A billing (with email) or shipping address; unset fields are "" as WooCommerce sends them."""
    source = {"first_name": given.get("first_name"), "last_name": given.get("last_name"),
              "company": given.get("company"), "address_1": given.get("address1"),
              "address_2": given.get("address2"), "city": given.get("city"), "state": given.get("region"),
              "postcode": given.get("zip"), "country": given.get("country")}
    shaped = {key: source[key] or "" for key in ADDRESS_FIELDS}
    if email is not None:
        shaped["email"] = email
    if with_phone:
        shaped["phone"] = given.get("phone") or ""
    return shaped


def customer(site: str, customer_id: int, given: dict[str, Any], moment: datetime) -> dict[str, Any]:
    """A new customer as ``customer.created`` carries it."""
    where = {**given, **given.get("address", {})}
    email = given.get("email") or ""
    return {"id": customer_id, **dated("date_created", moment), **dated("date_modified", moment),
            "email": email, "first_name": given.get("first_name") or "", "last_name": given.get("last_name") or "",
            "role": "customer", "username": email.split("@")[0], "billing": address(where, email),
            "shipping": address(where), "is_paying_customer": False,
            "avatar_url": "https://secure.gravatar.com/avatar/?s=96&d=mm&r=g", "meta_data": [],
            "_links": links(site, f"customers/{customer_id}")}


def line_item(line_id: int, variant: Variant, quantity: int, tax: Decimal, rate_id: int) -> dict[str, Any]:
    """One ordered product, its totals before tax and the tax on them."""
    total = variant.price * quantity
    return {"id": line_id, "name": variant.title, "product_id": variant.product_id, "variation_id": 0,
            "quantity": quantity, "tax_class": "", "subtotal": cents(total), "subtotal_tax": cents(tax),
            "total": cents(total), "total_tax": cents(tax),
            "taxes": [{"id": rate_id, "total": cents(tax), "subtotal": cents(tax)}], "meta_data": [],
            "sku": variant.sku, "price": float(variant.price), "image": {"id": "", "src": ""}, "parent_name": None}


def refund_line(line_id: int, item: dict[str, Any], quantity: int, rate_id: int) -> dict[str, Any]:
    """A refunded order line: WooCommerce writes its quantity and money negative."""
    share = Decimal(quantity) / Decimal(item["quantity"])
    total, tax = Decimal(item["total"]) * share, Decimal(item["total_tax"]) * share
    return {"id": line_id, "name": item["name"], "product_id": item["product_id"], "variation_id": 0,
            "quantity": -quantity, "tax_class": "", "subtotal": cents(-total), "subtotal_tax": cents(-tax),
            "total": cents(-total), "total_tax": cents(-tax),
            "taxes": [{"id": rate_id, "total": cents(-tax), "subtotal": cents(-tax)}],
            "meta_data": [{"id": line_id, "key": "_refunded_item_id", "value": str(item["id"])}],
            "sku": item["sku"], "price": -item["price"]}


def product(site: str, v: Variant, moment: datetime) -> dict[str, Any]:
    """A simple product with its price and stock (summed over locations)."""
    stock = sum(v.stock.values())
    slug = "-".join(v.title.lower().split())
    return {"id": v.product_id, "name": v.title, "slug": slug, "permalink": f"{site}/product/{slug}/",
            **dated("date_created", moment), **dated("date_modified", moment), "type": "simple",
            "status": "publish", "sku": v.sku, "price": cents(v.price), "regular_price": cents(v.price),
            "sale_price": "", "on_sale": False, "purchasable": True, "tax_status": "taxable", "tax_class": "",
            "manage_stock": True, "stock_quantity": stock, "stock_status": "instock" if stock > 0 else "outofstock",
            "backorders": "no", "variations": [], "meta_data": [], "_links": links(site, f"products/{v.product_id}")}
