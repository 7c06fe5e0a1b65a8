"""Contacts out: a partner changed in the hub goes to the service's REST API.

``PUT {endpoint}/contacts/{hub id}`` with the contact as the mapping table renders it.
The service's answers are sorted into what the hub's queue does next: 5xx, 429 and
network trouble are retried (``TransientError``, with the service's ``Retry-After``),
any other refusal blocks the partner's queue for the administrator (``PermanentError``).
"""

from __future__ import annotations

import httpx

from hub.api import (
    DeliveryResult,
    OutboundMessage,
    PermanentError,
    PluginContext,
    TransientError,
    retry_after_seconds,
    validate_document,
)
from hub_webform.settings import WebformSettings


class ContactTransport:
    """Sends partners to the form service."""

    def __init__(self, context: PluginContext) -> None:
        settings = context.settings_as(WebformSettings)
        if settings.endpoint is None:
            raise PermanentError("[plugins.webform] endpoint is not set: no contacts can be sent")
        headers = {"Authorization": f"Bearer {settings.token.get_secret_value()}"} if settings.token else {}
        self._context = context
        self._client = httpx.Client(base_url=settings.endpoint, timeout=settings.timeout, trust_env=False,
                                    headers=headers)

    def send(self, message: OutboundMessage) -> DeliveryResult:
        """Render the partner and PUT it."""
        partner = validate_document(message.doc_type, {**message.payload["data"], "hub_id": message.hub_id},
                                    f"partner {message.hub_id}")
        contact = self._context.render(partner).body
        try:
            answer = self._client.put(f"/contacts/{message.hub_id}", json=contact,
                                      headers={"Idempotency-Key": message.idempotency_key})
        except httpx.HTTPError as exc:
            raise TransientError(f"form service unreachable: {exc}") from exc
        if answer.status_code >= 500 or answer.status_code == 429:
            raise TransientError(f"form service answered {answer.status_code}",
                                 retry_after=retry_after_seconds(answer.headers.get("Retry-After")))
        if answer.status_code >= 400:
            raise PermanentError(f"form service refused contact {message.hub_id}: {answer.status_code}"
                                 f" {answer.text[:200]}")
        return DeliveryResult(detail=f"contact {message.hub_id} stored by the form service")

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()
