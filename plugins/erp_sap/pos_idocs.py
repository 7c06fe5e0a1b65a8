"""The POS IDocs the hub builds itself: WPUUMS01 from a store's day of sales, and the
control fields that name a store as the sender of any POS IDoc.

A day's totals are no canonical document (they add up many receipts), so no mapping
table renders them; the segments are SAP's (E1WPU01 the day and currency, E1WPU02 per
article its quantity and sales value, each with its sign).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub.api import RawDocument, Segment
from plugins.erp_sap.settings import PLUGIN

DAILY_KIND = "wpuums"
"""Kind of the queue messages that carry a store's day of sales."""


def store_control(store_id: str) -> dict[str, str]:
    """The control fields that name a store as the sender of a POS IDoc."""
    return {"SNDPRT": "KU", "SNDPRN": store_id}


def build_wpuums(totals: dict[str, Any], docnum: str) -> RawDocument:
    """One WPUUMS01 IDoc with a day's sales of one store, article by article."""
    items = []
    for article, sums in sorted(totals["articles"].items()):
        quantity, value = Decimal(sums["quantity"]), Decimal(sums["value"])
        items.append(Segment("E1WPU02", {
            "QUALARTNR": "MATN", "ARTNR": article, "VORZMENGE": "-" if quantity < 0 else "+",
            "UMSMENGE": str(abs(quantity)), "UMSWERT": str(abs(value))}))
    header = Segment("E1WPU01", {"BELEGDATUM": str(totals["day"]).replace("-", ""),
                                 "BELEGWAERS": str(totals["currency"])}, items)
    for number, segment in enumerate([header, *items], start=1):
        segment.number = number
    return RawDocument(PLUGIN, "WPUUMS", docnum, "idoc", [header],
                       {"IDOCTYP": "WPUUMS01", "MESTYP": "WPUUMS", **store_control(str(totals["store"]))})
