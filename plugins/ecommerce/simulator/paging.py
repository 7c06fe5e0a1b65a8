"""Pagination as the platforms do it.

Shopify pages with cursors: a page's ``Link`` header names the next and previous page
by an opaque ``page_info``, and a request with ``page_info`` may carry only ``limit``
(the filters travel inside the cursor). WooCommerce pages by number: ``page`` and
``per_page``, with ``X-WP-Total`` and ``X-WP-TotalPages`` and a ``Link`` header too.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from plugins.ecommerce.simulator.state import SimError


@dataclass(frozen=True)
class Page:
    """One page of objects and the headers that go with it."""

    items: list[dict[str, Any]]
    headers: dict[str, str]


def _encode(cursor: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(cursor, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(page_info: str) -> dict[str, Any]:
    try:
        cursor = json.loads(base64.urlsafe_b64decode(page_info + "=" * (-len(page_info) % 4)))
    except (binascii.Error, ValueError):
        raise SimError("page_info is not valid", 400) from None
    if not isinstance(cursor, dict) or not isinstance(cursor.get("filters"), dict):
        raise SimError("page_info is not valid", 400)
    return cursor


def _link(url: str, limit: int, cursor: dict[str, Any], rel: str) -> str:
    """One entry of a Link header: the page at ``cursor``."""
    return f'<{url}?{urlencode({"limit": limit, "page_info": _encode(cursor)})}>; rel="{rel}"'


def shopify_page(url: str, query: dict[str, str], objects: Sequence[dict[str, Any]],
                 matches: Callable[[dict[str, Any], dict[str, str]], bool], limit: int) -> Page:
    """A cursor page of ``objects`` (in id order) that ``matches`` the filters."""
    if "page_info" in query:
        cursor = _decode(query["page_info"])
        filters = cursor["filters"]
    else:
        cursor, filters = {}, query
    chosen = sorted((o for o in objects if matches(o, filters)), key=lambda o: o["id"])
    if "before" in cursor:
        earlier = [o for o in chosen if o["id"] < cursor["before"]]
        items = earlier[-limit:]
    else:
        items = [o for o in chosen if o["id"] > cursor.get("after", -1)][:limit]
    links = []
    if items and any(o["id"] > items[-1]["id"] for o in chosen):
        links.append(_link(url, limit, {"filters": filters, "after": items[-1]["id"]}, "next"))
    if items and any(o["id"] < items[0]["id"] for o in chosen):
        links.insert(0, _link(url, limit, {"filters": filters, "before": items[0]["id"]}, "previous"))
    return Page(items, {"Link": ", ".join(links)} if links else {})


def woocommerce_page(url: str, query: dict[str, str], objects: Sequence[dict[str, Any]], page: int,
                     per_page: int) -> Page:
    """Page ``page`` of ``objects`` (already filtered and sorted), ``per_page`` to a page."""
    total = len(objects)
    pages = max(1, math.ceil(total / per_page))
    items = list(objects[(page - 1) * per_page: page * per_page])
    others = {k: v for k, v in query.items() if k not in ("page", "per_page")}
    links = []
    if page > 1:
        links.append(f'<{url}?{urlencode({**others, "page": page - 1, "per_page": per_page})}>; rel="prev"')
    if page < pages:
        links.append(f'<{url}?{urlencode({**others, "page": page + 1, "per_page": per_page})}>; rel="next"')
    headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
    if links:
        headers["Link"] = ", ".join(links)
    return Page(items, headers)
