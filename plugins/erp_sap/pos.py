"""POS sales to the ERP: per receipt (WPUBON) or per store, business day and article (WPUUMS).

``[plugins.erp_sap] pos_channel`` alone chooses: the store plugin hands over every
retail transaction either way, so the IDoc is this plugin's business. Only transactions
that count go (``RetailTransaction.counts()``: completed sales and returns, not
training); the others are noted in the message's history and go nowhere.

WPUBON: each receipt is rendered through the ``WPUBON`` mapping table and sent like any
IDoc, in the transaction's own queue. WPUUMS: each receipt adds its articles' quantity
and value to the day of its store, kept as the plugin's state (a receipt counted once:
its hub id is remembered). The job ``erp_sap.pos_days`` closes every day older than
``pos_days_open`` days: it queues the day's totals as one WPUUMS IDoc in the queue
``erp_sap:pos_day:STORE:DAY`` and forgets the day. A receipt that comes in after its day
was closed opens the day again and goes with a second WPUUMS, which the ERP adds up.
In both, the store is the IDoc's sending partner (SNDPRT KU, SNDPRN the store number),
as SAP's POS inbound expects, and articles go by the ERP's material number where the
hub knows the product (else as the till scanned them).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hub.api import (
    DeliveryResult,
    JsonValue,
    NewMessage,
    OutboundMessage,
    PluginContext,
    PluginTransaction,
    RetailTransaction,
    new_hub_id,
    utcnow,
    validate_document,
)
from plugins.erp_sap.idoc_out import IdocTransport
from plugins.erp_sap.pos_idocs import DAILY_KIND
from plugins.erp_sap.settings import PLUGIN, ErpSapSettings

OPEN_DAYS = "pos_days"


class PosTransport:
    """Transport ``pos``: counted retail transactions to the ERP, by ``pos_channel``."""

    def __init__(self, context: PluginContext) -> None:
        self._context = context
        self._channel = context.settings_as(ErpSapSettings).pos_channel
        self._idoc = IdocTransport(context)

    def send(self, message: OutboundMessage) -> DeliveryResult:
        """Send the receipt (WPUBON) or add it to its store's day (WPUUMS)."""
        with self._context.reading() as transaction:
            message = replace(message, payload={**message.payload, "data": erp_articles(
                transaction, message.payload["data"])})
        receipt = validate_document(message.doc_type, {**message.payload["data"], "hub_id": message.hub_id},
                                    f"retail_transaction {message.hub_id}")
        assert isinstance(receipt, RetailTransaction)
        if not receipt.counts():
            return DeliveryResult(detail="not for the ERP: training, not completed, or not a sale or return")
        if self._channel == "wpubon":
            return self._idoc.send(message)
        with self._context.transaction() as transaction:
            added = add_to_day(transaction, receipt)
        day = f"store {receipt.store_id}, {receipt.business_day.isoformat()}"
        return DeliveryResult(detail=f"added to the sales of {day} (WPUUMS)" if added
                              else f"counted before in the sales of {day}")


def erp_articles(transaction: PluginTransaction, data: dict[str, Any]) -> dict[str, Any]:
    """The receipt with each line's article as the ERP numbers it: the material number
    from the key map where the hub knows the product, else what the till scanned."""
    lines = []
    for line in data.get("lines") or []:
        material = transaction.external_id("product", line["product_hub_id"]) if line.get("product_hub_id") else None
        lines.append({**line, "product_external_id": material} if material else line)
    return {**data, "lines": lines}


def _day_key(store_id: str, day: date) -> str:
    return f"pos_day/{store_id}/{day.isoformat()}"


def _lock(transaction: PluginTransaction, key: str) -> None:
    """Two receipts of one day posted at once must not lose one another's totals: on
    PostgreSQL a transaction lock on the day serialises them (SQLite writes one at a time)."""
    if transaction.connection.dialect.name == "postgresql":
        number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        transaction.connection.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (number,))


def add_to_day(transaction: PluginTransaction, receipt: RetailTransaction) -> bool:
    """Add a counted receipt to its store's day; False when it was added before."""
    key = _day_key(receipt.store_id, receipt.business_day)
    _lock(transaction, OPEN_DAYS)
    day = transaction.state(key)
    totals: dict[str, Any] = dict(day) if isinstance(day, dict) else {
        "store": receipt.store_id, "day": receipt.business_day.isoformat(), "currency": receipt.currency,
        "receipts": [], "articles": {}}
    if receipt.hub_id in totals["receipts"]:
        return False
    articles = dict(totals["articles"])
    for line in receipt.lines:
        if line.voided or not line.product_external_id:
            continue
        sign = -1 if line.kind.value == "return" else 1
        known = articles.get(line.product_external_id, {"quantity": "0", "value": "0"})
        articles[line.product_external_id] = {
            "quantity": str(Decimal(known["quantity"]) + sign * line.quantity.value),
            "value": str(Decimal(known["value"]) + sign * line.amount.amount)}
    totals["articles"] = articles
    totals["receipts"] = [*totals["receipts"], receipt.hub_id]
    open_days = transaction.state(OPEN_DAYS)
    keys: list[JsonValue] = [str(k) for k in open_days] if isinstance(open_days, list) else []
    transaction.set_state({key: totals, OPEN_DAYS: keys if key in keys else [*keys, key]})
    return True


def close_days(context: PluginContext, today: date | None = None) -> int:
    """Queue one WPUUMS for every store day older than ``pos_days_open`` days; how many."""
    cutoff = (today or utcnow().date()) - timedelta(days=context.settings_as(ErpSapSettings).pos_days_open)
    closed = 0
    with context.transaction() as transaction:
        _lock(transaction, OPEN_DAYS)
        open_days = transaction.state(OPEN_DAYS)
        keys = [str(k) for k in open_days] if isinstance(open_days, list) else []
        keep: list[JsonValue] = []
        for key in keys:
            totals = transaction.state(key)
            if not isinstance(totals, dict) or date.fromisoformat(str(totals["day"])) >= cutoff:
                keep.append(key)
                continue
            store, day = str(totals["store"]), str(totals["day"])
            transaction.enqueue([NewMessage(
                system=PLUGIN, queue=f"{PLUGIN}:pos_day:{store}:{day}", kind=DAILY_KIND, doc_type=DAILY_KIND,
                hub_id=f"{store}:{day}", version=0, payload={"totals": totals},
                idempotency_key=f"{PLUGIN}/wpuums:{store}:{day}:{new_hub_id('wu')}", transport="idoc")])
            transaction.set_state({key: None})
            closed += 1
        transaction.set_state({OPEN_DAYS: keep})
    return closed


def pos_days_job(context: PluginContext) -> None:
    """The scheduled job ``erp_sap.pos_days``: close the store days that are complete."""
    closed = close_days(context)
    if closed:
        context.log.info("queued WPUUMS for %d closed store day(s)", closed)
