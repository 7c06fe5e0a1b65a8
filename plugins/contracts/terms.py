"""Renewal and cancellation of service contracts.

Renewal: a contract with ``auto_renew`` that reached its ``valid_to`` without a
cancellation runs on by ``renewal_months`` (as often as needed to cover today); a
billing plan that ended with the contract ends with the renewed one.

Cancellation: a contract can end only at the end of a term (``valid_to``, or a renewed
term's end when it renews itself; any day when it runs open-ended), and only with
``notice_days`` notice. A cancellation asking for an earlier end is refused, or moved
to the first end the notice allows (``late_cancellation``); either way the message
says which end was asked for, which the notice allows and why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hub.api import Cancellation, DocumentError, ServiceContract
from plugins.contracts.schedule import add_months

MAX_TERMS = 1200
"""Renewed terms looked at for an allowed end (a century of monthly terms)."""


class CancellationRefused(DocumentError):
    """A cancellation misses the notice period and ``late_cancellation`` is ``refuse``."""


def renewed(contract: ServiceContract, today: dt.date) -> ServiceContract | None:
    """The contract renewed to cover ``today``, or None when it does not renew now."""
    terms = contract.renewal
    if not terms.auto_renew or terms.renewal_months is None or contract.valid_to is None \
            or contract.cancellation is not None or contract.valid_to >= today \
            or contract.status.value != "active":
        return None
    old_end, end = contract.valid_to, contract.valid_to
    while end < today:
        end = add_months(end + dt.timedelta(days=1), terms.renewal_months) - dt.timedelta(days=1)
    copy = contract.model_copy(deep=True)
    copy.valid_to = end
    for item in copy.items:
        if item.billing_plan is not None and item.billing_plan.end_date == old_end:
            item.billing_plan.end_date = end
    return copy


@dataclass(frozen=True)
class CancellationDecision:
    """The cancellation to record, and what to tell the user."""

    cancellation: Cancellation
    moved: bool
    message: str


def allowed_end(contract: ServiceContract, requested_on: dt.date, wanted: dt.date) -> dt.date:
    """The first end, on or after ``wanted``, that the notice given on ``requested_on`` allows."""
    notice = dt.timedelta(days=contract.renewal.notice_days or 0)
    earliest = max(wanted, requested_on + notice)
    if contract.valid_to is None:
        return earliest
    end = contract.valid_to
    months = contract.renewal.renewal_months if contract.renewal.auto_renew else None
    if months is None:
        return end  # a term that does not renew ends at its end, cancelled or not
    for _ in range(MAX_TERMS):
        if end >= earliest:
            return end
        end = add_months(end + dt.timedelta(days=1), months) - dt.timedelta(days=1)
    return end


def decide(contract: ServiceContract, requested_on: dt.date, effective_on: dt.date | None, by: str,
           reason: str | None, late: str) -> CancellationDecision:
    """Apply the notice rule to a cancellation (see the module docstring)."""
    wanted = effective_on or contract.valid_to or requested_on
    allowed = allowed_end(contract, requested_on, wanted)
    notice = contract.renewal.notice_days or 0
    why = (f"notice period {notice} days from {requested_on.isoformat()}"
           + (f", terms ending {contract.valid_to.isoformat()}"
              + (f" and every {contract.renewal.renewal_months} months after" if contract.renewal.auto_renew else "")
              if contract.valid_to else ""))
    if allowed == wanted:
        message = f"{contract.hub_id} cancelled by {by} with effect from {allowed.isoformat()} ({why})"
        return CancellationDecision(Cancellation(requested_on=requested_on, effective_on=allowed, by=by,
                                                 reason=reason), False, message)
    if late == "refuse":
        raise CancellationRefused(
            f"service_contract {contract.hub_id}", "cancellation.effective_on",
            f"end {wanted.isoformat()} refused: {why}; the earliest end allowed is {allowed.isoformat()}")
    message = (f"{contract.hub_id} cancelled by {by}: end {wanted.isoformat()} moved to {allowed.isoformat()}"
               f" ({why})")
    return CancellationDecision(Cancellation(requested_on=requested_on, effective_on=allowed, by=by, reason=reason),
                                True, message)


def cancelled(contract: ServiceContract, decision: CancellationDecision) -> ServiceContract:
    """The contract with the cancellation recorded; it runs until the effective day."""
    copy = contract.model_copy(deep=True)
    copy.cancellation = decision.cancellation
    effective = decision.cancellation.effective_on
    if copy.valid_to is None or copy.valid_to > effective:
        copy.valid_to = effective
    for item in copy.items:
        plan = item.billing_plan
        if plan is not None and (plan.end_date is None or plan.end_date > effective) and plan.start_date <= effective:
            plan.end_date = effective
    return copy
