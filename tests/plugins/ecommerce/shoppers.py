"""Shoppers of the simulator tests: who signs up, what they buy."""

from __future__ import annotations

from typing import Any

ANNA = {"email": "anna.schmidt@example.de", "first_name": "Anna", "last_name": "Schmidt", "phone": "+4915112345678",
        "address": {"address1": "Lindenstraße 12", "city": "Berlin", "zip": "10115", "country": "DE"}}
GUEST = {"email": "Lukas.Gruber@Example.AT", "first_name": "Lukas", "last_name": "Gruber",
         "address": {"address1": "Mariahilfer Straße 88", "city": "Wien", "zip": "1070", "country": "AT"}}
TWO_VALVES = [{"sku": "400001", "quantity": 2}]


def basket(*skus: str) -> list[dict[str, Any]]:
    """One of each SKU."""
    return [{"sku": sku, "quantity": 1} for sku in skus]
