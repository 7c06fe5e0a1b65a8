"""The request load: asking the ERP for a customer or material a waiting document needs.

An invoice for a payer that was never replicated, a delivery of a material created
this morning: the hub keeps such a document waiting for the object (see
``PluginContext.missing_objects``). Rather than wait for the ERP's next change
pointer run, the plugin asks the ERP for the object, as SAP's own request loads do:
``request_url`` answers with the DEBMAS or MATMAS IDoc-XML of one number, which is
ingested like any IDoc from the ERP; the waiting documents then post on their own, in
the order they came.

Each object is asked for at most once per ``request_minutes`` (the times are kept in
the plugin's state, so a restart does not ask again at once). An ERP that does not
know the number, or cannot be reached, is logged; the document keeps waiting and is
reported as failed after the hub's ``waiting_minutes``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from hub.api import PluginContext, TransientError
from plugins.erp_sap.settings import ErpSapSettings

MESSAGE_TYPES = {"partner": "DEBMAS", "product": "MATMAS"}
"""Which IDoc brings an object of each key-map type."""
STATE = "request_load.asked"
"""Plugin state: ``"object_type:number"`` -> when the ERP was last asked (ISO time)."""


def _fetch(url: str, settings: ErpSapSettings) -> bytes | None:
    """The ERP's IDoc-XML for one object, or None when it does not know the number."""
    auth = (settings.username, settings.password.get_secret_value() if settings.password else "") \
        if settings.username else None
    try:
        answer = httpx.get(url, auth=auth, timeout=settings.timeout, trust_env=False)
    except httpx.HTTPError as exc:
        raise TransientError(f"request load from {url} failed: {exc}") from exc
    if answer.status_code == 404:
        return None
    if answer.status_code != 200:
        raise TransientError(f"request load from {url} answered HTTP {answer.status_code}")
    return answer.content


def request_missing(context: PluginContext, now: datetime | None = None) -> list[str]:
    """Ask the ERP for every object waiting documents need and it was not asked for lately;
    returns the ``object_type:number`` keys it brought."""
    settings = context.settings_as(ErpSapSettings)
    if settings.request_url is None:
        return []
    now = now or datetime.now(UTC)
    stored = context.state(STATE)
    missing = [(object_type, number, f"{object_type}:{number}") for object_type, number in context.missing_objects()]
    # Only objects still missing are remembered: the state stays as small as the wait.
    earlier = stored if isinstance(stored, dict) else {}
    asked = {key: str(earlier[key]) for _, _, key in missing if key in earlier}
    again = now - timedelta(minutes=settings.request_minutes)
    brought: list[str] = []
    for object_type, number, key in missing:
        message_type = MESSAGE_TYPES.get(object_type)
        if message_type is None or (key in asked and datetime.fromisoformat(asked[key]) > again):
            continue
        url = settings.request_url.format(message_type=message_type, number=number)
        asked[key] = now.isoformat()
        try:
            payload = _fetch(url, settings)
        except TransientError as exc:
            context.log.warning("%s", exc)
            continue
        if payload is None:
            context.log.warning("request load: the ERP does not know %s %s (%s)", object_type, number, url)
            continue
        context.ingest(payload, f"request load {message_type} {number}", "application/xml",
                       state={STATE: dict(asked)})
        brought.append(key)
        context.log.info("request load: %s %s brought from the ERP", object_type, number)
    if asked != stored:
        with context.transaction() as transaction:
            transaction.set_state({STATE: dict(asked)})
    return brought


def request_load_job(context: PluginContext) -> None:
    """The scheduled job: one pass of ``request_missing``."""
    request_missing(context)
