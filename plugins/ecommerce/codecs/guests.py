"""Guest checkouts: the extra document that finds or makes the guest's partner first.

An order placed without a customer account (Shopify: no ``customer``; WooCommerce:
``customer_id`` 0) names its buyer only by e-mail. The order tables look its sold-to up
in the key map under object type ``guest`` and the lower-cased e-mail, so something
must put the partner there before the order is mapped. The codec therefore puts a
``PLATFORM:guest`` document right before each guest order, read from the same object;
the plugin's handler for that message type (``plugins.ecommerce.guests``) finds the
partner by e-mail or creates it, in the transaction that then posts the order.
"""

from __future__ import annotations

from typing import Any

from hub.api import RawDocument

GUEST_EVENT = "guest"


def guest_message_type(platform: str) -> str:
    """The message type of the guest document of ``platform``'s orders."""
    return f"{platform}:{GUEST_EVENT}"


def is_guest(platform: str, order: dict[str, Any]) -> bool:
    """Whether ``order`` was placed without a customer account."""
    if platform == "shopify":
        customer = order.get("customer")
        return not (isinstance(customer, dict) and customer.get("id"))
    return order.get("customer_id") in (0, "0", None)


def guest_of(order: RawDocument) -> list[RawDocument]:
    """The guest document to post before ``order`` (a raw order document), or none."""
    platform = order.message_type.split(":")[0]
    obj = order.body.get("order")
    if not isinstance(obj, dict) or not is_guest(platform, obj):
        return []
    control = {key: value for key, value in order.control.items() if key != "modified_at"}
    return [RawDocument(system=order.system, message_type=guest_message_type(platform), document_id=order.document_id,
                        format="json", body=order.body, control=control, source=order.source, payload=order.payload,
                        dedupe_key=f"{order.dedupe_key}:{GUEST_EVENT}")]
