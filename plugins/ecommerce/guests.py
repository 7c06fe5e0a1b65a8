"""The guest handler: a guest's order finds its partner by e-mail, or makes one.

The codec puts a ``PLATFORM:guest`` document before each order placed without a
customer account (``codecs.guests``). This handler, inside the transaction that posts
the order right after, looks the lower-cased e-mail up in the key map under object
type ``guest``; when it is not there, it writes a partner from the order's billing
details through master data (whose duplicate check finds a partner that already has
this e-mail, e.g. a registered customer or a guest of another shop) and links the
e-mail to it. The order's mapping then finds its sold-to. A guest without an e-mail
is left alone: the order is refused for its missing sold-to, naming it.
"""

from __future__ import annotations

from typing import Any

from hub.api import (
    DocumentError,
    MessageHandler,
    Partner,
    PluginContext,
    PluginTransaction,
    RawDocument,
    validate_document,
)

GUEST = "guest"
"""The key map's object type for a guest's lower-cased e-mail."""


def _billing(platform: str, order: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The order's e-mail and its billing address as the platform writes it."""
    if platform == "shopify":
        address = order.get("billing_address") or order.get("shipping_address") or {}
        email = order.get("email") or order.get("contact_email")
        return email, {"first_name": address.get("first_name"), "last_name": address.get("last_name"),
                       "phone": address.get("phone") or order.get("phone"),
                       "street": ", ".join(p for p in (address.get("address1"), address.get("address2")) if p),
                       "postal_code": address.get("zip"), "city": address.get("city"),
                       "region": address.get("province_code"), "country": address.get("country_code")}
    billing = order.get("billing") or {}
    return billing.get("email"), {
        "first_name": billing.get("first_name"), "last_name": billing.get("last_name"), "phone": billing.get("phone"),
        "street": ", ".join(p for p in (billing.get("address_1"), billing.get("address_2")) if p),
        "postal_code": billing.get("postcode"), "city": billing.get("city"), "region": billing.get("state") or None,
        "country": billing.get("country") or None}


def guest_partner(platform: str, order: dict[str, Any], where: str) -> tuple[str, Partner] | None:
    """The guest's e-mail key and a partner made from the order's billing details, or
    None when the order has no e-mail. ``DocumentError`` when the details are not a partner."""
    email, billing = _billing(platform, order)
    if not isinstance(email, str) or not email.strip():
        return None
    data: dict[str, Any] = {
        "kind": "person", "roles": ["sold_to", "ship_to", "bill_to"], "emails": [email.strip()],
        "first_name": billing["first_name"] or None, "last_name": billing["last_name"] or email.strip(),
    }
    address = {key: billing[key] or None for key in ("street", "postal_code", "city", "region", "country")}
    if any(address.values()):
        data["addresses"] = [{"kind": "main", **address}]
    if billing["phone"]:
        data["phones"] = [{"number": billing["phone"]}]
    partner = validate_document("partner", data, where)
    assert isinstance(partner, Partner)
    return email.strip().lower(), partner


def guest_handler(context: PluginContext) -> MessageHandler:
    """The ``PLATFORM:guest`` handler."""

    def handle(transaction: PluginTransaction, raw: RawDocument) -> str:
        platform = raw.message_type.split(":")[0]
        order = raw.body.get("order")
        where = f"{raw.message_type} {raw.document_id}"
        if not isinstance(order, dict):
            raise DocumentError(where, "order", "expected the guest's order")
        found = guest_partner(platform, order, where)
        if found is None:
            return "guest order without e-mail: no partner to find"
        key, partner = found
        known = transaction.find(GUEST, key)
        if known is not None:
            return f"guest {key}: partner {known}"
        [written] = transaction.upsert([partner])
        transaction.link(GUEST, key, written.hub_id)
        return f"guest {key}: partner {written.hub_id} ({'created' if written.created else 'found by e-mail'})"

    return handle
