"""What every simulated shop holds, whatever its platform: catalogue, stock, customers,
orders, ids and time.

The objects themselves are kept in the platform's own JSON shape (``shopify_shop``,
``woocommerce_shop``), so the REST API and the webhooks send exactly what is stored.
Every change happens under the simulator's one lock and raises events (topic + object)
that the webhook sender signs and delivers; what the hub pushes back goes to the
recorder. Modification times only ever move forward, one second at least per change of
an object, so two versions of an object are always told apart by their time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import count
from typing import Any

from plugins.ecommerce.simulator.config import ShopSpec
from plugins.ecommerce.simulator.recorder import Recorder

EventSink = Callable[[str, str, dict[str, Any]], None]
"""``emit(shop, topic, object)``: a change the shop's webhooks announce."""

CENT = Decimal("0.01")


class SimError(ValueError):
    """A request the shop refuses: ``status`` is the HTTP status its API answers with."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def cents(amount: Decimal) -> str:
    """``amount`` rounded to cents as the platforms write money: ``"24.95"``."""
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


class Ids:
    """Id counters: Shopify's ids are unique across all shops, WooCommerce's per site."""

    _BASES = {"order": 5_600_000_000_000, "line": 13_800_000_000_000, "customer": 7_000_000_000_000,
              "address": 9_000_000_000_000, "product": 8_000_000_000_000, "variant": 44_000_000_000_000,
              "inventory_item": 46_000_000_000_000, "location": 70_000_000_000, "fulfillment": 5_100_000_000_000,
              "fulfillment_order": 6_300_000_000_000, "refund": 980_000_000_000, "transaction": 7_010_000_000_000,
              "webhook": 1_100_000_000_000, "shipping_line": 4_400_000_000_000}

    def __init__(self, small: bool) -> None:
        self._small = small
        self._counters: dict[str, count[int]] = {}

    def next(self, kind: str) -> int:
        """The next id of ``kind``."""
        if kind not in self._counters:
            start = (10 if kind == "customer" else 100) if self._small else self._BASES.get(kind, 1_000_000_000)
            self._counters[kind] = count(start + 1)
        return next(self._counters[kind])


@dataclass
class Variant:
    """A sellable variant of a product: SKU, price and stock per location."""

    product_id: int
    variant_id: int
    inventory_item_id: int
    sku: str
    title: str
    price: Decimal
    stock: dict[int, int] = field(default_factory=dict)


class ShopBase:
    """The parts of a simulated shop both platforms share."""

    platform: str

    def __init__(self, spec: ShopSpec, ids: Ids, emit: EventSink, recorder: Recorder,
                 lock: threading.RLock) -> None:
        self.spec = spec
        self.name = spec.name
        self.ids = ids
        self.lock = lock
        self._emit = emit
        self._recorder = recorder
        self.locations = {ids.next("location"): name for name in spec.locations}
        self.catalogue: dict[str, Variant] = {}
        first = next(iter(self.locations))
        for product in spec.products:
            self.catalogue[product.sku] = Variant(ids.next("product"), ids.next("variant"), ids.next("inventory_item"),
                                                  product.sku, product.title, product.price, {first: product.stock})
        self.opened = datetime.now(UTC).replace(microsecond=0)
        """When the shop opened: the creation time of its catalogue."""
        self.customers: dict[int, dict[str, Any]] = {}
        self.orders: dict[int, dict[str, Any]] = {}
        self.refunds: dict[int, list[dict[str, Any]]] = {}
        self._last_time: dict[tuple[str, int], datetime] = {}

    # -- time ------------------------------------------------------------------------
    def stamp(self, kind: str, object_id: int) -> datetime:
        """Now, but at least one second after the object's previous modification."""
        now = datetime.now(UTC).replace(microsecond=0)
        previous = self._last_time.get((kind, object_id))
        if previous is not None and now <= previous:
            now = previous + timedelta(seconds=1)
        self._last_time[(kind, object_id)] = now
        return now

    # -- catalogue ---------------------------------------------------------------------
    def variant(self, sku: str) -> Variant:
        """The variant with ``sku``; 422 when the shop sells no such thing."""
        try:
            return self.catalogue[sku]
        except KeyError:
            raise SimError(f"shop {self.name} sells no SKU {sku!r}") from None

    def by_variant_id(self, variant_id: int) -> Variant:
        """The variant with ``variant_id``; 404 otherwise."""
        found = next((v for v in self.catalogue.values() if v.variant_id == variant_id), None)
        if found is None:
            raise SimError(f"no variant {variant_id}", 404)
        return found

    def take_stock(self, variant: Variant, quantity: int) -> None:
        """An order takes its quantity from the first location, as the shops do by default."""
        location = next(iter(self.locations))
        variant.stock[location] = variant.stock.get(location, 0) - quantity

    # -- objects -----------------------------------------------------------------------
    def order(self, order_id: int) -> dict[str, Any]:
        """The stored order ``order_id``; 404 when there is none."""
        try:
            return self.orders[order_id]
        except KeyError:
            raise SimError(f"no order {order_id} in shop {self.name}", 404) from None

    def customer(self, customer_id: int) -> dict[str, Any]:
        """The stored customer ``customer_id``; 404 when there is none."""
        try:
            return self.customers[customer_id]
        except KeyError:
            raise SimError(f"no customer {customer_id} in shop {self.name}", 404) from None

    # -- what goes out -----------------------------------------------------------------
    def emit(self, topic: str, obj: dict[str, Any]) -> None:
        """Announce a change to the shop's webhook subscriptions."""
        self._emit(self.name, topic, obj)

    def record(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Keep what the hub pushed (a fulfilment, a stock level, a price, a status)."""
        return self._recorder.add(self.name, self.platform, kind, fields)


def quantity(value: Any, what: str = "quantity") -> int:
    """A positive whole quantity from a request; 422 otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise SimError(f"{what} must be a positive whole number, got {value!r}")
    return value
