"""One shop's Admin REST API: authentication, rate limits, and errors the hub can act on.

Both the pushes back to a shop and the reconcile poll call the shop through a
``ShopClient``. It authenticates as the platform wants (Shopify: the access token
header under ``/admin/api/VERSION/``; WooCommerce: the consumer key and secret as Basic
auth under ``/wp-json/wc/v3/``), and translates every failure at this boundary:

- no connection, a timeout, 5xx, 429: ``TransientError``, with the shop's
  ``Retry-After`` when it gave one, so the queue waits at least that long;
- any other 4xx: ``PermanentError`` naming shop, call and the shop's own error text.

Shopify meters calls in a leaky bucket and says how full it is in
``X-Shopify-Shop-Api-Call-Limit: used/size`` on every answer; when the bucket is more
than ``BUCKET_HIGH`` full the client waits for it to drain a little (it leaks a
twentieth of its size per second: 2 calls of 40, or 20 of a Plus shop's 400) before
the next call, instead of running into 429s.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx

from hub.api import PermanentError, TransientError, retry_after_seconds
from plugins.ecommerce.settings import ShopSettings

CALL_LIMIT = "X-Shopify-Shop-Api-Call-Limit"
BUCKET_HIGH = 0.8
"""How full Shopify's bucket may get before the client slows down."""
LEAK_SHARE = 20
"""Shopify's bucket drains a twentieth of its size per second (40 calls at 2/s; Plus: 400 at 20/s)."""
ERROR_TEXT = 200
"""How much of a shop's error body goes into an error message."""


class ShopClient:
    """Calls to one shop; ``close()`` when done (thread-safe for the pacing)."""

    def __init__(self, name: str, shop: ShopSettings, timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.name = name
        self.platform = shop.platform
        if shop.platform == "shopify":
            token = shop.access_token.get_secret_value() if shop.access_token else ""
            base = f"{shop.base_url}/admin/api/{shop.api_version}"
            self._http = httpx.Client(base_url=base, timeout=timeout, transport=transport,
                                      headers={"X-Shopify-Access-Token": token})
        else:
            key = shop.consumer_key.get_secret_value() if shop.consumer_key else ""
            secret = shop.consumer_secret.get_secret_value() if shop.consumer_secret else ""
            self._http = httpx.Client(base_url=f"{shop.base_url}/wp-json/wc/v3", timeout=timeout,
                                      transport=transport, auth=(key, secret))
        self._site = shop.base_url
        self._lock = threading.Lock()
        self._pause_until = 0.0

    def close(self) -> None:
        """Release the connections."""
        self._http.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        """GET ``path`` (relative to the platform's API base)."""
        return self.call("GET", path, params=params)

    def send(self, method: str, path: str, body: Any) -> Any:
        """A write with a JSON body; returns the answer's JSON."""
        return self.call(method, path, json=body).json()

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One call: paced by Shopify's bucket, failures translated (see the module)."""
        self._wait_for_bucket()
        what = f"shop {self.name}: {method} {path}"
        try:
            answer = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise TransientError(f"{what}: {type(exc).__name__}: {exc}") from None
        self._note_bucket(answer)
        if answer.status_code == 429 or answer.status_code >= 500:
            raise TransientError(f"{what}: the shop answered {answer.status_code} {_text(answer)}",
                                 retry_after=retry_after_seconds(answer.headers.get("Retry-After")))
        if answer.status_code >= 400:
            raise PermanentError(f"{what}: the shop refused it with {answer.status_code} {_text(answer)}")
        return answer

    def site_call(self, method: str, path: str, body: Any) -> Any:
        """A write outside the REST base but on the same site and credentials (WooCommerce's
        Shipment Tracking extension lives under ``/wp-json/wc-shipment-tracking/v3``)."""
        return self.call(method, f"{self._site}{path}", json=body).json()

    def _note_bucket(self, answer: httpx.Response) -> None:
        used, _, size = (answer.headers.get(CALL_LIMIT) or "").partition("/")
        if not (used.isdigit() and size.isdigit()) or int(size) == 0:
            return
        over = int(used) - BUCKET_HIGH * int(size)
        if over > 0:
            with self._lock:
                leak = int(size) / LEAK_SHARE
                self._pause_until = max(self._pause_until, time.monotonic() + over / leak)

    def _wait_for_bucket(self) -> None:
        with self._lock:
            pause = self._pause_until - time.monotonic()
        if pause > 0:
            time.sleep(pause)


def _text(answer: httpx.Response) -> str:
    """The start of the shop's error body, for the administrator."""
    text = answer.text.strip().replace("\n", " ")
    return f"({text[:ERROR_TEXT]})" if text else ""
