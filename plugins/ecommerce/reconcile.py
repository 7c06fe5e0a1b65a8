"""The reconcile poll: what the webhooks missed, read from the shop's REST API.

Webhooks get lost (a shop gives up after its retries, a hub was down for hours), so a
scheduled job per shop lists the customers and orders changed since its cursor:
Shopify ``customers.json`` / ``orders.json?status=any&updated_at_min=...`` following the
``Link`` header's cursor pages; WooCommerce ``orders?modified_after=...&page=N`` and
``customers?page=N`` (its customers cannot be filtered by time). Each page is ingested
as a poll envelope through the same pipeline as a webhook; its objects' dedupe keys name
their modification time, so an object already taken by webhook or an earlier poll is a
duplicate, not a second post.

The cursor (``cursor:SHOP:RESOURCE``: the newest modification time read) is kept in
plugin state and written in the same transaction as the *last* page of a pass: pages
come in id order, not by time, so a pass that dies half-way must start over from the
old cursor (the pages read again post nothing twice). A pass reads all its pages
before it ingests them, to know the newest time; the next pass starts from there. A 429 is waited out as the shop
asks (Retry-After) up to ``THROTTLE_ATTEMPTS`` times; Shopify's call-limit header paces
the calls (``ShopClient``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hub.api import DeliveryError, DocumentError, IngestOutcome, JobFunction, PluginContext, TransientError
from plugins.ecommerce.client import ShopClient
from plugins.ecommerce.codecs import parse_envelope, poll_envelope
from plugins.ecommerce.settings import EcommerceSettings, ShopSettings

PAGE = 100
"""Objects per WooCommerce page (its maximum)."""
SHOPIFY_PAGE = 250
"""Objects per Shopify page (its maximum)."""
THROTTLE_ATTEMPTS = 6
"""How often one call is tried while the shop answers 429 (or is briefly away)."""
FIRST_LOOKBACK = timedelta(days=1)
"""How far back a shop's first pass reads when no --since is given."""
WOOCOMMERCE_OVERLAP = timedelta(seconds=1)
"""WooCommerce's modified_after is exclusive and in whole seconds: read a second back."""
RESOURCES = ("customers", "orders")


class ReconcileError(Exception):
    """A reconcile pass that cannot run (an unknown shop)."""


@dataclass
class ReconcileResult:
    """What one pass read and what became of it."""

    shop: str
    pages: int = 0
    outcomes: list[IngestOutcome] = field(default_factory=list)
    cursors: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Documents by outcome status (posted, duplicate, failed...)."""
        counted: dict[str, int] = {}
        for outcome in self.outcomes:
            counted[outcome.status] = counted.get(outcome.status, 0) + 1
        return counted


def cursor_name(shop: str, resource: str) -> str:
    """The plugin-state name of a shop's cursor for ``resource``."""
    return f"cursor:{shop}:{resource}"


def reconcile(context: PluginContext, shop_name: str, since: datetime | None = None,
              sleep: Callable[[float], None] = time.sleep) -> ReconcileResult:
    """One pass over ``shop_name``'s customers and orders changed since ``since`` (else
    its cursors, else a day back)."""
    settings = context.settings_as(EcommerceSettings)
    shop = settings.shops.get(shop_name)
    if shop is None:
        raise ReconcileError(f"no shop {shop_name!r} in [plugins.ecommerce.shops] "
                             f"(shops: {', '.join(sorted(settings.shops)) or 'none'})")
    result = ReconcileResult(shop_name)
    client = ShopClient(shop_name, shop)
    try:
        for resource in RESOURCES:
            _pass(context, client, shop, resource, since, result, sleep)
    finally:
        client.close()
    return result


def reconcile_job(shop_name: str) -> JobFunction:
    """The scheduled pass over one shop; a shop that cannot be reached is logged and
    tried again at the next run (the cursor has not moved)."""

    def run(context: PluginContext) -> None:
        try:
            result = reconcile(context, shop_name)
        except DeliveryError as exc:
            context.log.warning("reconcile of shop %s stopped: %s", shop_name, exc)
            return
        context.log.info("reconcile of shop %s: %s pages, %s", shop_name, result.pages, result.counts())

    return run


def _pass(context: PluginContext, client: ShopClient, shop: ShopSettings, resource: str, since: datetime | None,
          result: ReconcileResult, sleep: Callable[[float], None]) -> None:
    name = cursor_name(client.name, resource)
    kept = context.state(name)
    start = since or (datetime.fromisoformat(kept) if isinstance(kept, str) else None) \
        or datetime.now(UTC) - FIRST_LOOKBACK
    envelopes = [poll_envelope(shop.platform, client.name, resource, page)
                 for page in _pages(client, shop, resource, start, sleep)]
    newest = max([t for envelope in envelopes for t in _modified(envelope)]
                 + ([kept] if isinstance(kept, str) else []), default=None)
    for index, envelope in enumerate(envelopes):
        last = index == len(envelopes) - 1
        state = {name: newest} if last and newest is not None else None
        result.outcomes += context.ingest(envelope, f"poll:{client.name}:{resource}", "application/json",
                                          state=state)
        result.pages += 1
    if newest is not None:
        result.cursors[resource] = newest


def _modified(envelope: bytes) -> list[str]:
    """The modification times (UTC ISO 8601) of a page's objects; none for a page the
    codec refuses (it is recorded as failed when ingested, and the cursor stays)."""
    try:
        documents = parse_envelope(envelope)
    except DocumentError:
        return []
    return [str(d.control["modified_at"]) for d in documents if d.control.get("modified_at")]


def _pages(client: ShopClient, shop: ShopSettings, resource: str, start: datetime,
           sleep: Callable[[float], None]) -> Iterator[bytes]:
    if shop.platform == "shopify":
        params: dict[str, Any] = {"limit": SHOPIFY_PAGE, "updated_at_min": start.isoformat()}
        if resource == "orders":
            params["status"] = "any"
        answer = _get(client, f"/{resource}.json", params, sleep)
        while True:
            yield answer.content
            following = answer.links.get("next", {}).get("url")
            if not following:
                return
            answer = _get(client, following, None, sleep)
    page = 1
    while True:
        params = {"page": page, "per_page": PAGE, "orderby": "id", "order": "asc"}
        if resource == "orders":
            params["modified_after"] = (start - WOOCOMMERCE_OVERLAP).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        else:
            params["role"] = "all"
        answer = _get(client, f"/{resource}", params, sleep)
        yield answer.content
        if page >= int(answer.headers.get("X-WP-TotalPages") or 1):
            return
        page += 1


def _get(client: ShopClient, path: str, params: dict[str, Any] | None,
         sleep: Callable[[float], None]) -> httpx.Response:
    for attempt in range(1, THROTTLE_ATTEMPTS + 1):
        try:
            return client.get(path, params)
        except TransientError as exc:
            if attempt == THROTTLE_ATTEMPTS:
                raise
            sleep(exc.retry_after if exc.retry_after is not None else float(attempt))
    raise AssertionError("unreachable")
