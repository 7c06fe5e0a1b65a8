"""Text for people: where a document stands per system, its ids and its facts.

Shared by ``hub partner show`` and ``hub document show``, so the two say the same
thing the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from hub.core.queue.replication import Replication


def replication_text(r: Replication) -> str:
    """``erp_sap: sent v3`` or ``erp_sap: blocked v3 (HTTP 500 ...)``; never shortened."""
    error = f" ({' '.join(r.error.split())})" if r.error and r.state in ("blocked", "queued", "sent") else ""
    return f"{r.system}: {r.state} v{r.version}{error}"


def replication_rows(states: Iterable[Replication]) -> list[tuple[str, str, int, str]]:
    """One table row per system: system, state, version, error."""
    return [(r.system, r.state, r.version, " ".join((r.error or "").split())) for r in states]


def ids_text(external_ids: dict[str, list[str]]) -> str:
    """``erp_sap:4711, ecommerce:eu:1001``: every id the document has, as SYSTEM:ID."""
    return ", ".join(f"{system}:{i}" for system, ids in sorted(external_ids.items()) for i in ids)


def facts_text(summary: dict[str, str]) -> str:
    """``status=open, gross_value=119.00 EUR``."""
    return ", ".join(f"{name}={value}" for name, value in summary.items())
