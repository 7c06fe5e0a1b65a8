"""What the REST API tests share: the live API (a hub serving it on 127.0.0.1) and bodies.

Imported explicitly by the tests under tests/http/api; ``conftest.py`` starts the hub."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa

from hub.core.queue.tables import messages
from hub.core.restapi.tables import idempotency_keys
from hub.core.runtime import HubRuntime
from hub.core.store.documents import documents


@dataclass
class LiveApi:
    """The API's base URL, the hub behind it, and a key of each scope."""

    url: str
    runtime: HubRuntime
    keys: dict[str, str]

    def client(self, scope: str | None = "admin", **headers: str) -> httpx.Client:
        """A client of the API holding the key of ``scope`` (None: no key)."""
        sent = {"Authorization": f"Bearer {self.keys[scope]}"} if scope else {}
        return httpx.Client(base_url=self.url, headers={**sent, **headers}, timeout=30)

    def counts(self) -> dict[str, int]:
        """Rows of what a write leaves: documents, queue messages, idempotency keys."""
        with self.runtime.engine.connect() as conn:
            return {table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                    for table in (documents, messages, idempotency_keys)}

    def messages_of(self, hub_id: str) -> list[dict[str, Any]]:
        """The queue messages of one document, oldest first."""
        with self.runtime.engine.connect() as conn:
            rows = conn.execute(sa.select(messages).where(messages.c.hub_id == hub_id).order_by(messages.c.id))
            return [dict(row._mapping) for row in rows]


def organisation(name: str, **more: Any) -> dict[str, Any]:
    """A partner body: an organisation called ``name``."""
    return {"kind": "organisation", "organisation_name": name, **more}
