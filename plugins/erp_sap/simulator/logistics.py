"""What the simulated ERP ships and keeps in stock, and the IDocs that report it.

- DESADV (basic type DELVRY05): one outbound delivery per order, in full, from plant
  1000 storage location 0001, with the forwarding agent as partner SP (number and name),
  the parcel number in BOLNR, goods issue as deadline 006 (ISDD/ISDZ) and the planned
  delivery date as 007 (NTANF); each item refers to its sales order item (E1EDL43 C)
  and to the customer's order and item number (E1EDL41 001: BSTNR, BSTDT, POSEX).
- LOISTD (basic type LOISTD01): the stock of one material in a plant, as the MRP
  stock/requirements list: E1MDSTL with base unit and blocked stock, and the plant stock
  as MRP element DELKZ WB (E1MDPSL MNG01 with storage location LGORT).
Every generated material starts with a stock that depends on its number; a delivery
takes its quantities off (stock may go negative, as SAP allows in some plants).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from lxml import etree

from plugins.erp_sap.simulator.followup_idocs import delivery_date
from plugins.erp_sap.simulator.idocxml import DEFAULT_PARTNERS, Partners, new_idoc, segment
from plugins.erp_sap.simulator.masterdata import product, product_index
from plugins.erp_sap.simulator.state import StoredOrder

PLANT = "1000"
STORAGE_LOCATION = "0001"


@dataclass(frozen=True)
class Shipping:
    """How the simulator ships: its forwarding agent (partner SP) and parcel numbers.

    ``tracking`` is a format string for the parcel number (BOLNR), given the delivery
    number (``{delivery}``); None ships without one.
    """

    carrier: str = "DHL Paket"
    carrier_number: str = "0000700001"
    tracking: str | None = "JJD0099{delivery}"


DEFAULT_SHIPPING = Shipping()
"""How the simulator ships unless told otherwise."""


class Stock:
    """Unrestricted stock per material in plant 1000 / storage location 0001."""

    def __init__(self, seed: int = 1) -> None:
        self.seed = seed
        self._taken: dict[str, Decimal] = {}
        self._set: dict[str, Decimal] = {}
        self._lock = threading.Lock()

    @staticmethod
    def initial(material: str) -> Decimal:
        """A generated material's opening stock: 40 to 239 pieces, by its number."""
        index = product_index(material)
        return Decimal(40 + (index * 37) % 200) if index is not None else Decimal(0)

    def level(self, material: str) -> Decimal:
        """The material's unrestricted stock now."""
        with self._lock:
            base = self._set.get(material, self.initial(material))
            return base - self._taken.get(material, Decimal(0))

    def take(self, material: str, quantity: Decimal) -> None:
        """Post a goods issue of ``quantity``."""
        with self._lock:
            self._taken[material] = self._taken.get(material, Decimal(0)) + quantity

    def put(self, material: str, quantity: Decimal) -> None:
        """Set the material's stock to ``quantity`` (a physical inventory count)."""
        with self._lock:
            self._set[material] = quantity
            self._taken.pop(material, None)


def _date(value: datetime) -> str:
    return value.strftime("%Y%m%d")


def desadv_idoc(order: StoredOrder, delivery_number: str, docnum: str, shipping: Shipping,
                shipped_at: datetime | None = None, partners: Partners = DEFAULT_PARTNERS) -> etree._Element:
    """The shipping notification for delivering all of ``order``."""
    shipped = shipped_at or datetime.now(UTC)
    req = order.request
    tracking = shipping.tracking.format(delivery=delivery_number) if shipping.tracking else None
    idoc = new_idoc("DELVRY05", "DESADV", docnum, shipped, partners)
    head = segment(idoc, "E1EDL20", [("VBELN", delivery_number), ("VSTEL", PLANT), ("VKORG", req.sales_org),
                                     ("BOLNR", tracking)])
    segment(head, "E1ADRM1", [("PARTNER_Q", "AG"), ("PARTNER_ID", req.sold_to)])
    segment(head, "E1ADRM1", [("PARTNER_Q", "WE"), ("PARTNER_ID", req.ship_to or req.sold_to)])
    segment(head, "E1ADRM1", [("PARTNER_Q", "SP"), ("PARTNER_ID", shipping.carrier_number),
                              ("NAME1", shipping.carrier)])
    segment(head, "E1EDT13", [("QUALF", "006"), ("ISDD", _date(shipped)), ("ISDZ", shipped.strftime("%H%M%S"))])
    segment(head, "E1EDT13", [("QUALF", "007"), ("NTANF", _date(datetime.combine(delivery_date(order),
                                                                                   datetime.min.time())))])
    for n, item in enumerate(req.items, start=1):
        index = product_index(item.material)
        text = product(index).description_en if index is not None else None
        pos = segment(head, "E1EDL24", [
            ("POSNR", f"{900000 + n:06d}"), ("MATNR", item.material), ("ARKTX", text), ("WERKS", PLANT),
            ("LGORT", STORAGE_LOCATION), ("LFIMG", item.quantity), ("VRKME", item.unit), ("POSEX", item.item_id),
        ])
        segment(pos, "E1EDL43", [("QUALF", "C"), ("BELNR", order.erp_id), ("POSNR", item.item_id)])
        segment(pos, "E1EDL41", [("QUALI", "001"), ("BSTNR", req.buyer_id),
                                 ("BSTDT", req.buyer_date.strftime("%Y%m%d") if req.buyer_date else None),
                                 ("POSEX", item.item_id)])
    return idoc


def loistd_idoc(material: str, unit: str, available: Decimal, docnum: str, created: datetime | None = None,
                partners: Partners = DEFAULT_PARTNERS) -> etree._Element:
    """The stock/requirements list header of ``material`` in plant 1000 with its plant stock."""
    idoc = new_idoc("LOISTD01", "LOISTD", docnum, created, partners)
    head = segment(idoc, "E1MDSTL", [("MATNR", material), ("WERKS", PLANT), ("MEINS", unit), ("SPEME", "0")])
    plan = segment(head, "E1PLSEL", [("PLAAB", "02")])
    sign = "-" if available < 0 else ""
    segment(plan, "E1MDPSL", [("DELKZ", "WB"), ("MNG01", f"{abs(available)}{sign}"), ("LGORT", STORAGE_LOCATION)])
    return idoc
