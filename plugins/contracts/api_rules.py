"""The contracts plugin's rules over REST API updates: a service contract's cancellation.

A cancellation sent through ``PUT /api/v1/service_contract/{id}`` goes through the very
decision ``hub contract cancel`` makes (``terms.decide``, ``terms.cancelled``): the
notice period of the terms in force (the stored contract's), refused or moved to the
first allowed end as ``late_cancellation`` says, and the contract's end and billing plan
cut at the effective day. A refusal is a ``DocumentError`` on
``cancellation.effective_on``, which the API answers 422 naming the end asked for, the
earliest allowed and why; nothing is stored. A cancellation once recorded is not
changed this way (a second one would be judged against terms the first already cut).
"""

from __future__ import annotations

from hub.api import Document, DocumentError, PluginContext, PluginTransaction, ServiceContract, WriteRule
from plugins.contracts.settings import ContractsSettings
from plugins.contracts.terms import cancelled, decide


def cancellation_rule(context: PluginContext) -> WriteRule:
    """The rule over updates of service contracts (see the module docstring)."""
    settings = context.settings_as(ContractsSettings)

    def check(transaction: PluginTransaction, stored: Document, sent: Document) -> Document:
        if not isinstance(stored, ServiceContract) or not isinstance(sent, ServiceContract):
            return sent
        wanted = sent.cancellation
        if wanted is None or wanted == stored.cancellation:
            return sent
        if stored.cancellation is not None:
            raise DocumentError(
                f"service_contract {stored.hub_id}", "cancellation",
                f"is recorded already (by {stored.cancellation.by}, effective "
                f"{stored.cancellation.effective_on.isoformat()}); a recorded cancellation is not changed")
        decision = decide(stored, wanted.requested_on, wanted.effective_on, wanted.by, wanted.reason,
                          settings.late_cancellation)
        context.log.info("%s (REST API)", decision.message)
        return cancelled(sent, decision)

    return check
